"""Bundled example data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_HERE = Path(__file__).resolve().parent


def mentorship_study_path() -> Path:
    """The bundled study definition of the mentorship evaluation (``mentorship-study.yaml``,
    beside ``mentorship.csv``): what ``psychometrics demo`` evaluates.

    Examples
    --------
    >>> from psychometrics.datasets import mentorship_study_path
    >>> mentorship_study_path().name
    'mentorship-study.yaml'
    """
    return _HERE / "mentorship-study.yaml"


def mentorship_data_path() -> Path:
    """The bundled synthetic data file, ``mentorship.csv``."""
    return _HERE / "mentorship.csv"


def load_mentorship() -> pd.DataFrame:
    """A SYNTHETIC data set mirroring a mentorship-network programme evaluation.

    Residents (mentees) and faculty (mentors) of an internal-medicine programme, female and
    male, surveyed at baseline and after one year (``wave``), answering the items of the
    ``acs``, ``gse``, ``css`` and ``who5`` instruments (columns named by item id). Made by
    the seeded script :mod:`psychometrics.datasets.generate_mentorship` from one-factor
    models with roughly each instrument's published reliability. It contains planted
    problems (missing answers, the missing-value code -99, one out-of-range answer, one
    respondent who skipped the WHO-5) so that validation has something to find. Its groups
    have the published evaluation's sizes (40 of 89 residents and 18 of 28 faculty at
    baseline), so the small-group caveats a real study meets show up in the demo too.

    No real person's answers are in it: use it to learn the package, not to draw
    conclusions about mentorship.

    Returns
    -------
    DataFrame
        One row per response: ``response_id`` (unique), ``participant_id`` (repeated across
        waves), ``role``, ``gender``, ``mentor_gender`` (residents only), ``wave``, then
        the items.

    Examples
    --------
    >>> from psychometrics.datasets import load_mentorship
    >>> df = load_mentorship()
    >>> df.groupby(["wave", "role"]).size()
    wave      role
    baseline  faculty     18
              resident    40
    one_year  faculty     16
              resident    37
    dtype: int64
    """
    frame = pd.read_csv(_HERE / "mentorship.csv")
    items = [c for c in frame.columns if c[-1].isdigit()]
    frame[items] = frame[items].apply(pd.to_numeric, errors="coerce").astype("Int64")
    frame.attrs["synthetic"] = True
    return frame


def load_holzinger_swineford() -> pd.DataFrame:
    """Holzinger & Swineford's (1939) mental ability tests: real data whose CFA misfits.

    The 301 seventh- and eighth-grade children of two schools (Pasteur, Grant-White) on nine
    of the tests, as R's ``lavaan::HolzingerSwineford1939`` holds them: the classic example
    of a three-factor CFA (visual ``x1``-``x3``, textual ``x4``-``x6``, speed ``x7``-``x9``)
    that fits only moderately (CFI .93, RMSEA .09), so the fit indices, residual
    correlations and modification indices have something to show. The parity tests compare
    the package with lavaan on it.

    Returns
    -------
    DataFrame
        ``id``, ``sex``, ``ageyr``, ``agemo``, ``school``, ``grade`` and the test scores
        ``x1`` ... ``x9``.

    References
    ----------
    Holzinger, K. J., & Swineford, F. (1939). A study in factor analysis: The stability of a
    bi-factor solution. *Supplementary Educational Monographs*, 48. University of Chicago.

    Examples
    --------
    >>> from psychometrics.datasets import load_holzinger_swineford
    >>> hs = load_holzinger_swineford()
    >>> hs.shape, hs.groupby("school").size().to_dict()
    ((301, 15), {'Grant-White': 145, 'Pasteur': 156})
    """
    return pd.read_csv(_HERE / "holzinger_swineford_1939.csv")
