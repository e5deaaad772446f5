"""An instrument's items are ordinal: pm.cfa(data, instrument, estimator="WLSMV") and the CLI's
``psychometrics cfa INSTRUMENT DATA --ordinal`` fit them as ordered items, checked against
lavaan 0.6.14 on the package's demo data (issue 10's "done when").

Fixture: tests/reference/ordinal_cfa.R -> ordinal_cfa/demo.json, on
tests/reference/data/mentorship_who5_acs.csv, written from the demo data by

    parts = [item_data(load_mentorship(), pm.load_instrument(n), reverse=False,
                       on_invalid="nan") for n in ("who5", "acs")]
    pd.concat(parts, axis=1).to_csv("tests/reference/data/mentorship_who5_acs.csv",
                                    index=False)

(the answer codes as given, invalid codes such as -99 as missing). Tolerance 1e-4 (issue 10).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from reference_data import REF

import psychometrics as pm
from psychometrics.cli import main
from psychometrics.datasets import load_mentorship
from psychometrics.errors import PsychometricsWarning
from psychometrics.scoring import item_data

DEMO = json.loads((REF / "ordinal_cfa" / "demo.json").read_text())
DATA = pd.read_csv(REF / "data" / "mentorship_who5_acs.csv")
TOL = 1e-4


@pytest.mark.parametrize("name", ["who5", "acs"])
def test_instrument_fit_as_ordinal_matches_lavaan(name: str) -> None:
    inst = pm.load_instrument(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.cfa(DATA, inst, estimator="WLSMV")
    ref = pd.DataFrame(DEMO[name]["estimates"])
    est = res.estimates
    assert res.estimator == "WLSMV" and (est["op"] == "|").any()
    assert list(est["lhs"] + est["op"] + est["rhs"]) == list(ref["lhs"] + ref["op"] + ref["rhs"])
    for ours, theirs in (("est", "est"), ("se", "se"), ("std_all", "std.all")):
        np.testing.assert_allclose(est[ours], ref[theirs], atol=TOL, err_msg=ours)
    fit = DEMO[name]["fit"]
    for key in ("chisq", "chisq.scaled"):
        np.testing.assert_allclose(res.fit[key.replace(".", "_")], fit[key], rtol=TOL)
    for key in ("cfi.scaled", "rmsea.scaled", "cfi.robust", "rmsea.robust", "srmr"):
        if fit[key] is not None:
            np.testing.assert_allclose(res.fit[key.replace(".", "_")], fit[key], atol=TOL)
    assert "(WLSMV)" in res.summary() and "Thresholds:" in res.summary()


def test_instrument_with_ml_stays_continuous() -> None:
    res = pm.cfa(DATA, pm.load_instrument("who5"))
    assert res.estimator == "ML" and not (res.estimates["op"] == "|").any()


def test_instrument_declares_unused_answer_codes() -> None:
    """who5's scale is 0-5: a data set where nobody answered 0 warns naming the items."""
    data = DATA[[f"who5_{i}" for i in range(1, 6)]].dropna()
    data = data.where(data > 0, 1)
    with pytest.warns(PsychometricsWarning, match="who5_1"):
        res = pm.cfa(data, pm.load_instrument("who5"), estimator="WLSMV")
    assert (res.estimates["op"] == "|").sum() == 5 * 4


def test_cli_cfa_ordinal(tmp_path, capsys) -> None:
    path = tmp_path / "m.csv"
    load_mentorship().to_csv(path, index=False)
    assert main(["cfa", "who5", str(path), "--ordinal"]) == 0
    out = capsys.readouterr().out
    assert "ordered items, WLSMV" in out and "Thresholds:" in out and "Scaled" in out
    # the same numbers as the Python API on the CLI's keyed, validated items
    items = item_data(load_mentorship(), pm.load_instrument("who5"), reverse=True,
                      on_invalid="nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PsychometricsWarning)
        res = pm.cfa(items, pm.load_instrument("who5"), ordered=True)
    assert f"{res.fit['chisq_scaled']:.3f}" in out
    assert main(["cfa", "who5", str(path), "--ordinal", "--estimator", "ULSMV",
                 "--format", "json"]) == 0
    assert '"estimator": "ULSMV"' in capsys.readouterr().out
    assert main(["cfa", "who5", str(path), "--ordinal", "--estimator", "MLR"]) == 2
    assert "--ordinal" in capsys.readouterr().err


def test_report_shows_the_ordinal_fit_when_asked(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = pm.report(load_mentorship(), "who5", n_iter=10, estimator="WLSMV")
        res = pm.cfa(item_data(load_mentorship(), pm.load_instrument("who5"), reverse=True,
                               on_invalid="nan"), pm.load_instrument("who5"),
                     estimator="WLSMV")
    assert dict((s.id, s.status) for s in rep.sections)["cfa"] == "ok"
    html = rep.html
    assert "WLSMV on the items as ordered categories" in html
    assert "<h3>Thresholds</h3>" in html and "least squares on the thresholds" in html
    assert f"{res.fit['chisq_scaled']:.3f}" in html
    with pytest.raises(ValueError, match="estimator must be one of"):
        pm.report(load_mentorship(), "who5", estimator="WLS")
    path = tmp_path / "m.csv"
    load_mentorship().to_csv(path, index=False)
    out = tmp_path / "r.html"
    assert main(["report", "who5", str(path), "--n-iter", "10", "--estimator", "wlsmv",
                 "-o", str(out)]) == 0
    assert "<h3>Thresholds</h3>" in out.read_text()
