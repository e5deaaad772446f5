"""Parity of psychometrics.factor.cfa with lavaan 0.6.14.

Fixtures come from tests/reference/cfa.R (run with R; CI has no R), which fits every model on
the CSV files in tests/reference/data/ so that both sides see the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lavaan_parity import (
    BFI_MODEL,
    HS_MODEL,
    TOL_EST,
    assert_estimates_match,
    assert_fit_matches,
    assert_modindices_match,
    fit_without_warnings,
)
from reference_data import REF

from psychometrics.factor import cfa
from psychometrics.factor.confirmatory import (
    _build_table,
    _FIMLObjective,
    _Model,
    _sample_from_data,
    _start_values,
)
from psychometrics.factor.syntax import parse_model

DATA = REF / "data"
OUT = REF / "cfa"

ITEMS = [f"x{i}" for i in range(1, 10)]


def _hs() -> pd.DataFrame:
    return pd.read_csv(DATA / "HolzingerSwineford1939.csv")


def _case(name: str) -> tuple[pd.DataFrame, str, dict]:
    hs = _hs()
    cases = {
        "hs": (hs, HS_MODEL, {}),
        "hs_stdlv": (hs, HS_MODEL, {"std_lv": True}),
        "hs_rescov": (hs, "x7 ~~ x8\n" + HS_MODEL, {}),
        "hs_labels": (hs, "visual =~ x1 + x2 + x3\ntextual =~ x4 + b*x5 + b*x6\n"
                          "speed =~ x7 + x8 + x9\nvisual ~~ 0*speed", {}),
        "hs_special": (hs, "visual =~ x1 + start(0.5)*x2 + x3\ntextual =~ NA*x4 + x5 + x6\n"
                           "textual ~~ 1*textual\nspeed =~ x7 + 0.5*x8 + x9\nage =~ ageyr\n"
                           "ageyr ~~ 0*ageyr\nvisual ~~ 0*age", {}),
        "hs_cov": (hs[ITEMS].cov(), HS_MODEL, {"n_obs": len(hs)}),
        "hs_fiml": (pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv"), HS_MODEL,
                    {"missing": "fiml"}),
        "hs_fiml_complete": (hs, HS_MODEL, {"missing": "fiml"}),
        "bfi_fiml": (pd.read_csv(DATA / "bfi.csv"), BFI_MODEL, {"missing": "fiml"}),
        "bfi_listwise": (pd.read_csv(DATA / "bfi.csv"), BFI_MODEL, {}),
    }
    return cases[name]


CASES = ["hs", "hs_stdlv", "hs_rescov", "hs_labels", "hs_special", "hs_cov", "hs_fiml",
         "hs_fiml_complete", "bfi_fiml", "bfi_listwise"]
_FITTED: dict[str, object] = {}


def _fit(name: str):
    if name not in _FITTED:
        data, model, kw = _case(name)
        _FITTED[name] = fit_without_warnings(cfa, data, model, **kw)
    return _FITTED[name]


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_match_lavaan(name: str) -> None:
    assert_fit_matches(_fit(name), OUT / f"{name}_fit.csv")


def test_classic_model_headline_numbers() -> None:
    # The numbers every lavaan tutorial prints for the three-factor HS model.
    fit = _fit("hs").fit
    assert round(fit["chisq"], 3) == 85.306
    assert fit["df"] == 24
    assert round(fit["cfi"], 3) == 0.931
    assert round(fit["tli"], 3) == 0.896
    assert round(fit["rmsea"], 3) == 0.092
    assert round(fit["srmr"], 3) == 0.065
    assert round(fit["loglik"], 3) == -3737.745
    assert round(fit["aic"], 2) == 7517.49
    assert round(fit["bic"], 2) == 7595.34


@pytest.mark.parametrize("name", CASES)
def test_estimates_match_lavaan(name: str) -> None:
    assert_estimates_match(_fit(name), OUT / f"{name}_estimates.csv")


@pytest.mark.parametrize("name", CASES)
def test_modification_indices_match_lavaan(name: str) -> None:
    assert_modindices_match(_fit(name).modification_indices, OUT / f"{name}_mi.csv")


def test_top_modification_indices_of_the_classic_model() -> None:
    top = _fit("hs").modification_indices.sort_values("mi", ascending=False).head(3)
    assert list(zip(top["lhs"], top["op"], top["rhs"], strict=True)) == [
        ("visual", "=~", "x9"), ("x7", "~~", "x8"), ("visual", "=~", "x7")]
    np.testing.assert_allclose(top["mi"], [36.411, 34.145, 18.631], atol=1e-3)


@pytest.mark.parametrize("name", CASES)
def test_residual_correlations_match_lavaan(name: str) -> None:
    res = _fit(name)
    ref = pd.read_csv(OUT / f"{name}_rescor.csv", index_col=0)
    assert list(res.residual_correlations.index) == list(ref.index)
    np.testing.assert_allclose(res.residual_correlations.to_numpy(), ref.to_numpy(),
                               atol=TOL_EST)
    mean_path = OUT / f"{name}_resmean.csv"
    if mean_path.exists():
        ref_mean = pd.read_csv(mean_path)
        assert res.residual_means is not None
        np.testing.assert_allclose(res.residual_means.to_numpy(), ref_mean["value"],
                                   atol=TOL_EST)
    else:
        assert res.residual_means is None


def test_standardized_loadings_table() -> None:
    res = _fit("hs")
    std = res.standardized
    assert list(std.index) == ITEMS and list(std.columns) == ["visual", "textual", "speed"]
    loadings = res.estimates[res.estimates["op"] == "=~"]
    for _, row in loadings.iterrows():
        assert std.loc[row["rhs"], row["lhs"]] == row["std_all"]
    assert std.loc["x1", "textual"] == 0.0


def test_fiml_uses_observed_information_and_lavaan_row_counts() -> None:
    res = _fit("hs_fiml")
    info = pd.read_csv(OUT / "hs_fiml_info.csv").set_index("key")["value"]
    assert info["information"] == "observed"
    assert res.n_obs == int(info["ntotal"])
    assert res.implied_mean is not None and res.sample_mean is not None
    assert int(res.fit["npar"]) == 30  # 21 + 9 intercepts


def test_listwise_deletion_counts_complete_rows() -> None:
    res = _fit("bfi_listwise")
    bfi = pd.read_csv(DATA / "bfi.csv")
    items = [f"{f}{i}" for f in "ACENO" for i in range(1, 6)]
    assert res.n_total == len(bfi)
    assert res.n_obs == int(bfi[items].notna().all(axis=1).sum())


def test_analytic_hessian_matches_lavaan_numerical_hessian() -> None:
    # lavaan's observed information is a five-point difference of the analytic gradient
    # (lav_model_hessian, h = 1e-6); the port uses the exact Hessian. They must agree.
    data = pd.read_csv(DATA / "HolzingerSwineford1939_mcar.csv")
    rows, ov, lv = _build_table(parse_model("x7 ~~ x8\n" + HS_MODEL), std_lv=False,
                                meanstructure=True)
    sample = _sample_from_data(data, ov, "fiml", lambda msg: None)
    model = _Model(rows, ov, lv)
    objective = _FIMLObjective(model, sample)
    x = _start_values(model, sample) * 1.1
    state = objective.state(x)
    assert state is not None
    _, _, hessian = objective.derivatives(x, state, True)
    h = 1e-6
    numeric = np.zeros_like(hessian)
    for j in range(len(x)):
        grads = []
        for step in (-2.0, -1.0, 1.0, 2.0):
            xs = x.copy()
            xs[j] += step * h
            grads.append(objective.gradient(xs))
        numeric[:, j] = (grads[0] - 8 * grads[1] + 8 * grads[2] - grads[3]) / (12 * h)
    numeric = (numeric + numeric.T) / 2
    np.testing.assert_allclose(hessian, numeric, atol=1e-6)


def test_analytic_gradient_matches_finite_differences() -> None:
    data = _hs()
    rows, ov, lv = _build_table(parse_model(HS_MODEL), std_lv=False, meanstructure=True)
    sample = _sample_from_data(data, ov, "fiml", lambda msg: None)
    model = _Model(rows, ov, lv)
    objective = _FIMLObjective(model, sample)
    x = _start_values(model, sample)
    grad = objective.gradient(x)
    h = 1e-6
    numeric = np.array([
        (objective.value(x + h * e) - objective.value(x - h * e)) / (2 * h)
        for e in np.eye(len(x))
    ])
    np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_dict_model_and_instrument_and_columns_mapping_give_the_same_fit() -> None:
    hs = _hs()
    factors = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
               "speed": ["x7", "x8", "x9"]}

    class Instrument:  # duck-typed: anything with cfa_model()
        def cfa_model(self) -> dict[str, list[str]]:
            return {f: [f"item_{i[1:]}" for i in items] for f, items in factors.items()}

    renamed = hs.rename(columns={i: f"Q{i[1:]}" for i in ITEMS})
    mapping = {f"item_{i[1:]}": f"Q{i[1:]}" for i in ITEMS}
    ref = _fit("hs")
    by_dict = cfa(hs, factors)
    by_instrument = cfa(renamed, Instrument(), columns=mapping)
    for res in (by_dict, by_instrument):
        np.testing.assert_allclose(res.fit.to_numpy(), ref.fit.to_numpy(), rtol=1e-10)
        np.testing.assert_allclose(res.estimates["est"], ref.estimates["est"], rtol=1e-10)
    assert list(by_instrument.estimates["rhs"][:3]) == ["item_1", "item_2", "item_3"]


def test_result_object_summary_and_exports() -> None:
    res = _fit("hs_labels")
    text = res.summary()
    assert "Comparative Fit Index (CFI)" in text and "Latent Variables:" in text
    assert "textual =~" in text and ".x7" not in text.split("Variances:")[0].split(
        "Covariances:")[0]
    d = res.to_dict()
    assert d["fit"]["chisq"] == pytest.approx(res.fit["chisq"])
    assert d["model"]["terms"][0]["lhs"] == "visual"
    html = res._repr_html_()
    assert "modification_indices" in html and "<table" in html
    with pytest.raises(AttributeError):
        res.converged = False  # type: ignore[misc]


def test_equal_labels_give_equal_estimates_and_standard_errors() -> None:
    est = _fit("hs_labels").estimates
    b = est[est["label"] == "b"]
    assert len(b) == 2
    assert b["est"].iloc[0] == b["est"].iloc[1]
    assert b["se"].iloc[0] == b["se"].iloc[1]
    fixed = est[(est["lhs"] == "visual") & (est["rhs"] == "speed")]
    assert fixed["est"].iloc[0] == 0.0 and fixed["se"].iloc[0] == 0.0


def test_covariance_input_equals_raw_data() -> None:
    # lavaan rescales sample.cov by (N - 1) / N; so must we, for identical results.
    raw, cov = _fit("hs"), _fit("hs_cov")
    np.testing.assert_allclose(cov.estimates["est"], raw.estimates["est"], atol=1e-8)
    np.testing.assert_allclose(cov.fit.to_numpy(), raw.fit.to_numpy(), rtol=1e-8)


def test_ml_is_scale_invariant_and_ignores_column_order() -> None:
    # Multiplying an item by c multiplies its loading by c and its residual variance by c^2;
    # chisq, the fit indices and every standardized value are unchanged.
    hs = _hs()
    scaled = hs.assign(x2=hs["x2"] * 10.0, x7=hs["x7"] * -0.5)[ITEMS[::-1]]
    ref, res = _fit("hs"), cfa(scaled, HS_MODEL)
    np.testing.assert_allclose(res.fit.drop(["loglik", "unrestricted_loglik", "aic", "bic",
                                             "sabic"]).to_numpy(),
                               ref.fit.drop(["loglik", "unrestricted_loglik", "aic", "bic",
                                             "sabic"]).to_numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res.estimates["std_all"].abs(),
                               ref.estimates["std_all"].abs(), atol=1e-7)
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    ref_est = ref.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert est["visual", "=~", "x2"] == pytest.approx(10 * ref_est["visual", "=~", "x2"])
    assert est["x2", "~~", "x2"] == pytest.approx(100 * ref_est["x2", "~~", "x2"])
    np.testing.assert_allclose(res.residual_correlations.loc[ITEMS, ITEMS].abs(),
                               ref.residual_correlations.abs(), atol=1e-7)
