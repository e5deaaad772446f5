"""Full-information ML: the casewise normal likelihood of incomplete data, by pattern
(lavaan's ``missing = "ml"``). Patterns with the same number of observed items are stacked
(:class:`~psychometrics.structural.samplestats.PatternStack`) and processed in batched numpy
calls. While Sigma is positive definite the stacks with fewer missing than observed items
are taken by low-rank corrections to ``Sigma^-1`` (:mod:`psychometrics.structural.lowrank`),
whose cost grows with the rows and the missing cells, not with patterns x k^2; the rest are
factored pattern by pattern."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from psychometrics.structural.estimators.base import Objective, State, transpose_last
from psychometrics.structural.lowrank import LowRankEval, LowRankPatterns
from psychometrics.structural.matrices import Model
from psychometrics.structural.samplestats import (
    LOG2PI,
    Sample,
    full_inverse,
    pattern_inverses,
    patterns_loglik,
    scatter_add,
)

__all__ = ["FIMLObjective"]


class FIMLObjective(Objective):
    """-logL / N, the casewise normal log-likelihood summed over missing-data patterns."""

    def __init__(self, model: Model, sample: Sample, low_rank: bool = True):
        super().__init__(model, sample)
        assert sample.patterns is not None
        self.groups = sample.patterns
        self.N = sample.n
        # low_rank=False: every stack factored pattern by pattern (the reference algebra)
        self.low = LowRankPatterns(self.groups, model.p) if low_rank else None
        # The expected information is cheap next to the exact Hessian here (a pass over the
        # pseudo-rows against a Gram sum over every pattern's missing slots), and scoring
        # contracts by the fraction of missing information per step: the optimiser scores
        # while that is fast and takes Newton steps only where it stalls
        self.prefer_scoring = True
        # The optimiser's last state and derivatives, which the result's standard errors
        # ask for again at the same estimates (one Hessian, not two)
        self._last_state: tuple[bytes, State | None] | None = None
        self._last_deriv: tuple[bytes, int, bool, Any] | None = None
        # The low-rank pieces of the last value(): the optimiser asks for the state at the
        # point its line search accepted, so state() reuses them (one pass, not two)
        self._last_value: tuple[bytes, LowRankEval] | None = None

    def value(self, x: np.ndarray) -> float:
        sigma, mu = self.model.implied(x)
        try:
            full = full_inverse(sigma)
            if self.low is None or full is None or not self.low.light:
                return -patterns_loglik(self.groups, mu, sigma) / self.N
            ev = self.low.evaluate(mu, *full, need_u=False)
            self._last_value = (x.tobytes(), ev)
            rest = patterns_loglik(self.low.direct, mu, sigma) if self.low.direct else 0.0
            return -(ev.loglik + rest) / self.N
        except np.linalg.LinAlgError:
            return math.inf

    def state(self, x: np.ndarray) -> State | None:
        key = x.tobytes()
        if self._last_state is not None and self._last_state[0] == key:
            return self._last_state[1]
        st = self._state(x)
        self._last_state = (key, st)
        return st

    def derivatives(self, x: np.ndarray, st: State, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        key = x.tobytes()
        last = self._last_deriv
        if last is not None and last[0] == key and last[1] == id(st) and last[2] == newton:
            return last[3]
        out = super().derivatives(x, st, newton)
        self._last_deriv = (key, id(st), newton, out)
        return out

    def _state(self, x: np.ndarray) -> State | None:
        sigma, mu = self.model.implied(x)
        p = self.model.p
        M = np.zeros((p, p))
        gm = np.zeros(p)
        loglik = 0.0
        blocks = []
        full = full_inverse(sigma)
        direct = self.groups
        low = None
        if self.low is not None and full is not None and self.low.light:
            last = self._last_value
            if last is not None and last[0] == x.tobytes():
                low = last[1].with_u()
            else:
                try:
                    low = self.low.evaluate(mu, *full)
                except np.linalg.LinAlgError:
                    return None
            loglik += low.loglik
            M_low, gm_low = low.gradient_parts(self.N)
            M += M_low
            gm += gm_low
            direct = self.low.direct
        for grp in direct:
            try:
                W, logdet = pattern_inverses(grp, sigma, full)
            except np.linalg.LinAlgError:
                return None
            d = grp.m - mu[grp.obs]
            Wd = np.einsum("gij,gj->gi", W, d)
            WS = W @ grp.S
            G = WS @ W + Wd[:, :, None] * Wd[:, None, :]
            G = (G + transpose_last(G)) / 2.0
            tr = np.trace(WS, axis1=1, axis2=2) + np.sum(d * Wd, axis=1)
            loglik += float(np.sum(-0.5 * grp.n * (grp.k * LOG2PI + logdet + tr)))
            w = grp.n / self.N
            scatter_add(M, grp.oo, w[:, None, None] * (W - G))
            scatter_add(gm, grp.obs, -w[:, None] * Wd)
            blocks.append((grp.obs, w, W, G, Wd))
        return State(-loglik / self.N, M, gm, blocks, low, float(self.N))
