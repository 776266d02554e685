"""Vectorized active inference in numpy: pymdp's legacy one-step equations over an agent axis.

The maths is that of pymdp's legacy ``Agent(policy_len=1, action_selection="deterministic")``
with one state factor and one modality, written for ``n`` agents at once with dense matrix products:
state inference ``softmax(ln(A[o] + 1e-16) + ln(prior + 1e-16))``, expected free energy (utility plus
state information gain, as ``spm_MDP_G``), ``softmax(16 G + ln E)`` and argmax actions whose exact
ties are broken at random. Only numpy is imported, so a fresh process acts without paying for pymdp.

Every other grid engine's speed is measured against this one, so it is as fast as numpy allows: each
stage is one numpy call over a block of agents into buffers allocated once (no Python loop over
agents, no allocation in a step), the products are batched ``matmul`` calls, and each action's
utility and ambiguity ride along as extra columns of the two products.
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
#: Agents per block: each numpy call's fixed cost (about 1-2 us) is spread over this many agents, and
#: a 5x5 block's buffers (about 2 KiB per agent) stay in the 4 MiB L2 cache. 128-agent blocks spent
#: more time in those fixed costs than in the arithmetic (2.1 us per 5x5 agent-step against 0.6).
BLOCK = 512
#: OpenBLAS multiplies on one thread while rows x inner x columns stays below 2 x 262,144 (its
#: ``GEMM_MULTITHREAD_THRESHOLD`` of 4 x 65,536 per thread): its threads made small products 3-10x
#: slower and erratic on 2 shared cores, so the products go to BLAS in row batches of that size.
SINGLE_THREAD_WORK = 2 * 262_144


@dataclass(frozen=True)
class StepArrays:
    """What every step needs from a world's model, computed once per world and shared read-only."""

    #: ``A[o, :] + eps`` with rows indexed by observation (pymdp's dot_likelihood, before the log)
    likelihood: np.ndarray
    #: ``(qs @ transitions)[u * S + i] = (B[:, :, u] @ qs)[i]``: every action's prediction at once,
    #: then ``U`` columns ``(B[:, :, u].T @ utility_weights)``: each action's expected utility
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
    #: ``S`` ones: a row's sum as a matrix-vector product (numpy's reduction along short rows is slower)
    ones: np.ndarray


def step_arrays(model: GenerativeModel) -> StepArrays:
    """The model's step arrays, from a cache keyed by world and bounded like the model cache."""
    return _step_arrays_for(model.world)


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _step_arrays_for(world: GridWorld) -> StepArrays:
    model = build_model(world)
    n_states, n_actions = model.n_states[0], model.n_actions
    (A,), (B,), (C,), (D,) = model.A, model.B, model.C, model.D  # one factor, one modality
    utility_weights = np.log(_softmax(C) + LOG_EPS) @ A
    neg_ambiguity = np.einsum("os,os->s", A, np.log(A + INFO_GAIN_EPS))
    predictions = B.transpose(1, 2, 0).reshape(n_states, n_actions * n_states)
    utilities = np.einsum("tsu,t->su", B, utility_weights)
    arrays = StepArrays(
        likelihood=A + LOG_EPS,
        transitions=np.ascontiguousarray(np.concatenate([predictions, utilities], axis=1)),
        A_T=np.ascontiguousarray(A.T),
        utility_weights=utility_weights,
        neg_ambiguity=neg_ambiguity,
        log_policy_prior=np.log(np.full(n_actions, 1.0 / n_actions) + LOG_EPS),
        D=D,
        ones=np.ones(n_states),
    )
    for array in vars(arrays).values():
        array.setflags(write=False)
    return arrays


