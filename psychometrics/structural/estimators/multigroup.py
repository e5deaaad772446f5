"""Several groups fitted at once: lavaan's ``fmin = sum_g (N_g / N) fmin_g``.

Each group has its own estimator (ML or FIML) on its own
:class:`~psychometrics.structural.matrices.Model`, whose ``K`` maps that group's rows into
the one parameter vector of all groups (parameters equal across groups share a column), so
gradients, informations and Hessians are the weighted sums of the groups'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from psychometrics.structural.estimators.base import Objective, State

__all__ = ["GroupsState", "MultiGroupObjective"]


@dataclass
class GroupsState:
    """The groups' states at one parameter vector and the weighted objective."""

    f: float
    states: list[State]


class MultiGroupObjective:
    """The weighted sum of the groups' objectives (same interface as ``Objective``)."""

    def __init__(self, parts: Sequence[Objective], weights: Sequence[float]):
        self.parts = list(parts)
        self.weights = np.asarray(weights, dtype=float)
        self.model = self.parts[0].model  # q and the first group's table (rescue starts)
        self.q = self.model.q
        self.exact_hessian = all(part.exact_hessian for part in self.parts)
        self.prefer_scoring = all(getattr(part, "prefer_scoring", False) for part in self.parts)

    def value(self, x: np.ndarray) -> float:
        return float(sum(w * part.value(x) for w, part in zip(self.weights, self.parts,
                                                                strict=True)))

    def state(self, x: np.ndarray) -> GroupsState | None:
        states = []
        for part in self.parts:
            st = part.state(x)
            if st is None:
                return None
            states.append(st)
        f = float(sum(w * st.f for w, st in zip(self.weights, states, strict=True)))
        return GroupsState(f, states)

    def gradient(self, x: np.ndarray, st: GroupsState | None = None) -> np.ndarray:
        st = self.state(x) if st is None else st
        assert st is not None
        return sum((w * part.gradient(x, s) for w, part, s in
                    zip(self.weights, self.parts, st.states, strict=True)),
                   np.zeros(self.q))

    def derivatives(self, x: np.ndarray, st: GroupsState, newton: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        g = np.zeros(self.q)
        info = np.zeros((self.q, self.q))
        H: np.ndarray | None = np.zeros((self.q, self.q)) if newton else None
        for w, part, s in zip(self.weights, self.parts, st.states, strict=True):
            g_k, info_k, H_k = part.derivatives(x, s, newton)
            g += w * g_k
            info += w * info_k
            if H is not None:
                assert H_k is not None
                H += w * H_k
        return g, info, H

    def evaluate(self, x: np.ndarray, newton: bool
                 ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray | None] | None:
        st = self.state(x)
        if st is None:
            return None
        return (st.f, *self.derivatives(x, st, newton))
