"""Action selection shared by every engine: pymdp legacy's ``sample_action`` (``sampling_mode="marginal"``).

For each factor ``f`` the marginal over its actions sums the posterior of every policy whose first
action for ``f`` is that action, normalized. ``deterministic``: the most probable action, where
actions within ``1e-8`` of the best are tied and one of them is drawn uniformly (legacy
``select_highest``). ``stochastic``: a draw from ``softmax(alpha * ln(marginal + 1e-16))``.

Draws come from ``rng``, a seeded :class:`numpy.random.Generator`, or, with ``rng=None``, from
numpy's global RNG exactly as ``n`` legacy agents stepped in order draw from it (agent by agent,
factor by factor): ``np.random.choice(k)`` per tie and ``np.random.multinomial(1, p)`` per
stochastic draw, so that their actions can be reproduced one for one. One limit: numpy's binomial
draws ``p > 1/2`` as ``1 - Bin(1 - p)``, so where a category's conditional probability in
``multinomial`` is within round-off of ``1/2`` (two equally good actions), a last-bit difference
from legacy's arithmetic takes the other action for the same uniform draw.
"""

from __future__ import annotations

import numpy as np

#: Action marginals this close to the maximum count as tied (pymdp legacy ``select_highest``).
TIE_TOLERANCE = 1e-8
#: pymdp legacy's ``EPS_VAL``, inside the log of the marginals before the softmax with ``alpha``.
LOG_EPS = 1e-16
SELECTIONS = ("deterministic", "stochastic")


class ActionSelection:
    """One model's action selection: its policies' first actions per factor, the rule and ``alpha``."""

    __slots__ = ("first_actions", "mode", "alpha")

    def __init__(self, policies: np.ndarray, n_controls: tuple[int, ...], mode: str, alpha: float) -> None:
        if mode not in SELECTIONS:
            raise ValueError(f"action_selection must be one of {SELECTIONS!r}, got {mode!r}")
        first = np.asarray(policies)[:, 0, :]
        #: per factor, ``(n_policies, n_controls[f])``: 1 where the policy's first action is that action
        self.first_actions = tuple(
            np.ascontiguousarray(first[:, f, None] == np.arange(count), dtype=np.float64)
            for f, count in enumerate(n_controls)
        )
        self.mode = mode
        self.alpha = float(alpha)

    @classmethod
    def from_model(cls, model: object) -> ActionSelection:
        """The selection of a :class:`~explorer.pomdp.model.Model` (its policies, controls, rule, alpha)."""
        return cls(model.policies, model.n_controls, model.action_selection, model.alpha)

    def marginals(self, q_pi: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per factor, ``(n, n_controls[f])``: the normalized marginal posterior over its actions."""
        marginals = []
        for onehot in self.first_actions:
            marginal = q_pi @ onehot
            marginal /= marginal.sum(axis=1, keepdims=True)
            marginals.append(marginal)
        return tuple(marginals)

    def select(self, q_pi: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """One action per agent and factor, ``(n, n_factors)`` intp, from the policy posteriors ``q_pi``."""
        marginals = self.marginals(q_pi)
        if self.mode == "deterministic":
            return _highest(marginals, rng)
        return _sampled(marginals, self.alpha, rng)


def select_actions(q_pi: np.ndarray, model: object, rng: np.random.Generator | None) -> np.ndarray:
    """``ActionSelection.from_model(model).select(q_pi, rng)``: actions ``(n, n_factors)`` for ``q_pi``."""
    return ActionSelection.from_model(model).select(q_pi, rng)


def _highest(marginals: tuple[np.ndarray, ...], rng: np.random.Generator | None) -> np.ndarray:
    n = len(marginals[0])
    actions = np.empty((n, len(marginals)), dtype=np.intp)
    tied = []
    counts = np.empty((n, len(marginals)), dtype=np.int64)
    for f, marginal in enumerate(marginals):
        tied_f = np.abs(marginal - marginal.max(axis=1, keepdims=True)) <= TIE_TOLERANCE
        actions[:, f] = marginal.argmax(axis=1)
        counts[:, f] = tied_f.sum(axis=1)
        tied.append(tied_f)
    if rng is None:
        agents, factors = np.nonzero(counts > 1)  # row-major: agent by agent, factor by factor
        if agents.size:
            # legacy draws np.random.choice(ties) = randint(0, ties), in exactly this order
            draws = np.random.randint(0, counts[agents, factors])
            for f, tied_f in enumerate(tied):
                mine = factors == f
                rows = agents[mine]
                tied_first = np.argsort(~tied_f[rows], axis=1, kind="stable")  # tied actions first, in order
                actions[rows, f] = tied_first[np.arange(rows.size), draws[mine]]
        return actions
    for f, tied_f in enumerate(tied):
        rows = np.flatnonzero(counts[:, f] > 1)
        if rows.size:
            keys = np.where(tied_f[rows], rng.random((rows.size, tied_f.shape[1])), -1.0)
            actions[rows, f] = keys.argmax(axis=1)
    return actions


def _sampled(marginals: tuple[np.ndarray, ...], alpha: float, rng: np.random.Generator | None) -> np.ndarray:
    n = len(marginals[0])
    actions = np.empty((n, len(marginals)), dtype=np.intp)
    probabilities = []
    for marginal in marginals:
        logits = np.log(marginal + LOG_EPS) * alpha
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        probabilities.append(p)
    if rng is None:
        # one legacy agent after another: utils.sample draws np.random.multinomial(1, p) per factor
        for i in range(n):
            for f, p in enumerate(probabilities):
                actions[i, f] = np.flatnonzero(np.random.multinomial(1, p[i]))[0]
        return actions
    for f, p in enumerate(probabilities):
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        actions[:, f] = np.count_nonzero(cdf <= rng.random((n, 1)), axis=1)
    return actions
