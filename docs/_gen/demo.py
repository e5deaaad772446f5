"""The demo report: an instrument on the bundled synthetic data, baseline wave, by role.

The documentation build publishes its HTML (``assets/demo-report.html``, linked from
``report.md``) and ``scripts/screenshot_report.py`` photographs it, so the page, the file and
the screenshots show the same report.
"""

from __future__ import annotations

import psychometrics as pm
from psychometrics.datasets import load_mentorship


def demo_report(instrument: str = "gse") -> pm.Report:
    data = load_mentorship()
    baseline = data[data["wave"] == "baseline"]
    baseline.attrs["synthetic"] = True
    inst = pm.load_instrument(instrument)
    return pm.report(baseline, inst, group="role", id_column="response_id",
                     title=f"{inst.name}: demo report (baseline wave)",
                     data_name="the bundled mentorship example, baseline wave")
