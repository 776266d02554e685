"""Vectorized active inference in numpy: pymdp's legacy one-step equations over an agent axis.

The maths is that of pymdp's legacy ``Agent(policy_len=1, action_selection="deterministic")``
with one state factor and one modality, written for ``n`` agents at once: state inference
``softmax(ln(A[o] + 1e-16) + ln(prior + 1e-16))``, expected free energy (utility plus state
information gain, as ``spm_MDP_G``), ``softmax(16 G + ln E)`` and argmax actions whose exact ties
are broken at random. Only numpy is imported, so a fresh process acts without paying for pymdp.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from explorer.model import MODEL_CACHE_SIZE, GenerativeModel, build_model
from explorer.world import GridWorld

#: pymdp legacy's ``EPS_VAL``, added inside every ``log`` (``spm_log_single``).
LOG_EPS = 1e-16
#: ``spm_MDP_G`` uses ``log(p + exp(-16))`` for the ambiguity of each state...
INFO_GAIN_EPS = float(np.exp(-16))
#: ...and only counts predicted states with ``q(s) > exp(-16)`` (pymdp's batched agent counts all).
INFO_GAIN_THRESHOLD = INFO_GAIN_EPS
#: pymdp legacy's default policy precision (``gamma``).
POLICY_PRECISION = 16.0
#: Action marginals this close to the maximum count as tied (pymdp legacy ``select_highest``).
TIE_TOLERANCE = 1e-8
#: Agents per block: temporaries (~5 KiB per agent) stay in cache, and each matrix product stays
#: below OpenBLAS's threading threshold (its threads made steps 3-10x slower and erratic on 2 shared cores).
CHUNK = 128


@dataclass(frozen=True)
class StepArrays:
    """What every step needs from a world's model, computed once per world and shared read-only."""

    #: ``A[o, :] + eps`` with rows indexed by observation (pymdp's dot_likelihood, before the log)
    likelihood: np.ndarray
    #: ``(qs @ transitions)[u * S + i] = (B[:, :, u] @ qs)[i]``: every action's prediction at once
    transitions: np.ndarray
    #: ``A.T``, to predict observations from predicted states
    A_T: np.ndarray
    #: ``ln(softmax(C) + eps) @ A``: expected utility ``qo . ln C`` folded into one weight per state
    utility_weights: np.ndarray
    #: ``sum_o A[o, s] ln(A[o, s] + exp(-16))``: each state's negative ambiguity, as spm_MDP_G
    neg_ambiguity: np.ndarray
    #: ``ln(E + eps)`` with ``E`` uniform over the one-step policies
    log_policy_prior: np.ndarray
    #: the prior over the first state
    D: np.ndarray


def step_arrays(model: GenerativeModel) -> StepArrays:
    """The model's step arrays, from a cache keyed by world and bounded like the model cache."""
    return _step_arrays_for(model.world)


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _step_arrays_for(world: GridWorld) -> StepArrays:
    model = build_model(world)
    n_states, n_actions = model.n_states[0], model.n_actions
    (A,), (B,), (C,), (D,) = model.A, model.B, model.C, model.D  # one factor, one modality
    arrays = StepArrays(
        likelihood=A + LOG_EPS,
        transitions=np.ascontiguousarray(B.transpose(1, 2, 0).reshape(n_states, n_actions * n_states)),
        A_T=np.ascontiguousarray(A.T),
        utility_weights=np.log(_softmax(C) + LOG_EPS) @ A,
        neg_ambiguity=np.einsum("os,os->s", A, np.log(A + INFO_GAIN_EPS)),
        log_policy_prior=np.log(np.full(n_actions, 1.0 / n_actions) + LOG_EPS),
        D=D,
    )
    for array in vars(arrays).values():
        array.setflags(write=False)
    return arrays


