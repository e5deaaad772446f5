"""pm.evaluate: the study YAML to every table of the evaluation.

The statistics are checked against R in test_evaluation_parity.py; here the evaluation is
checked to pass the right data to them (each number equals the statistic recomputed on the
rows it describes), to keep every respondent, and to say where a group is too small.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.datasets import load_mentorship, mentorship_study_path
from psychometrics.errors import DataValidationError, MissingColumnError


def test_every_section_is_there_with_its_tables(ev: pm.Evaluation) -> None:
    assert [s.status for s in ev.sections] == ["ok"] * 7
    for s in ev.sections:
        for name in s.tables:
            assert isinstance(getattr(ev, name), pd.DataFrame) and name in ev.tables
    assert "Change from baseline" in ev.covers
    assert "Change from baseline</b> (ok)" in ev._repr_html_()
    text = ev.summary()
    assert text.startswith(ev.title) and "ok       Change from baseline: change" in text
    assert ev.to_dict()["tables"]["participation"]["columns"][0] == "wave"


def test_participation_counts_every_row(ev: pm.Evaluation) -> None:
    data = load_mentorship()
    p = ev.participation.set_index(["wave", "grouping", "group"])
    for (wave, role), n in data.groupby(["wave", "role"]).size().items():
        assert p.loc[(wave, "role", role), "n"] == n
    # the bundled study invites 28 faculty (18 answered at baseline, as in the published
    # evaluation)
    n_fac = int(((data.wave == "one_year") & (data.role == "faculty")).sum())
    assert p.loc[("one_year", "role", "faculty"), "response_rate"] == pytest.approx(n_fac / 28)
    assert p.loc[("baseline", "role", "faculty"), "n"] == 18
    assert p.loc[("baseline", "role", "resident"), "n"] == 40
    seen = set(data.loc[data.wave == "baseline", "participant_id"])
    again = set(data.loc[data.wave == "one_year", "participant_id"])
    assert p.loc[("one_year", "all", "all"), "retained_from_baseline"] == len(seen & again)
    assert len(ev.data) == len(data) == len(ev.scores)


def test_change_equals_pm_change_on_the_matched_respondents(ev: pm.Evaluation) -> None:
    s = ev.scores
    pre = s[s.wave == "baseline"].set_index("participant_id")["gse_total"]
    post = s[s.wave == "one_year"].set_index("participant_id")["gse_total"]
    alpha = ev.reliability.query("wave == 'baseline' and grouping == 'all' and "
                                 "instrument == 'gse'")["alpha"].iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        want = pm.change(pre, post, reliability=alpha)
    row = ev.change.query("score == 'gse_total' and grouping == 'all'").iloc[0]
    for col in ("n", "mean_diff", "t", "pvalue", "d_av", "d_z_lower", "n_improved"):
        assert row[col] == pytest.approx(getattr(want, col)), col
    # answered one wave only: kept, counted
    assert row["n_unpaired"] == len(set(pre.index) ^ set(post.index))
    people = ev.reliable_change.query("score == 'gse_total'")
    assert len(people) == s["participant_id"].nunique()
    assert set(people["classification"]) >= {"missing post"}


def test_comparisons_equal_compare_groups_in_each_wave(ev: pm.Evaluation) -> None:
    s = ev.scores
    one = s[s.wave == "one_year"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.NumericalWarning)
        want = pm.compare_groups(one, "css_satisfaction", ["role", "gender"])
    got = ev.comparisons.query("wave == 'one_year' and design == 'role x gender' and "
                               "score == 'css_satisfaction'")
    assert list(got["hedges_g"]) == pytest.approx(list(want.table["hedges_g"]))
    inter = ev.interaction.query("wave == 'one_year' and score == 'css_satisfaction'")
    assert inter["interaction"].iloc[0] == pytest.approx(want.interaction["interaction"].iloc[0])
    assert set(ev.cells["wave"]) == {"baseline", "one_year"}


def test_reliability_per_group_and_wave_beside_the_published(ev: pm.Evaluation) -> None:
    r = ev.reliability
    assert set(r["wave"]) == {"baseline", "one_year"}
    assert set(r["grouping"]) == {"all", "role", "gender"}
    row = r.query("wave == 'baseline' and grouping == 'role' and group == 'faculty' and "
                  "instrument == 'acs'").iloc[0]
    data = load_mentorship()
    sub = data[(data.wave == "baseline") & (data.role == "faculty")]
    assert row["alpha"] == pytest.approx(pm.reliability(sub, "acs")["alpha"].iloc[0])
    assert row["published_alpha"] == 0.87


def test_a_small_group_gets_plain_caveats_not_a_crash(write_study) -> None:
    data = load_mentorship()
    faculty = data[data.role == "faculty"]
    keep = set(faculty.participant_id.drop_duplicates().iloc[:18])
    small = data[(data.role != "faculty") | data.participant_id.isin(keep)]
    small = small[~((small.role == "faculty") & (small.gender == "male")) |
                  small.participant_id.isin(list(keep)[:2])]
    ev = pm.evaluate(write_study(small, min_group_size=20))
    assert [s.status for s in ev.sections] == ["ok"] * 7
    cav = ev.caveats
    assert (cav["section"] == "comparisons").any() and (cav["section"] == "reliability").any()
    notes = " ".join(ev.comparisons["note"])
    assert "small group" in notes or "respondent(s)" in notes
    faculty_alpha = ev.reliability.query("grouping == 'role' and group == 'faculty'")
    assert (faculty_alpha["n"] <= 18).all()
    assert faculty_alpha["note"].str.contains("respondents: alpha from so few").all()
    tiny = ev.reliability.query("grouping == 'gender' and n < 3")
    assert tiny.empty or cav["message"].str.contains("fewer than 3").any()
    cells = ev.cells.query("role == 'faculty' and gender == 'male'")
    assert (cells["n"] <= 2).all()
    inter = ev.interaction["note"]
    assert inter.str.contains("smallest cell has|a cell is empty").all()


def test_separate_exports_per_wave(tmp_path: Path, write_study) -> None:
    data = load_mentorship()
    for wave, name in (("baseline", "b.csv"), ("one_year", "y.csv")):
        data[data.wave == wave].drop(columns="wave").to_csv(tmp_path / name, index=False)
    path = write_study(None, data=[{"path": "b.csv", "wave": "baseline"},
                                   {"path": "y.csv", "wave": "one_year"}])
    ev = pm.evaluate(path)
    whole = pm.evaluate(mentorship_study_path())
    pd.testing.assert_frame_equal(ev.change, whole.change)


def test_bad_data_is_named(write_study) -> None:
    data = load_mentorship()
    odd = data.copy()
    odd.loc[5, "wave"] = "two_years"
    with pytest.raises(DataValidationError, match=r"row 7 \(id R006\): 'two_years'"):
        pm.evaluate(write_study(odd))
    dup = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="share a respondent id within a wave"):
        pm.evaluate(write_study(dup))
    with pytest.raises(MissingColumnError, match="group column 'gender'"):
        pm.evaluate(write_study(data.drop(columns="gender")))


def test_sections_follow_the_study_and_one_wave_skips_change(write_study) -> None:
    data = load_mentorship()
    path = write_study(data, sections=["participation", "change"],
                       waves={"column": "wave", "order": ["baseline", "one_year"]})
    ev = pm.evaluate(path)
    assert [s.id for s in ev.sections] == ["participation", "change"]
    # without the reliability section, change still uses the baseline alpha
    whole = pm.evaluate(mentorship_study_path())
    assert list(ev.change["reliability_used"]) == pytest.approx(
        list(whole.change["reliability_used"]))
    one = write_study(data[data.wave == "baseline"],
                      waves={"column": "wave", "order": ["baseline"]})
    ev1 = pm.evaluate(one)
    status = {s.id: s.status for s in ev1.sections}
    assert status["change"] == "skipped" and status["comparisons"] == "ok"


def test_tables_are_written_as_csv_and_xlsx(ev: pm.Evaluation, tmp_path: Path) -> None:
    written = ev.write_tables(tmp_path)
    names = {p.name for p in written}
    assert {"participation.csv", "change.csv", "caveats.csv", "evaluation.xlsx"} <= names
    back = pd.read_csv(tmp_path / "change.csv")
    assert np.allclose(back["mean_diff"], ev.change["mean_diff"])


def test_an_invited_group_without_respondents_shows_zero(write_study) -> None:
    data = load_mentorship()
    path = write_study(data, groups={
        "role": {"invited": {"resident": 150, "faculty": 75, "nurse": 20}},
        "gender": {"invited": {"female": 100}}})
    p = pm.evaluate(path).participation.set_index(["wave", "grouping", "group"])
    assert p.loc[("baseline", "role", "nurse"), "n"] == 0
    assert p.loc[("baseline", "role", "nurse"), "response_rate"] == 0
    # the overall rate comes from role (every group has a count), not from gender
    assert p.loc[("baseline", "all", "all"), "invited"] == 245


def test_a_study_built_in_python_with_a_dataframe() -> None:
    study = pm.Study(title="In Python", data=[{"path": "not-read.csv"}], id="participant_id",
                     waves={"column": "wave", "order": ["baseline", "one_year"]},
                     groups={"role": {}}, instruments=[{"id": "css"}],
                     comparisons={"groups": ["role"]})
    ev = pm.evaluate(study, data=load_mentorship())
    assert {s.id: s.status for s in ev.sections} == {**dict.fromkeys(
        ["participation", "validation", "reliability", "scores", "change", "comparisons"], "ok"),
        "invariance": "skipped"}  # no invariance block
    assert list(ev.change["score"]) == ["css_satisfaction"]
    with pytest.raises(pm.DefinitionError, match="no data file"):
        pm.evaluate(study)


def test_a_file_whose_wave_column_disagrees_is_named(tmp_path: Path, write_study) -> None:
    data = load_mentorship()
    data[data.wave == "baseline"].to_csv(tmp_path / "b.csv", index=False)
    data[data.wave != "baseline"].to_csv(tmp_path / "y.csv", index=False)
    path = write_study(None, data=[{"path": "b.csv", "wave": "baseline"},
                                   {"path": "y.csv", "wave": "baseline"}])
    with pytest.raises(DataValidationError, match=r"y\.csv: row 2 has wave = 'one_year'"):
        pm.evaluate(path)


def test_an_own_instrument_beside_the_study(tmp_path: Path) -> None:
    from conftest import MINIMAL

    (tmp_path / "demo-scale.yaml").write_text(MINIMAL, encoding="utf-8")
    rng = np.random.default_rng(3)
    n = 40
    data = pd.DataFrame({"pid": np.tile(np.arange(n // 2), 2),
                         "wave": np.repeat(["pre", "post"], n // 2),
                         "grp": np.tile(["a", "b"], n // 2),
                         **{f"Q{j}": rng.integers(1, 5, n) for j in (1, 2, 3)}})
    data.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "title: Own scale\ndata: [{path: d.csv}]\nid: pid\n"
        "waves: {column: wave, order: [pre, post]}\ngroups: {grp: {}}\n"
        "instruments: [{id: demo-scale.yaml, columns: 'Q{n}'}]\n"
        "comparisons: {groups: [grp]}\n", encoding="utf-8")
    ev = pm.evaluate(tmp_path / "s.yaml")
    assert list(ev.change["score"]) == ["demo-scale_total"]
    assert ev.change["n"].iloc[0] == n // 2
    assert "demo-scale_total" in pm.evaluation_report(ev).html