class NumpyBackend:
    """Beliefs of ``n`` agents sharing one model (and its :class:`StepArrays`).

    Per agent it holds the posterior over states, the policy posterior and the prior for the next
    observation (``B[:, :, a] @ qs`` after acting, ``D`` after a reset): 55 float64 per agent on a
    5x5 grid, 440 bytes. The step's buffers (one block's, shared by every block) are allocated here.
    """

    def __init__(self, model: GenerativeModel, n: int) -> None:
        self.shared = step_arrays(model)
        self.n_states, self.n_actions = model.n_states[0], model.n_actions
        self.qs = np.empty((n, self.n_states))
        self.q_pi = np.empty((n, self.n_actions))
        self.prior = np.empty((n, self.n_states))
        self._buffers = _Buffers(min(n, BLOCK), self.n_states, self.n_actions)
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
        for start in range(0, n, BLOCK):
            stop = min(start + BLOCK, n)
            actions[start:stop] = self._step_block(observations[start:stop], start, stop, rng)
        return actions

    def _step_block(
        self, observations: np.ndarray, start: int, stop: int, rng: np.random.Generator | None
    ) -> np.ndarray:
        shared, n, S, U = self.shared, stop - start, self.n_states, self.n_actions
        buffers = self._buffers.sized(n)
        # softmax(ln(A[o] + eps) + ln(prior + eps)) is the normalized product, without logs and exps
        qs, prior = self.qs[start:stop], self.prior[start:stop]
        np.add(prior, LOG_EPS, out=qs)
        qs *= np.take(shared.likelihood, observations, axis=0, out=buffers.likelihood)
        qs /= np.matmul(qs, shared.ones, out=buffers.total)[:, None]
        # every action's predicted states (n, U, S), then its utility (n, U), from one product
        predicted = _matmul(qs, shared.transitions, buffers.predicted)
        qs_pi = predicted[:, : U * S].reshape(n, U, S)  # a view: rows of U * S + U, split
        # G in columns, (U, n): each reduction over actions is then an elementwise pass over agents
        G = buffers.G
        G[:] = predicted[:, U * S :].T
        # spm_MDP_G counts predicted states above exp(-16): their observations and negative ambiguity
        counted = np.multiply(
            qs_pi, np.greater(qs_pi, INFO_GAIN_THRESHOLD, out=buffers.mask), out=buffers.counted
        ).reshape(n * U, S)
        G += _matmul(counted, shared.neg_ambiguity[:, None], buffers.ambiguity).reshape(n, U).T
        qo = _matmul(counted, shared.A_T, buffers.qo)
        # minus the entropy of the predicted observations; those of probability 0 add 0 * ln(eps) = 0
        log_qo = np.log(np.add(qo, LOG_EPS, out=buffers.log_qo), out=buffers.log_qo)
        G -= np.einsum("ko,ko->k", qo, log_qo).reshape(n, U).T
        G *= POLICY_PRECISION
        G += shared.log_policy_prior[:, None]
        q_pi = _softmax_columns(G)
        actions = _select_columns(q_pi, rng)
        self.q_pi[start:stop] = q_pi.T
        prior[:] = qs_pi[np.arange(n), actions]
        return actions


class _Buffers:
    """One block's step buffers, allocated once per engine and viewed at a smaller size for the tail."""

    def __init__(self, n: int, n_states: int, n_actions: int) -> None:
        self.likelihood = np.empty((n, n_states))
        self.total = np.empty(n)
        self.predicted = np.empty((n, n_actions * n_states + n_actions))
        self.G = np.empty((n_actions, n))
        self.mask = np.empty((n, n_actions, n_states), dtype=bool)
        self.counted = np.empty((n, n_actions, n_states))
        self.ambiguity = np.empty((n * n_actions, 1))
        self.qo = np.empty((n * n_actions, n_states))
        self.log_qo = np.empty((n * n_actions, n_states))

    def sized(self, n: int) -> _Buffers:
        """These buffers' first ``n`` agents' rows (the same buffers when ``n`` is the full block)."""
        if n == len(self.likelihood):
            return self
        view = object.__new__(_Buffers)
        rows = n * len(self.G)
        for name, array in vars(self).items():
            view.__dict__[name] = array[: (rows if len(array) == len(self.qo) else n)]
        view.G = self.G[:, :n]
        return view


def _matmul(x: np.ndarray, matrix: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``x @ matrix`` into ``out``, sent to BLAS in row batches small enough for it to stay on one thread."""
    inner, columns = matrix.shape
    rows = max(128, SINGLE_THREAD_WORK // (inner * columns))
    whole = len(x) // rows * rows
    if whole:
        np.matmul(x[:whole].reshape(-1, rows, inner), matrix, out=out[:whole].reshape(-1, rows, columns))
    if whole < len(x):
        np.matmul(x[whole:], matrix, out=out[whole:])
    return out


def select_actions(q_pi: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Each row's most probable action; near-ties (within 1e-8) broken uniformly at random, as pymdp.

    With one-step policies the action marginals are ``q_pi`` normalized (pymdp legacy
    ``sample_action`` with ``sampling_mode="marginal"``). With ``rng=None`` the draws come from
    numpy's global RNG, one ``randint(0, ties)`` per tied row in row order: exactly the draws of
    pymdp's ``np.random.choice(ties)`` when legacy agents step in that order.
    """
    return _select_columns(np.ascontiguousarray(q_pi.T), rng)


def _select_columns(q_pi: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """:func:`select_actions` of ``q_pi`` given in columns, ``(actions, n)``."""
    marginals = q_pi / q_pi.sum(axis=0)
    tied = np.abs(marginals - marginals.max(axis=0)) <= TIE_TOLERANCE
    # the first tied action: the argmax where nothing else is tied (the others are drawn below)
    actions = np.full(q_pi.shape[1], len(q_pi) - 1, dtype=np.intp)
    for u in range(len(q_pi) - 2, -1, -1):
        np.copyto(actions, u, where=tied[u])
    rows = np.flatnonzero(np.count_nonzero(tied, axis=0) > 1)
    if rows.size:
        tied = tied[:, rows].T
        if rng is None:
            draws = np.random.randint(0, tied.sum(axis=1))
            # column of the draws-th tied action in each row (tied ones first, in index order)
            tied_first = np.argsort(~tied, axis=1, kind="stable")
            actions[rows] = tied_first[np.arange(rows.size), draws]
        else:
            keys = np.where(tied, rng.random(tied.shape), -1.0)
            actions[rows] = keys.argmax(axis=1)
    return actions


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _softmax_columns(x: np.ndarray) -> np.ndarray:
    x -= x.max(axis=0)
    np.exp(x, out=x)
    x /= x.sum(axis=0)
    return x
