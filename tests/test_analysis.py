"""The instrument-aware reliability table picks the right items and keys and keeps every
scale and group visible; the statistics themselves are parity-tested against R elsewhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.cli import main
from psychometrics.datasets import load_mentorship
from psychometrics.datasets.generate_mentorship import generate

TOL = 1e-12  # the same computation reached two ways


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return load_mentorship()


def test_reliability_uses_the_instrument_keys(data):
    table = pm.reliability(data, "acs")
    raw = pm.item_data(data, "acs", on_invalid="nan")
    raw = raw[raw.notna().any(axis=1)]
    # psych's keys reverse as max + min - x over the block: 1..7 here, as the instrument.
    direct = pm.alpha(raw, keys=pm.load_instrument("acs").reversed_items)
    assert table.loc[0, "alpha"] == pytest.approx(direct.raw_alpha, abs=TOL)
    assert table.loc[0, "std_alpha"] == pytest.approx(direct.std_alpha, abs=TOL)
    assert table.loc[0, "n"] == len(raw)
    with pytest.warns(pm.NumericalWarning, match="negatively correlated"):
        unkeyed = pm.alpha(raw)
    assert unkeyed.raw_alpha < 0 < table.loc[0, "alpha"]  # the keys decide the sign here


def test_groups_and_published_values(data):
    table = pm.reliability(data, "who5", group="role")
    assert table["group"].tolist() == ["all", "faculty", "resident"]
    assert table["scale"].tolist() == ["raw"] * 3  # raw and percentage share their items
    assert table["published_alpha"].iloc[0] == "0.81-0.89"
    assert table.groupby("group")["n"].sum()["all"] == table["n"].iloc[1:].sum()
    assert (table["alpha_lower"] < table["alpha"]).all()
    assert (table["alpha"] < table["alpha_upper"]).all()


def test_synthetic_data_have_roughly_the_published_reliability():
    # The generator's promise: each instrument close to its published alpha (+-0.05).
    df = generate()
    for iid, published in [("acs", 0.87), ("gse", 0.83), ("css", 0.88), ("who5", 0.85)]:
        alpha = pm.reliability(df, iid)["alpha"].iloc[0]
        assert abs(alpha - published) < 0.05, (iid, alpha)


def test_a_scale_that_cannot_be_analysed_keeps_its_row():
    tiny = pd.DataFrame({f"css_{j}": [3, 4] for j in range(1, 6)})
    table = pm.reliability(tiny, "css")
    assert len(table) == 1
    assert np.isnan(table.loc[0, "alpha"]) and table.loc[0, "note"]


def test_reliability_cli(capsys):
    path = pm.catalog.instruments_dir().parent / "psychometrics" / "datasets" / "mentorship.csv"
    if not path.is_file():
        from psychometrics import datasets

        path = type(path)(datasets.__file__).with_name("mentorship.csv")
    assert main(["reliability", "gse", str(path), "--group", "role"]) == 0
    out = capsys.readouterr().out
    assert "resident" in out and "0.76-0.90" in out
    assert main(["reliability", "css", str(path), "--format", "json"]) == 0
    assert '"scale": "satisfaction"' in capsys.readouterr().out


def _mentorship_csv(tmp_path):
    path = tmp_path / "m.csv"
    load_mentorship().to_csv(path, index=False)
    return str(path)


def test_efa_cli_runs_parallel_analysis_when_factors_omitted(tmp_path, capsys):
    assert main(["efa", "acs", _mentorship_csv(tmp_path), "--seed", "1", "--n-iter", "20"]) == 0
    captured = capsys.readouterr()
    assert "retained by parallel analysis" in captured.out
    assert "parallel analysis [" in captured.err  # the progress bar
    assert "acs_4" in captured.out


def test_efa_cli_with_factors_and_json(tmp_path, capsys):
    path = _mentorship_csv(tmp_path)
    assert main(["efa", "gse", path, "--factors", "2", "--rotation", "varimax"]) == 0
    assert "varimax" in capsys.readouterr().out
    assert main(["efa", "gse", path, "--factors", "1", "--format", "json"]) == 0
    assert '"sha256"' in capsys.readouterr().out


def test_cfa_cli_shows_fit_and_published_structure(tmp_path, capsys):
    path = _mentorship_csv(tmp_path)
    assert main(["cfa", "who5", path]) == 0
    out = capsys.readouterr().out
    assert "published structure: One factor" in out and "RMSEA" in out and "Std.all" in out
    model = "f =~ css_1 + css_2 + css_3 + css_4 + css_5"
    assert main(["cfa", "css", path, "--model", model, "--missing", "fiml"]) == 0
    assert "f =~" in capsys.readouterr().out


def test_every_respondent_is_in_one_group_and_small_groups_keep_their_row(data):
    df = data.copy()
    df.loc[:4, "role"] = None          # five respondents without a role
    table = pm.reliability(df, "css", group="role", min_group_size=10)
    assert table["group"].tolist() == ["all", "faculty", "resident", "(missing)"]
    assert table.loc[1:, "n"].sum() == table.loc[0, "n"]
    missing = table.iloc[3]
    assert np.isnan(missing["alpha"]) and missing["note"].startswith("not computed: 5")
