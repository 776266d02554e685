"""The lanes engine: a grid population stepped with agents side by side in SIMD lanes.

Beliefs are held ``(blocks, states, W)``, agents contiguous within a block of ``W`` sized to stay in
cache, and stepped by :func:`explorer.population.lanes_kernel.step_blocks`, one block per thread.
Per agent it holds the posterior over states, the policy posterior and the last action, as the
sparse engine does (the next prior is recomputed in the step: no second ``states``-long array per
agent). ``dtype=np.float32`` holds the beliefs in float32 (half the bytes streamed per step; every
sum, log and product is still float64); float64 is the default. Importing this module imports numba.
"""

from __future__ import annotations

import numba
import numpy as np

from explorer.population.lanes_kernel import CHUNK, step_blocks
from explorer.population.sparse import _break_ties, predecessor_table
from explorer.population.sparse_model import build_sparse_model
from explorer.world import GridWorld

#: Bytes a block's scratch may take (four ``states x W`` float64 arrays, and the block's beliefs):
#: within a core's share of the L2 cache (2 MiB here), so that every pass after the first reads cache.
BLOCK_BYTES = 512 * 2**10
#: Agents per block: a multiple of the kernel's entropy chunk, at most this many.
MAX_LANES = 512
#: Below this many agent-states per step (n x states) the kernel runs on one thread: waking numba's
#: second thread costs more than a short step on a loaded machine (the sparse engine's measured rule).
PARALLEL_MIN_WORK = 2_000_000
DTYPES = (np.float64, np.float32)
#: Beliefs and policy posteriors held in float32 agree with pymdp legacy's within this (float64: 1e-8):
#: measured worst 5.0e-8 (beliefs) and 8.7e-8 (policy posteriors) over the exactness tests' seven
#: worlds, 12 agents x 10 steps each, walked and on random observations; untied actions all equal.
FLOAT32_TOLERANCE = 2e-7


def lanes_for(n_states: int) -> int:
    """Agents per block for a world of ``n_states``: the most whose scratch fits :data:`BLOCK_BYTES`."""
    lanes = BLOCK_BYTES // (5 * 8 * n_states) // CHUNK * CHUNK
    return max(CHUNK, min(MAX_LANES, lanes))


class LanesBackend:
    """Beliefs of ``n`` agents on one world's sparse model, in blocks of agents side by side."""

    def __init__(self, world: GridWorld, n: int, dtype: type = np.float64) -> None:
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be numpy.float64 or numpy.float32, got {dtype!r}")
        self.model = model = build_sparse_model(world)
        self.n_states, self.n_actions = S, U = model.n_states, model.n_actions
        self.n, self.lanes = n, lanes_for(S)
        blocks = -(-n // self.lanes)
        slots = blocks * self.lanes  # the last block's spare slots step on observation 0, unread
        predecessors, count = predecessor_table(model.successors)
        self._model_arrays = (
            np.ascontiguousarray(model.successors.T),
            predecessors,
            count,
            model.emitters,
            model.emitter_probs,
            model.emitter_count,
            model.emissions,
            model.emission_probs,
            model.emission_count,
            model.D,
            np.ascontiguousarray(model.utility_weights[model.successors.T]),
            model.neg_ambiguity,
            model.log_policy_prior,
        )
        self.qs = np.empty((blocks, S, self.lanes), dtype=dtype)
        self.q_pi = np.empty((blocks, U, self.lanes))
        self.last_action = np.zeros(slots, dtype=np.int64)
        self.fresh = True
        self._observations = np.zeros(slots, dtype=np.int64)
        self._actions = np.empty(slots, dtype=np.int64)
        self._ties = np.empty(slots, dtype=np.int64)  # bit mask of the actions tied for best
        #: numba threads for the step: None picks 1 below ``PARALLEL_MIN_WORK``, else numba's count
        self.threads: int | None = None
        self.reset()

    def reset(self) -> None:
        """Uniform posteriors; the next prior is ``D`` for every agent."""
        self.qs[:] = 1.0 / self.n_states
        self.q_pi[:] = 1.0 / self.n_actions
        self.fresh = True

    def beliefs(self) -> np.ndarray:
        """A float64 copy of every agent's posterior over states, ``(n, states)``."""
        flat = self.qs.transpose(0, 2, 1).reshape(-1, self.n_states)[: self.n]
        return flat.astype(np.float64)

    def policy_posterior(self) -> np.ndarray:
        """A copy of every agent's posterior over policies, ``(n, actions)``."""
        return self.q_pi.transpose(0, 2, 1).reshape(-1, self.n_actions)[: self.n].copy()

    def nbytes(self) -> int:
        """Bytes of the per-agent arrays: posteriors, policy posteriors, observations, actions, ties."""
        arrays = (self.qs, self.q_pi, self.last_action, self._observations, self._actions, self._ties)
        return sum(a.nbytes for a in arrays)

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Step every agent in the compiled kernel; near-ties broken on the host as the dense engine does."""
        self.kernel(observations)
        actions = self._actions[: self.n].copy()
        masks = self._ties[: self.n]
        rows = np.flatnonzero(masks & (masks - 1))  # two or more actions tied
        if rows.size:
            actions[rows] = _break_ties(masks[rows], self.n_actions, rng)
        self.last_action[: self.n] = actions
        self.fresh = False
        return actions

    def kernel(self, observations: np.ndarray, upto: int = 8) -> None:
        """The compiled part of a step alone (``upto`` < 8: a truncated step, for profiling only)."""
        self._observations[: self.n] = observations
        threads = numba.get_num_threads()
        if self.threads is not None:
            numba.set_num_threads(self.threads)
        elif self.n * self.n_states < PARALLEL_MIN_WORK:
            numba.set_num_threads(1)
        try:
            step_blocks(
                self._observations,
                self.qs,
                self.q_pi,
                self.last_action,
                self.fresh,
                self._actions,
                self._ties,
                *self._model_arrays,
                upto,
            )
        finally:
            numba.set_num_threads(threads)
