"""Normal-theory maximum likelihood on complete data (lavaan's ``estimator = "ML"``)."""

from __future__ import annotations

import math

import numpy as np

from psychometrics.structural.estimators.base import Objective, State
from psychometrics.structural.matrices import Model
from psychometrics.structural.samplestats import Sample

__all__ = ["MLObjective"]


class MLObjective(Objective):
    """F_ML / 2 = 0.5 (log|Sigma| + tr(S Sigma^-1) - log|S| - p), lavaan's fmin; with a mean
    structure ``+ 0.5 (m - mu)' Sigma^-1 (m - mu)``."""

    def __init__(self, model: Model, sample: Sample):
        super().__init__(model, sample)
        self.S = sample.cov
        self.logdet_s = float(np.linalg.slogdet(self.S)[1])
        self.eye = np.eye(model.p)
        self.zero_mean = np.zeros(model.p)
        self.means = model.meanstructure
        if self.means and sample.mean is None:
            raise ValueError("a mean structure needs the sample means (raw data, not only a "
                             "covariance matrix)")

    def value(self, x: np.ndarray) -> float:
        sigma, mu = self.model.implied(x)
        try:
            c = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return math.inf
        logdet = 2.0 * np.sum(np.log(np.diag(c)))
        Ci = np.linalg.inv(c)  # scipy's solve_triangular costs ms per call on small matrices
        tr = float(np.sum(Ci * (Ci @ self.S)))
        if self.means:
            assert self.sample.mean is not None
            z = Ci @ (self.sample.mean - mu)
            tr += float(z @ z)
        return 0.5 * (logdet + tr - self.logdet_s - self.model.p)

    def state(self, x: np.ndarray) -> State | None:
        sigma, mu = self.model.implied(x)
        try:
            c = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return None
        Ci = np.linalg.inv(c)
        W = Ci.T @ Ci
        WS = W @ self.S
        logdet = 2.0 * np.sum(np.log(np.diag(c)))
        f = 0.5 * (logdet + np.trace(WS) - self.logdet_s - self.model.p)
        G = WS @ W
        if not self.means:
            G = (G + G.T) / 2.0
            return State(f, W - G, self.zero_mean, [(None, 1.0, W, G, None)])
        assert self.sample.mean is not None
        d = self.sample.mean - mu
        Wd = W @ d
        f += 0.5 * float(d @ Wd)
        G = G + np.outer(Wd, Wd)
        G = (G + G.T) / 2.0
        return State(f, W - G, -Wd, [(None, 1.0, W, G, Wd)])
