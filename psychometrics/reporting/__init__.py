"""The analysis report: one self-contained HTML file per instrument and data set.

``psychometrics.report(data, instrument)`` (and ``psychometrics report ID DATA -o
report.html`` on the command line) validates the data, scores it and runs the reliability
and factor analyses, and writes everything a reviewer needs into one HTML file with inline
SVG plots. See :func:`~psychometrics.reporting.builder.report`.
"""

from __future__ import annotations

from psychometrics.reporting.builder import Report, Section, report

__all__ = ["Report", "Section", "report"]
