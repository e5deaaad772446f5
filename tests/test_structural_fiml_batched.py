"""The batched FIML pattern algebra (patterns stacked by size, segment sums, each pattern's
inverse from the full inverse by the partitioned-inverse identity) equals the straightforward
computation row by row and pattern by pattern, on random data with random missingness:
patterns with one observed item, the complete pattern, and rows with no observed item (which
the sample statistics drop with a warning)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from psychometrics.structural.samplestats import (
    LOG2PI,
    em_step_loglik,
    full_inverse,
    pattern_inverses,
    pattern_stacks,
    patterns_loglik,
    sample_from_data,
)


def _holed(seed: int, n: int, p: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((p, p))
    X = rng.standard_normal((n, p)) @ A + rng.standard_normal(p) * 3
    X[rng.random(X.shape) < rate] = np.nan
    X[rng.integers(0, n), :] = np.nan  # one all-missing row at least
    X[rng.integers(0, n), 1:] = np.nan  # a row with one observed item
    observed = ~np.isnan(X)
    keep = observed.any(axis=1)
    return X[keep], observed[keep]


def _random_moments(seed: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    A = rng.standard_normal((p, p))
    return rng.standard_normal(p), A @ A.T + 0.5 * np.eye(p)


def _direct_loglik(X: np.ndarray, observed: np.ndarray, mu: np.ndarray,
                   sigma: np.ndarray) -> float:
    """Row by row: the normal log-density of each row's observed items."""
    total = 0.0
    for x, o in zip(X, observed, strict=True):
        s = sigma[np.ix_(o, o)]
        d = x[o] - mu[o]
        _, logdet = np.linalg.slogdet(s)
        total += -0.5 * (o.sum() * LOG2PI + logdet + d @ np.linalg.solve(s, d))
    return total


