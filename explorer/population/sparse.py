"""The sparse engine: every agent's step fused in one compiled loop over the sparse model.

Per agent it holds the posterior over states, the policy posterior and the last action (the next
prior is recomputed from them in the step: O(states) work, and no second ``(n, states)`` array, so
10,000 agents in a 10,000-state world hold 800 MB of beliefs and nothing more of that size).
Importing this module imports numba (about 0.5 s; its compiled step comes from the on-disk cache).
"""

from __future__ import annotations

import numba
import numpy as np

from explorer.population.kernel import step_agents
from explorer.population.sparse_model import break_ties, build_sparse_model, predecessor_table
from explorer.world import GridWorld

#: Agents per parallel block: each block allocates four ``states``-long scratch arrays.
BLOCK = 256
#: Below this many agent-states per step (n x states) the kernel runs on one thread. On this shared
#: 2-core machine under load a second thread cost 5-20 ms per step to wake and made 100,000 agents
#: on 5x5 (2.5 M agent-states) 3x slower (measured, see notebook 05's thread scaling): only steps
#: of many seconds use numba's threads (``numba.set_num_threads``; ``NUMBA_NUM_THREADS``).
PARALLEL_MIN_WORK = 50_000_000


class SparseBackend:
    """Beliefs of ``n`` agents on one world's :class:`SparseModel`, stepped by the compiled kernel."""

    def __init__(self, world: GridWorld, n: int) -> None:
        self.model = build_sparse_model(world)
        self.n_states, self.n_actions = self.model.n_states, self.model.n_actions
        self._successors_by_action = np.ascontiguousarray(self.model.successors.T)
        self._predecessors, self._predecessor_count = predecessor_table(self.model.successors)
        self._utility_by_action = np.ascontiguousarray(self.model.utility_weights[self._successors_by_action])
        self.qs = np.empty((n, self.n_states))
        self.q_pi = np.empty((n, self.n_actions))
        self.last_action = np.zeros(n, dtype=np.intp)
        self.fresh = np.ones(n, dtype=np.bool_)
        self._actions = np.empty(n, dtype=np.intp)
        self._ties = np.empty(n, dtype=np.int64)  # bit mask of the actions tied for best
        #: numba threads for the step: None picks 1 below ``PARALLEL_MIN_WORK``, else numba's count
        self.threads: int | None = None
        self.reset()

    def reset(self) -> None:
        """Uniform posteriors; the next prior is ``D`` for every agent."""
        self.qs[:] = 1.0 / self.n_states
        self.q_pi[:] = 1.0 / self.n_actions
        self.fresh[:] = True

    def beliefs(self) -> np.ndarray:
        """A copy of every agent's posterior over states, ``(n, states)``."""
        return self.qs.copy()

    def policy_posterior(self) -> np.ndarray:
        """A copy of every agent's posterior over policies, ``(n, actions)``."""
        return self.q_pi.copy()

    def nbytes(self) -> int:
        """Bytes of the per-agent arrays: posteriors, policy posteriors, last actions and flags."""
        arrays = (self.qs, self.q_pi, self.last_action, self.fresh, self._actions, self._ties)
        return sum(a.nbytes for a in arrays)

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Step every agent in the compiled kernel; near-ties broken on the host as the dense engine does."""
        self.kernel(observations)
        actions = self._actions.copy()
        masks = self._ties
        rows = np.flatnonzero(masks & (masks - 1))  # two or more actions tied
        if rows.size:
            actions[rows] = break_ties(masks[rows], self.n_actions, rng)
        self.last_action[:] = actions
        self.fresh[:] = False
        return actions

    def kernel(self, observations: np.ndarray, upto: int = 3) -> None:
        """The compiled part of a step alone (``upto`` < 3: a truncated step, for profiling only)."""
        threads = numba.get_num_threads()
        if self.threads is not None:
            numba.set_num_threads(self.threads)
        elif len(self.qs) * self.n_states < PARALLEL_MIN_WORK:
            numba.set_num_threads(1)
        try:
            self._step(observations, upto)
        finally:
            numba.set_num_threads(threads)

    def _step(self, observations: np.ndarray, upto: int) -> None:
        m = self.model
        step_agents(
            observations,
            self.qs,
            self.q_pi,
            self.last_action,
            self.fresh,
            self._actions,
            self._ties,
            m.successors,
            self._successors_by_action,
            self._predecessors,
            self._predecessor_count,
            self._utility_by_action,
            m.emitters,
            m.emitter_probs,
            m.emitter_count,
            m.emissions,
            m.emission_probs,
            m.emission_count,
            m.D,
            m.utility_weights,
            m.neg_ambiguity,
            m.log_policy_prior,
            BLOCK,
            upto,
        )
