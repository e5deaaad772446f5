"""The bundled example is reproducible from its seeded generator and has its planted flaws."""

from __future__ import annotations

import pandas as pd

import psychometrics as pm
from psychometrics.datasets import generate_mentorship, load_mentorship


def test_committed_csv_is_what_the_seeded_script_makes(tmp_path):
    out = tmp_path / "m.csv"
    generate_mentorship.main([str(out)])
    committed = (generate_mentorship.OUT).read_text()
    assert out.read_text() == committed


def test_design_and_planted_problems():
    df = load_mentorship()
    assert set(df["role"]) == {"resident", "faculty"}
    assert set(df["wave"]) == {"baseline", "one_year"}
    assert df["response_id"].is_unique
    assert df.loc[df.role == "faculty", "mentor_gender"].isna().all()
    gse = pm.validate(df, "gse", id_column="response_id")
    assert gse.errors[["row", "column", "value"]].values.tolist() == [[17, "gse_3", 5]]
    who5 = pm.validate(df, "who5", id_column="response_id")
    assert who5.warnings["row"].tolist() == [42]
    codes = sum((pm.validate(df, i).problems.rule == "missing_code").sum()
                for i in ["acs", "gse", "css", "who5"])
    assert codes >= 4
    assert isinstance(df, pd.DataFrame) and df.attrs["synthetic"] is True