def _direct_em_step(X: np.ndarray, observed: np.ndarray, mu: np.ndarray,
                    sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row by row: the conditional mean and covariance of the missing items."""
    n, p = X.shape
    T1 = np.zeros(p)
    T2 = np.zeros((p, p))
    for x, o in zip(X, observed, strict=True):
        m = ~o
        xh = x.copy()
        C = np.zeros((p, p))
        if m.any():
            B = sigma[np.ix_(m, o)] @ np.linalg.inv(sigma[np.ix_(o, o)])
            xh[m] = mu[m] + B @ (x[o] - mu[o])
            C[np.ix_(m, m)] = sigma[np.ix_(m, m)] - B @ sigma[np.ix_(o, m)]
        T1 += xh
        T2 += np.outer(xh, xh) + C
    new_mu = T1 / n
    return new_mu, T2 / n - np.outer(new_mu, new_mu)


cases = given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 60), p=st.integers(2, 6),
              rate=st.sampled_from([0.0, 0.1, 0.3, 0.6]))


@settings(max_examples=60, deadline=None)
@cases
def test_pattern_stacks_equal_direct_grouping(seed: int, n: int, p: int, rate: float) -> None:
    X, observed = _holed(seed, n, p, rate)
    assume(X.shape[0] >= 2)
    stacks = pattern_stacks(X, observed)
    seen = 0
    for grp in stacks:
        assert grp.obs.shape == (grp.count, grp.k)
        for g in range(grp.count):
            o = np.zeros(p, dtype=bool)
            o[grp.obs[g]] = True
            assert sorted(np.flatnonzero(~o)) == list(grp.mis[g])
            rows = np.flatnonzero((observed == o).all(axis=1))
            Xg = X[np.ix_(rows, np.flatnonzero(o))]
            assert grp.n[g] == len(rows)
            np.testing.assert_allclose(grp.m[g], Xg.mean(axis=0), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(grp.S[g], np.cov(Xg.T, bias=True).reshape(grp.k, grp.k),
                                       rtol=1e-10, atol=1e-10)
            seen += len(rows)
    assert seen == X.shape[0]  # every row in exactly one pattern


@settings(max_examples=60, deadline=None)
@cases
def test_loglik_and_em_step_equal_row_by_row(seed: int, n: int, p: int, rate: float) -> None:
    X, observed = _holed(seed, n, p, rate)
    assume(X.shape[0] >= 2)
    mu, sigma = _random_moments(seed, p)
    stacks = pattern_stacks(X, observed)
    expected = _direct_loglik(X, observed, mu, sigma)
    assert math.isclose(patterns_loglik(stacks, mu, sigma), expected, rel_tol=1e-10)
    new_mu, new_sigma, ll = em_step_loglik(stacks, mu, sigma, X.shape[0])
    assert math.isclose(ll, expected, rel_tol=1e-10)
    ref_mu, ref_sigma = _direct_em_step(X, observed, mu, sigma)
    np.testing.assert_allclose(new_mu, ref_mu, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(new_sigma, ref_sigma, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@cases
def test_pattern_inverses_equal_direct_inverse(seed: int, n: int, p: int, rate: float) -> None:
    X, observed = _holed(seed, n, p, rate)
    assume(X.shape[0] >= 2)
    _, sigma = _random_moments(seed, p)
    full = full_inverse(sigma)
    assert full is not None
    for grp in pattern_stacks(X, observed):
        for how in (full, None):  # the partitioned inverse and the direct factoring
            W, logdet = pattern_inverses(grp, sigma, how)
            for g in range(grp.count):
                s = sigma[np.ix_(grp.obs[g], grp.obs[g])]
                np.testing.assert_allclose(W[g], np.linalg.inv(s), rtol=1e-9, atol=1e-9)
                assert math.isclose(logdet[g], np.linalg.slogdet(s)[1], rel_tol=1e-10,
                                    abs_tol=1e-10)


def test_sigma_not_positive_definite_with_positive_definite_blocks() -> None:
    """No row observes all three items: every pattern's 2 x 2 block is positive definite
    though Sigma is not, and the likelihood is evaluated from the blocks, as before."""
    sigma = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    assert full_inverse(sigma) is None
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 3))
    X[np.arange(30), np.arange(30) % 3] = np.nan
    observed = ~np.isnan(X)
    mu = np.zeros(3)
    got = patterns_loglik(pattern_stacks(X, observed), mu, sigma)
    assert math.isclose(got, _direct_loglik(X, observed, mu, sigma), rel_tol=1e-12)


def test_all_missing_rows_are_dropped_with_a_warning() -> None:
    X, _ = _holed(5, 40, 4, 0.2)
    data = pd.DataFrame(np.vstack([X, np.full((2, 4), np.nan)]), columns=list("abcd"))
    messages: list[str] = []
    sample = sample_from_data(data, list("abcd"), "fiml", messages.append)
    assert sample.n == X.shape[0] and sample.n_total == X.shape[0] + 2
    assert any("2 rows have no observed item" in m for m in messages)
    assert sum(int(g.n.sum()) for g in sample.patterns or []) == X.shape[0]
    assert sample.patterns is not None and min(g.k for g in sample.patterns) == 1
    assert math.isfinite(sample.h1_loglik)


# -- the low-rank FIML algebra (issue 17) against the pattern-by-pattern one ---------------

def _fiml_pair(seed: int, n: int, p: int, rate: float, syntax: str | None = None):
    """The same FIML objective with the low-rank corrections and with every pattern
    factored directly, and a random parameter vector near the start values."""
    from psychometrics.structural.estimators.fiml import FIMLObjective
    from psychometrics.structural.matrices import Model
    from psychometrics.structural.partable import build_table, coerce_model
    from psychometrics.structural.start import start_values

    X, _ = _holed(seed, n, p, rate)
    cols = [f"x{j}" for j in range(p)]
    data = pd.DataFrame(X, columns=cols)
    if syntax is None:
        half = p // 2
        syntax = (f"f1 =~ {' + '.join(cols[:half + 1])}\n"
                  f"f2 =~ {' + '.join(cols[half:])}")
    rows, ov, lv = build_table(coerce_model(syntax), std_lv=False, meanstructure=True)
    sample = sample_from_data(data, ov, "fiml", lambda _m: None)
    npar = 1 + max(r.par for r in rows if r.free)
    model = Model(rows, ov, lv, npar)
    rng = np.random.default_rng(seed + 7)
    x = start_values(model, sample) * (1 + 0.1 * rng.standard_normal(npar))
    return FIMLObjective(model, sample), FIMLObjective(model, sample, low_rank=False), x


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-10) -> None:
    scale = max(1.0, float(np.max(np.abs(b))))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale)


fiml_cases = given(seed=st.integers(0, 2**31 - 1), n=st.integers(40, 200),
                   p=st.integers(4, 9), rate=st.sampled_from([0.05, 0.1, 0.25, 0.45]))


@settings(max_examples=40, deadline=None)
@fiml_cases
def test_low_rank_fiml_equals_pattern_by_pattern(seed: int, n: int, p: int,
                                                 rate: float) -> None:
    """f, the gradient, the expected information, the exact Hessian (observed
    information), cross informations (modification indices) and their diagonal."""
    low, ref, x = _fiml_pair(seed, n, p, rate)
    st_low, st_ref = low.state(x), ref.state(x)
    assume(st_ref is not None)
    assert st_low is not None and st_low.low is not None
    assert math.isclose(st_low.f, st_ref.f, rel_tol=1e-10)
    assert math.isclose(low.value(x), ref.value(x), rel_tol=1e-10)
    g1, info1, H1 = low.derivatives(x, st_low, True)
    g0, info0, H0 = ref.derivatives(x, st_ref, True)
    assert H1 is not None and H0 is not None
    _close(g1, g0)
    _close(info1, info0)
    _close(H1, H0)
    B = low.model.basis(x)
    r = low.model.rows_at(x)
    _close(low.row_info(st_low, B, r, r), ref.row_info(st_ref, B, r, r))
    _close(low.row_info_diag(st_low, B, r), ref.row_info_diag(st_ref, B, r))


def test_low_rank_fiml_with_factor_means_and_many_items() -> None:
    """The per-pattern Gram sums (p^4 too large for the tensor) and factor means, which
    make the loadings move the means."""
    from psychometrics.structural import lowrank

    cols = [f"x{j}" for j in range(8)]
    syntax = (f"f1 =~ {' + '.join(cols[:5])}\nf2 =~ {' + '.join(cols[4:])}\n"
              "x1 ~~ x2\nf1 ~ 1\nx0 ~ 0*1")
    saved = lowrank._FOURTH_MAX
    for limit in (saved, 0):
        lowrank._FOURTH_MAX = limit
        try:
            low, ref, x = _fiml_pair(11, 150, 8, 0.2, syntax)
            st_low, st_ref = low.state(x), ref.state(x)
            assert st_low is not None and st_ref is not None
            g1, info1, H1 = low.derivatives(x, st_low, True)
            g0, info0, H0 = ref.derivatives(x, st_ref, True)
            _close(g1, g0)
            _close(info1, info0)
            assert H1 is not None and H0 is not None
            _close(H1, H0)
            B, r = low.model.basis(x), low.model.rows_at(x)
            _close(low.row_info_diag(st_low, B, r), ref.row_info_diag(st_ref, B, r))
        finally:
            lowrank._FOURTH_MAX = saved


@settings(max_examples=60, deadline=None)
@cases
def test_low_rank_em_step_equals_pattern_by_pattern(seed: int, n: int, p: int,
                                                    rate: float) -> None:
    X, observed = _holed(seed, n, p, rate)
    assume(X.shape[0] >= 2)
    mu, sigma = _random_moments(seed, p)
    stacks = pattern_stacks(X, observed)
    m1, s1, ll1 = em_step_loglik(stacks, mu, sigma, X.shape[0])
    m0, s0, ll0 = em_step_loglik(stacks, mu, sigma, X.shape[0], low=False)
    assert math.isclose(ll1, ll0, rel_tol=1e-10)
    _close(m1, m0)
    _close(s1, s0)


def _direct_casewise(X: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Row by row: the scores (W d, vech(W d d' W - W) with halved diagonal)."""
    from psychometrics.structural.matrices import moment_index

    n, p = X.shape
    i, j = moment_index(p)
    out = np.zeros((p + len(i), p + len(i)))
    for x in X:
        o = ~np.isnan(x)
        W = np.zeros((p, p))
        W[np.ix_(o, o)] = np.linalg.inv(sigma[np.ix_(o, o)])
        u = W @ np.where(o, x - mu, 0.0)
        M = np.outer(u, u) - W
        g = np.concatenate([u, M[i, j] * np.where(i == j, 0.5, 1.0)])
        out += np.outer(g, g)
    return out / n


@settings(max_examples=40, deadline=None)
@cases
def test_casewise_crossprod_equals_row_by_row(seed: int, n: int, p: int, rate: float) -> None:
    from psychometrics.structural.robust import casewise_crossprod

    X, _ = _holed(seed, n, p, rate)
    assume(X.shape[0] >= 2)
    mu, sigma = _random_moments(seed, p)
    _close(casewise_crossprod(X, mu, sigma), _direct_casewise(X, mu, sigma))


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(60, 200), p=st.integers(4, 8),
       rate=st.sampled_from([0.05, 0.25, 0.45]))
