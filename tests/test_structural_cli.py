"""The cfa command: multi-group and robust fits, and bad input reported on one line with the
exit code (1 invalid data, 2 usage or model), never a traceback (issues 9 and 12)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import psychometrics as pm
from psychometrics.cli import main
from psychometrics.datasets import load_mentorship

CSS = [f"css_{i}" for i in range(1, 6)]
MODEL = "f =~ " + " + ".join(CSS)


def _csv(tmp_path, data: pd.DataFrame | None = None) -> str:
    path = tmp_path / "m.csv"
    (load_mentorship() if data is None else data).to_csv(path, index=False)
    return str(path)


def test_cfa_by_group_with_equal_loadings_and_a_robust_estimator(tmp_path, capsys) -> None:
    path = _csv(tmp_path)
    code = main(["cfa", "css", path, "--model", MODEL, "--group", "role",
                 "--group-equal", "loadings,intercepts", "--estimator", "mlr"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Group 1 [resident]:" in out and "Group 2 [faculty]:" in out
    assert "Scaling correction factor" in out and "Sandwich" in out
    # the CLI prints what the API computes
    from psychometrics.scoring import item_data
    data = load_mentorship()
    items = item_data(data, pm.load_instrument("css"), reverse=True, on_invalid="nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = pm.cfa(items.assign(role=data["role"].to_numpy()), MODEL, group="role",
                     group_equal=["loadings", "intercepts"], estimator="MLR")
    assert f"{api.fit['chisq_scaled']:.3f}" in out


def test_cfa_json_of_a_multigroup_fit(tmp_path, capsys) -> None:
    assert main(["cfa", "css", _csv(tmp_path), "--model", MODEL, "--group", "role",
                 "--format", "json"]) == 0
    assert '"group"' in capsys.readouterr().out


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--group", "nope"], 2, "--group: column 'nope' is not in"),
    (["--group", "role", "--group-equal", "loading"], 2, "group_equal: unknown 'loading'"),
    (["--group-equal", "loadings"], 2, "need group="),
    (["--model", "f =~ css_1 + css_2"], 2, "not identified"),
    (["--model", MODEL + "\ng =~ css_1\ng ~ f + css_2"], 2, "observed variable"),
])
def test_model_and_usage_errors_are_one_line_exit_2(tmp_path, capsys, args, code,
                                                     message) -> None:
    rc = main(["cfa", "css", _csv(tmp_path), *(["--model", MODEL] if "--model" not in args
                                               else []), *args])
    err = capsys.readouterr().err
    assert rc == code, err
    assert message in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def _degenerate(kind: str) -> pd.DataFrame:
    data = load_mentorship()
    if kind == "constant":
        data["css_3"] = 3
    elif kind == "few_rows":
        data = data.head(4)
    elif kind == "collinear":
        data["css_4"] = data["css_2"]
    return data


@pytest.mark.parametrize(("kind", "message"), [
    ("constant", "zero variance: 'css_3'"),
    ("few_rows", "4 complete rows for the 5 items"),
    ("collinear", "'css_2', 'css_4' are linearly dependent"),
])
def test_degenerate_data_is_one_line_exit_1(tmp_path, capsys, kind, message) -> None:
    rc = main(["cfa", "css", _csv(tmp_path, _degenerate(kind)), "--model", MODEL])
    err = capsys.readouterr().err
    assert rc == 1, err
    assert message in err and "Traceback" not in err


def test_fewer_respondents_than_parameters_warns_with_the_numbers() -> None:
    data = load_mentorship().head(8)[CSS].astype(float)
    with pytest.warns(pm.NumericalWarning, match="8 respondents for 10 free parameters"):
        pm.cfa(data, MODEL)
    with pytest.raises(pm.structural.DataError, match="3 complete rows for the 5 items"):
        pm.cfa(data.head(3), MODEL)
