"""pm.report's CFA estimator (estimator=, --estimator) and its one-line fit under a robust
estimator: the scaled chi-square, df and p and the robust CFI/TLI/RMSEA, named, checked
against lavaan 0.6.14 (tests/reference/sem.R, hs_mlr)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.datasets import load_holzinger_swineford, load_mentorship
from psychometrics.reporting import lavaan_tables
from tests.reference_data import REF

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _apa(v: float) -> str:
    return f"{v:.3f}".replace("0.", ".", 1)


def test_the_robust_fit_line_is_lavaans_scaled_and_robust_values() -> None:
    ref = pd.read_csv(REF / "sem" / "hs_mlr_fit.csv").set_index("measure")["value"]
    res = pm.cfa(load_holzinger_swineford(), HS_MODEL, estimator="MLR")
    line = lavaan_tables.fit_sentence(res.fit, res.estimator)
    assert line == (
        f"χ²({int(ref['df.scaled'])}) = {ref['chisq.scaled']:.2f} (MLR, Yuan-Bentler "
        f"scaled), p < .001, robust CFI = {_apa(ref['cfi.robust'])}, robust TLI = "
        f"{_apa(ref['tli.robust'])}, robust RMSEA = {_apa(ref['rmsea.robust'])} "
        f"[{_apa(ref['rmsea.ci.lower.robust'])}, {_apa(ref['rmsea.ci.upper.robust'])}], "
        f"SRMR = {_apa(ref['srmr'])}")
    # the unscaled chi-square (85.31) is not what a robust analysis reports
    assert f"{float(res.fit['chisq']):.2f}" not in line


def test_mlr_with_fiml_names_the_indices_it_reports() -> None:
    hs = load_holzinger_swineford()
    hs.loc[hs.index % 9 == 0, "x1"] = float("nan")
    res = pm.cfa(hs, HS_MODEL, estimator="MLR", missing="fiml")
    line = lavaan_tables.fit_sentence(res.fit, "MLR")
    # lavaan's FIML-corrected robust indices where the engine computes them, else the
    # scaled ones: either way the line names which
    kind = "robust" if "cfi_robust" in res.fit.index else "scaled"
    assert f"{kind} CFI = {_apa(float(res.fit[f'cfi_{kind}']))}" in line
    assert f"{kind} RMSEA = {_apa(float(res.fit[f'rmsea_{kind}']))}" in line
    assert f"= {float(res.fit['chisq_scaled']):.2f} (MLR, Yuan-Bentler scaled)" in line


@pytest.fixture(scope="module")
def mlr_report() -> pm.Report:
    return pm.report(load_mentorship(), "css", estimator="MLR", n_iter=10)


def test_report_passes_the_estimator_to_cfa(mlr_report: pm.Report) -> None:
    inst = pm.load_instrument("css")
    items = pm.item_data(load_mentorship(), inst, reverse=True, on_invalid="nan")
    missing = "fiml" if items.isna().any().any() else "listwise"
    fit = pm.cfa(items, inst.cfa_model(), estimator="MLR", missing=missing)
    line = lavaan_tables.fit_sentence(fit.fit, "MLR")
    assert line in mlr_report.html  # the summary's CFA fit and the sentence to copy
    assert "(MLR, Yuan-Bentler scaled)" in line
    assert "robust standard errors and test (MLR)" in mlr_report.html
    assert {s.id: s.status for s in mlr_report.sections}["cfa"] == "ok"


def test_mlm_with_missing_answers_uses_complete_rows_and_says_so() -> None:
    rep = pm.report(load_mentorship(), "css", estimator="mlm", n_iter=10)
    cfa = rep.html.split('id="cfa"', 1)[1]
    assert "MLM and MLMV need complete rows, so this CFA uses complete cases" in cfa
    assert "(MLM, Satorra-Bentler scaled)" in rep.html
    with pytest.raises(ValueError, match="estimator must be one of"):
        pm.report(load_mentorship(), "css", estimator="WLSMV")


def test_cli_report_takes_estimator(tmp_path: Path) -> None:
    from psychometrics.cli import main
    from psychometrics.datasets import __file__ as here

    data = str(Path(here).parent / "mentorship.csv")
    out = tmp_path / "css.html"
    assert main(["report", "css", data, "--estimator", "mlr", "--n-iter", "10", "-o",
                 str(out)]) == 0
    assert "(MLR, Yuan-Bentler scaled)" in out.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as info:  # argparse: a usage error
        main(["report", "css", data, "--estimator", "nope", "-o", str(out)])
    assert info.value.code == 2