def test_fiml_scoring_reaches_the_newton_minimum(seed: int, n: int, p: int,
                                                 rate: float) -> None:
    """FIML scores to convergence (Newton only where scoring stalls): the minimum equals
    the one the scoring-then-Newton path finds, and the standard errors' second call for
    the derivatives at the estimates gets the optimiser's own."""
    from psychometrics.structural.optimize import minimize

    syntax = "f =~ " + " + ".join(f"x{j}" for j in range(p))  # identified: one factor
    low, _, x0 = _fiml_pair(seed, n, p, rate, syntax)
    assume(low.state(x0) is not None)
    x1, ok1, _ = minimize(low, x0)
    newton, _, _ = _fiml_pair(seed, n, p, rate, syntax)
    newton.prefer_scoring = False
    x2, ok2, _ = minimize(newton, x0)
    assume(ok2)
    assert ok1
    assert math.isclose(low.value(x1), newton.value(x2), rel_tol=1e-12, abs_tol=1e-12)
    _close(x1, x2, rtol=1e-5)
    st1 = low.state(x1)
    assert st1 is not None and low.state(x1) is st1
    first = low.derivatives(x1, st1, True)
    assert low.derivatives(x1, st1, True) is first
    fresh, _, _ = _fiml_pair(seed, n, p, rate, syntax)
    st_f = fresh.state(x1)
    assert st_f is not None
    g, info, H = fresh.derivatives(x1, st_f, True)
    assert H is not None and first[2] is not None
    _close(first[2], H)
    _close(first[1], info)
    _close(first[0], g)