class NumpyBackend:
    """Beliefs of ``n`` agents sharing one model (and its :class:`StepArrays`).

    Per agent it holds the posterior over states, the policy posterior and the prior for the next
    observation (``B[:, :, a] @ qs`` after acting, ``D`` after a reset): 55 float64 per agent on a
    5x5 grid, 440 bytes.
    """

    def __init__(self, model: GenerativeModel, n: int) -> None:
        self.shared = step_arrays(model)
        self.n_states, self.n_actions = model.n_states[0], model.n_actions
        self.qs = np.empty((n, self.n_states))
        self.q_pi = np.empty((n, self.n_actions))
        self.prior = np.empty((n, self.n_states))
        self.reset()

    def reset(self) -> None:
        """Beliefs back to before the first observation: uniform posteriors, prior ``D``."""
        self.qs[:] = 1.0 / self.n_states
        self.q_pi[:] = 1.0 / self.n_actions
        self.prior[:] = self.shared.D

    def beliefs(self) -> np.ndarray:
        """A copy of every agent's posterior over states, ``(n, states)``."""
        return self.qs.copy()

    def policy_posterior(self) -> np.ndarray:
        """A copy of every agent's posterior over policies, ``(n, actions)``."""
        return self.q_pi.copy()

    def nbytes(self) -> int:
        """Bytes of the per-agent arrays: posteriors, policy posteriors and next priors."""
        return self.qs.nbytes + self.q_pi.nbytes + self.prior.nbytes

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Infer states and policies for every agent, select actions, and store the next priors."""
        n = len(observations)
        actions = np.empty(n, dtype=np.intp)
        for start in range(0, n, CHUNK):
            block = slice(start, min(start + CHUNK, n))
            actions[block] = self._step_block(observations[block], block, rng)
        return actions

    def _step_block(
        self, observations: np.ndarray, block: slice, rng: np.random.Generator | None
    ) -> np.ndarray:
        shared = self.shared
        # softmax(ln(A[o] + eps) + ln(prior + eps)) is the normalized product, without logs and exps
        qs = shared.likelihood[observations] * (self.prior[block] + LOG_EPS)
        qs /= qs.sum(axis=1, keepdims=True)
        n, n_states, n_actions = len(qs), self.n_states, self.n_actions
        qs_pi = (qs @ shared.transitions).reshape(n * n_actions, n_states)
        G = qs_pi @ shared.utility_weights
        counted = qs_pi * (qs_pi > INFO_GAIN_THRESHOLD)
        G += counted @ shared.neg_ambiguity
        qo = counted @ shared.A_T
        # observations predicted with probability 0 add 0 * ln(eps): skip their logs
        log_qo = np.log(qo + LOG_EPS, out=np.zeros_like(qo), where=qo > 0.0)
        G -= np.einsum("ko,ko->k", qo, log_qo)
        q_pi = _softmax_rows(POLICY_PRECISION * G.reshape(n, n_actions) + shared.log_policy_prior)
        actions = select_actions(q_pi, rng)
        self.qs[block] = qs
        self.q_pi[block] = q_pi
        self.prior[block] = qs_pi.reshape(n, n_actions, n_states)[np.arange(n), actions]
        return actions


def select_actions(q_pi: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Each row's most probable action; near-ties (within 1e-8) broken uniformly at random, as pymdp.

    With one-step policies the action marginals are ``q_pi`` normalized (pymdp legacy
    ``sample_action`` with ``sampling_mode="marginal"``). With ``rng=None`` the draws come from
    numpy's global RNG, one ``randint(0, ties)`` per tied row in row order: exactly the draws of
    pymdp's ``np.random.choice(ties)`` when legacy agents step in that order.
    """
    marginals = q_pi / q_pi.sum(axis=1, keepdims=True)
    tied = np.abs(marginals - marginals.max(axis=1, keepdims=True)) <= TIE_TOLERANCE
    actions = marginals.argmax(axis=1)
    counts = tied.sum(axis=1)
    rows = np.flatnonzero(counts > 1)
    if rows.size:
        if rng is None:
            draws = np.random.randint(0, counts[rows])
            # column of the draws-th tied action in each row (tied ones first, in index order)
            tied_first = np.argsort(~tied[rows], axis=1, kind="stable")
            actions[rows] = tied_first[np.arange(rows.size), draws]
        else:
            keys = np.where(tied[rows], rng.random((rows.size, q_pi.shape[1])), -1.0)
            actions[rows] = keys.argmax(axis=1)
    return actions


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _softmax_rows(x: np.ndarray) -> np.ndarray:
    x -= x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x
