"""The evaluation's measurement-invariance section: the study's ``invariance:`` block to
pm.invariance on the right rows, its tables, caveats, the small-group verdict and the report.

pm.invariance itself is checked against lavaan in test_structural_invariance.py (and
test_invariance_rules.py); here the section is checked to pass it the right data and
options and to keep every number it shows in Evaluation.tables.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

import psychometrics as pm
from psychometrics.datasets import load_mentorship, mentorship_study_path
from psychometrics.errors import NumericalWarning

COLS = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "chisq_diff", "df_diff",
        "pvalue_diff", "delta_cfi", "delta_rmsea", "delta_srmr"]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        return fn(*args, **kwargs)


def test_the_bundled_study_has_the_section(ev: pm.Evaluation) -> None:
    status = {s.id: s for s in ev.sections}["invariance"]
    assert status.status == "ok" and status.title == "Measurement invariance"
    v = ev.invariance_verdicts
    # 4 instruments x (2 group columns x 2 waves + across waves)
    assert len(v) == 4 * 5
    assert set(v["kind"]) == {"groups", "waves"}
    # the bundled data have the published study's sizes (18 faculty, 40 residents): the
    # 8-item ACS and 10-item GSE have more free parameters per group than the smaller
    # groups have respondents, so only their across-waves models are fitted; the 5-item CSS
    # and WHO-5 are fitted in every comparison
    long = v[v["instrument"].isin(["acs", "gse"])]
    assert not long.query("kind == 'groups'")["estimable"].any()
    assert long.query("kind == 'waves'")["estimable"].all()
    assert v[v["instrument"].isin(["css", "who5"])]["estimable"].all()
    for r in long.query("kind == 'groups'").itertuples():
        assert "multi-group CFA not estimable" in r.verdict and r.highest_step == ""
    assert set(ev.invariance["step"].str.replace(" (partial)", "")) == {
        "configural", "metric", "scalar", "strict"}


def test_numbers_equal_pm_invariance_on_the_rows_they_describe(ev: pm.Evaluation) -> None:
    data = load_mentorship()
    one = data[data["wave"] == "one_year"]
    ref = _quiet(pm.invariance, one, "css", group="role", estimator="MLR", rule="chen")
    got = ev.invariance.query("instrument == 'css' and across == 'role' and "
                              "wave == 'one_year'").set_index("step")
    assert list(got.index) == list(ref.table.index)
    pd.testing.assert_frame_equal(got[COLS].astype(float), ref.table[COLS].astype(float))
    assert list(got["decision"]) == list(ref.table["decision"])
    verdict = ev.invariance_verdicts.query("instrument == 'css' and across == 'role' and "
                                           "wave == 'one_year'").iloc[0]
    assert verdict["verdict"] == ref.verdict
    groups = ev.invariance_groups.query("instrument == 'css' and across == 'role' and "
                                        "wave == 'one_year'").set_index("group")
    assert groups["n"].to_dict() == ref.groups["n"].to_dict()
    rel = ev.invariance_releases.query("instrument == 'css' and across == 'role' and "
                                       "wave == 'one_year'")
    assert list(rel["parameter"]) == list(ref.releases["parameter"])


def test_across_waves_is_the_longitudinal_model_matched_by_id(ev: pm.Evaluation) -> None:
    data = load_mentorship()
    # MLR needs every respondent in both waves; with attrition the section says so and
    # fits ML (FIML), keeping the respondents seen once
    ref = _quiet(pm.invariance, data, "css", wave="wave", id="participant_id",
                 waves=["baseline", "one_year"], rule="chen")
    got = ev.invariance.query("instrument == 'css' and kind == 'waves'").set_index("step")
    pd.testing.assert_frame_equal(got[COLS].astype(float), ref.table[COLS].astype(float))
    assert set(got["estimator"]) == {"ML"}
    assert ref.fits["configural"].n_obs == data["participant_id"].nunique()
    cav = ev.caveats.query("section == 'invariance' and where == 'css, across waves'")
    assert cav["message"].str.contains("fitted by ML with full-information ML").any()


def test_eighteen_faculty_get_the_verdict_not_a_crash(write_study) -> None:
    data = load_mentorship()
    faculty = data[data.role == "faculty"]
    keep = set(faculty.participant_id.drop_duplicates().iloc[:18])
    small = data[(data.role != "faculty") | data.participant_id.isin(keep)]
    ev = pm.evaluate(write_study(small))
    assert {s.id: s.status for s in ev.sections}["invariance"] == "ok"
    v = ev.invariance_verdicts.query("across == 'role' and kind == 'groups'")
    gse = v[v["instrument"] == "gse"].iloc[0]
    n_fac = int(ev.invariance_groups.query(
        "instrument == 'gse' and across == 'role' and wave == 'baseline' and "
        "group == 'faculty'")["n"].iloc[0])
    assert n_fac <= 18
    assert not gse["estimable"] and gse["highest_step"] == ""
    assert gse["verdict"] == (f"role = faculty has {n_fac} respondents for 30 free "
                              "parameters per group: multi-group CFA not estimable; compare "
                              "reliability and scores with that caveat")
    # no model fitted for it, so no ladder rows
    assert ev.invariance.query("instrument == 'gse' and across == 'role'").empty
    # CSS has 5 items, 15 parameters per group: 18 respondents are enough to fit
    assert v[v["instrument"] == "css"]["estimable"].all()
    cav = ev.caveats.query("section == 'invariance'")
    assert cav["message"].str.contains("multi-group CFA not estimable").any()
    html = pm.evaluation_report(ev).html
    section = html.split('<section id="invariance"', 1)[1].split("</section>", 1)[0]
    assert "multi-group CFA not estimable; compare reliability and scores" in section
    assert f"Faculty (mentors) {n_fac} (too few)" in section


def test_the_report_shows_the_tables_numbers(ev: pm.Evaluation) -> None:
    html = pm.evaluation_report(ev).html
    section = html.split('<section id="invariance"', 1)[1].split("</section>", 1)[0]
    row = ev.invariance.query("instrument == 'who5' and across == 'gender' and "
                              "wave == 'baseline' and step == 'scalar'").iloc[0]
    assert f"{row['delta_cfi']:.3f}" in section and f"{row['rmsea']:.3f}" in section
    assert f"{row['chisq_diff']:.2f} ({int(row['df_diff'])})" in section
    assert "Chen (2007)" in section and "MLR: χ² is the scaled statistic" in section
    assert "Waves (Baseline → One year)" in section
    for verdict in ev.invariance_verdicts["verdict"]:
        assert verdict in section


def test_the_tables_are_exported(ev: pm.Evaluation, tmp_path: Path) -> None:
    written = {p.name for p in ev.write_tables(tmp_path)}
    for name in ("invariance", "invariance_verdicts", "invariance_groups",
                 "invariance_releases"):
        assert f"{name}.csv" in written
    back = pd.read_csv(tmp_path / "invariance.csv")
    assert len(back) == len(ev.invariance)
    assert back["delta_cfi"].dropna().to_numpy() == pytest.approx(
        ev.invariance["delta_cfi"].dropna().to_numpy())
    if "evaluation.xlsx" in written:
        sheets = pd.read_excel(tmp_path / "evaluation.xlsx", sheet_name=None)
        assert len(sheets["invariance_verdicts"]) == len(ev.invariance_verdicts)


def test_without_a_block_the_section_says_how_to_ask_for_it(tmp_path: Path) -> None:
    spec = yaml.safe_load(mentorship_study_path().read_text(encoding="utf-8"))
    del spec["invariance"]
    path = tmp_path / "s.yaml"
    spec["data"] = [{"path": str(mentorship_study_path().parent / "mentorship.csv")}]
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    ev = pm.evaluate(path, data=None)
    s = {s.id: s for s in ev.sections}["invariance"]
    assert s.status == "skipped" and "add an invariance block" in s.messages[0]
    assert "Measurement invariance: not requested" in pm.evaluation_report(ev).html


def test_options_reach_pm_invariance(write_study) -> None:
    data = load_mentorship()
    path = write_study(data, invariance={
        "groups": ["gender"], "waves": ["baseline"], "instruments": ["who5"],
        "steps": ["configural", "metric"], "estimator": "ML", "rule": "chisq",
        "partial": False})
    ev = pm.evaluate(path)
    t = ev.invariance
    assert set(t["instrument"]) == {"who5"} and set(t["wave"]) == {"baseline"}
    assert list(t["step"]) == ["configural", "metric"]
    ref = _quiet(pm.invariance, data[data.wave == "baseline"], "who5", group="gender",
                 steps=("configural", "metric"), rule="chisq", partial=False)
    assert t[COLS].astype(float).to_numpy() == pytest.approx(
        ref.table[COLS].astype(float).to_numpy(), nan_ok=True)
    assert t["rule"].iloc[-1].startswith("chi-square difference test")


def test_the_block_is_validated_with_lines(write_study) -> None:
    data = load_mentorship()
    path = write_study(data, invariance={
        "groups": ["site"], "waves": ["t9"], "instruments": ["bdi"],
        "steps": ["metric", "configural"], "estimator": "WLSMV"})
    with pytest.raises(pm.DefinitionError) as info:
        pm.evaluate(path)
    shown = " | ".join(str(p) for p in info.value.problems)
    assert "invariance.estimator" in shown
    path = write_study(None, invariance={
        "groups": ["site"], "waves": ["t9"], "instruments": ["bdi"],
        "steps": ["metric", "configural"]})
    with pytest.raises(pm.DefinitionError) as info:
        pm.evaluate(path)
    shown = " | ".join(str(p) for p in info.value.problems)
    assert "study.yaml:" in shown
    for text in ("unknown group 'site'", "unknown wave 't9'",
                 "'bdi' is not one of the study's instruments", "steps start with configural"):
        assert text in shown, shown
    path = write_study(None, invariance={"across_waves": False})
    with pytest.raises(pm.DefinitionError, match="say across which groups"):
        pm.evaluate(path)
