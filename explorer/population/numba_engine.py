"""The numba engine for any model: every agent's step in one compiled loop (importing this imports numba).

Per agent it holds the posterior of every factor (end to end), the policy posterior, the last
action per factor and a flag for "no action yet" (the next prior, ``D`` or ``B[f][:, :, a_f] @ qs_f``,
is recomputed in the step). What the step needs from the model and never changes is computed once
per model in :class:`KernelArrays`: the log-likelihood of every observation over the joint states,
the utility and negative ambiguity of every joint state, the transitions laid out per action.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import numba
import numpy as np

from explorer.population.actions import ActionSelection
from explorer.population.model_kernel import LOG_EPS, step_model_agents

TYPE_CHECKING = False
if TYPE_CHECKING:
    from explorer.pomdp.model import Model

#: ``spm_MDP_G``'s epsilon inside the ambiguity's log.
AMBIGUITY_EPS = math.exp(-16)
#: Agents per parallel block: each block allocates a few scratch arrays of the model's size.
BLOCK = 256
#: Below this many joint states x policies x agents per step the kernel runs on one thread: waking
#: a second thread cost milliseconds per step on this loaded 2-core machine (see the grid's sparse engine).
PARALLEL_MIN_WORK = 2_000_000


@dataclass(frozen=True)
class KernelArrays:
    """The model as the compiled step reads it: flat, C-contiguous, read-only, shared by every agent."""

    n_states: np.ndarray  #: int64 (F,): states per factor
    state_offset: np.ndarray  #: int64 (F,): where each factor's states start in an agent's ``qs``
    joint_index: np.ndarray  #: int64 (S, F): each joint state's index in every factor (C order)
    transitions: np.ndarray  #: (F, U, Smax, Smax): ``transitions[f, u, i, j] = B[f][i, j, u]``, zero-padded
    D: np.ndarray  #: (sum of states,): every factor's ``D`` end to end
    log_D: np.ndarray  #: ``ln(D + 1e-16)``
    obs_offset: np.ndarray  #: int64 (M,): where each modality's outcomes start
    log_likelihood: np.ndarray  #: (sum of outcomes, S): ``ln(A[m][o, s] + 1e-16)``
    emission: np.ndarray  #: (S, sum of outcomes): ``A[m][o, s]``
    utility: np.ndarray  #: (S,): ``sum_m ln(softmax(C[m]) + 1e-16) . A[m][:, s]``
    neg_ambiguity: np.ndarray  #: (S,): ``sum_m A[m][:, s] . ln(A[m][:, s] + exp(-16))``
    node_parent: np.ndarray  #: int64 (N,): the prefix each distinct policy prefix extends (-1: none)
    node_actions: np.ndarray  #: int64 (N, F): the actions of a prefix's last step
    node_twin: np.ndarray  #: int64 (N,): an earlier prefix whose prediction is likely the same (-1: none)
    policy_leaf: np.ndarray  #: int64 (P,): the prefix that is the whole policy
    first_action: np.ndarray  #: int64 (P, F): each policy's first action per factor
    control_offset: np.ndarray  #: int64 (F + 1,): where each factor's actions start among all actions
    log_E: np.ndarray  #: (P,): ``ln(E + 1e-16)``

    @property
    def nbytes(self) -> int:
        """Bytes of every array held."""
        return sum(a.nbytes for a in vars(self).values())


def kernel_arrays(model: Model) -> KernelArrays:
    """The :class:`KernelArrays` of ``model`` (an :class:`explorer.Model`), computed in numpy."""
    n_states = tuple(int(s) for s in model.n_states)
    n_joint = reduce(lambda a, b: a * b, n_states, 1)
    joint_index = np.stack(np.unravel_index(np.arange(n_joint), n_states), axis=1).astype(np.int64)
    size, controls = max(n_states), max(b.shape[2] for b in model.B)
    transitions = np.zeros((len(n_states), controls, size, size))
    for f, B in enumerate(model.B):
        transitions[f, : B.shape[2], : B.shape[0], : B.shape[1]] = B.transpose(2, 0, 1)
    A = [a.reshape(a.shape[0], n_joint) for a in model.A]
    emission = np.concatenate(A, axis=0)
    utility = np.zeros(n_joint)
    neg_ambiguity = np.zeros(n_joint)
    for A_m, C_m in zip(A, model.C, strict=True):
        shifted = np.exp(C_m - C_m.max())
        utility += np.log(shifted / shifted.sum() + LOG_EPS) @ A_m
        neg_ambiguity += np.einsum("os,os->s", A_m, np.log(A_m + AMBIGUITY_EPS))
    D = np.concatenate(model.D)
    tree = policy_tree(model.policies)
    arrays = KernelArrays(
        n_states=np.array(n_states, dtype=np.int64),
        state_offset=np.concatenate(([0], np.cumsum(n_states)[:-1])).astype(np.int64),
        joint_index=joint_index,
        transitions=transitions,
        D=D,
        log_D=np.log(D + LOG_EPS),
        obs_offset=np.concatenate(([0], np.cumsum([a.shape[0] for a in A])[:-1])).astype(np.int64),
        log_likelihood=np.log(emission + LOG_EPS),
        emission=np.ascontiguousarray(emission.T),
        utility=utility,
        neg_ambiguity=neg_ambiguity,
        **dict(zip(("node_parent", "node_actions", "policy_leaf"), tree, strict=True)),
        node_twin=prefix_twins(model.B, tree[0], tree[1]),
        first_action=np.ascontiguousarray(model.policies[:, 0, :], dtype=np.int64),
        control_offset=np.concatenate(([0], np.cumsum(model.n_controls))).astype(np.int64),
        log_E=np.log(np.asarray(model.E, dtype=np.float64) + LOG_EPS),
    )
    for array in vars(arrays).values():
        array.setflags(write=False)
    return arrays


def policy_tree(policies: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct prefixes of ``policies`` (P, T, F), shortest first: each one's parent and last actions,
    and the prefix each policy ends at (all arrays int64)."""
    index: dict[tuple, int] = {}
    parents, actions = [], []
    for t in range(policies.shape[1]):
        for policy in policies:
            prefix = tuple(map(tuple, policy[: t + 1].tolist()))
            if prefix not in index:
                index[prefix] = len(parents)
                parents.append(index[prefix[:-1]] if t else -1)
                actions.append(prefix[-1])
    leaves = [index[tuple(map(tuple, policy.tolist()))] for policy in policies]
    as_int = lambda values: np.array(values, dtype=np.int64)  # noqa: E731
    return as_int(parents), as_int(actions).reshape(len(parents), policies.shape[2]), as_int(leaves)


def prefix_twins(B: tuple[np.ndarray, ...], parent: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Per policy prefix, the first earlier one whose actions move every factor's states by the same
    matrix (``B[f][:, :, a_T] @ ... @ B[f][:, :, a_1]``, equal to the last bit), or -1.

    Such prefixes predict the same states from any posterior up to round-off (after any move to a
    fixed place, as the T-maze's, every prefix ending in the same move does); the step checks that
    the predictions agree to the last bit before it takes a twin's terms.
    """
    products: list[tuple[np.ndarray, ...]] = []
    first: dict[bytes, int] = {}
    twins = np.full(len(parent), -1, dtype=np.int64)
    for node, (up, moves) in enumerate(zip(parent.tolist(), actions.tolist(), strict=True)):
        before = products[up] if up >= 0 else tuple(np.eye(b.shape[0]) for b in B)
        products.append(tuple(b[:, :, u] @ p for b, u, p in zip(B, moves, before, strict=True)))
        key = b"".join(p.tobytes() for p in products[-1])
        twins[node] = first.setdefault(key, node)
    twins[twins == np.arange(len(parent))] = -1
    return twins


class NumbaEngine:
    """Beliefs of ``n`` agents sharing one model, stepped by :func:`step_model_agents`.

    A step writes the new posteriors into a second set of arrays and swaps them in once actions
    are selected, so a step that raises changes nothing.
    """

    def __init__(self, model: Model, n: int) -> None:
        self.model = model
        self.arrays = kernel_arrays(model)
        self.selection = ActionSelection.from_model(model)
        total_states, n_policies = int(sum(model.n_states)), len(model.policies)
        self.qs, self._qs_next = np.empty((n, total_states)), np.empty((n, total_states))
        self.q_pi, self._q_pi_next = np.empty((n, n_policies)), np.empty((n, n_policies))
        self.last_action = np.zeros((n, len(model.n_states)), dtype=np.int64)
        self.fresh = np.ones(n, dtype=np.bool_)
        self._best = np.zeros((n, len(model.n_states)), dtype=np.int64)
        self._unsure = np.zeros(n, dtype=np.bool_)
        #: numba threads for the step: None picks 1 below ``PARALLEL_MIN_WORK``, else numba's count
        self.threads: int | None = None
        self.reset()

    @staticmethod
    def bytes_per_agent(model: Model) -> int:
        """Posteriors, policy posteriors twice (current, next); last, best and a step's actions; flags."""
        return 16 * (int(sum(model.n_states)) + len(model.policies)) + 24 * len(model.n_states) + 2

    def reset(self) -> None:
        """Uniform posteriors and policy posteriors; the next prior is ``D`` for every agent."""
        for start, size in zip(self.arrays.state_offset, self.arrays.n_states, strict=True):
            self.qs[:, start : start + size] = 1.0 / size
        self.q_pi[:] = 1.0 / self.q_pi.shape[1]
        self.fresh[:] = True

    def beliefs(self) -> tuple[np.ndarray, ...]:
        """Copies of every factor's posterior, one ``(n, states_f)`` array per factor."""
        return tuple(
            self.qs[:, start : start + size].copy()
            for start, size in zip(self.arrays.state_offset, self.arrays.n_states, strict=True)
        )

    def policy_posterior(self) -> np.ndarray:
        """A copy of every agent's posterior over policies, ``(n, policies)``."""
        return self.q_pi.copy()

    def nbytes(self) -> int:
        """Bytes of the per-agent arrays: posteriors, policy posteriors (both sets), actions, flags."""
        arrays = (self.qs, self._qs_next, self.q_pi, self._q_pi_next, self.last_action, self.fresh)
        arrays += (self._best, self._unsure)
        return sum(a.nbytes for a in arrays)

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Infer states and policies in the compiled kernel, select actions (``(n, factors)``), commit.

        Deterministic selection: the kernel's argmax stands where no other action comes near it;
        the shared selection decides the other agents (ties drawn as legacy draws them, in agent
        order, so handing it those rows alone draws exactly what it would draw for all of them).
        """
        self.kernel(observations)
        if self.model.action_selection == "deterministic":
            actions = self._best.astype(np.intp)
            rows = np.flatnonzero(self._unsure)
            if rows.size:
                actions[rows] = self.selection.select(self._q_pi_next[rows], rng)
        else:
            actions = self.selection.select(self._q_pi_next, rng)
        self.qs, self._qs_next = self._qs_next, self.qs
        self.q_pi, self._q_pi_next = self._q_pi_next, self.q_pi
        self.last_action[:] = actions
        self.fresh[:] = False
        return actions

    def kernel(self, observations: np.ndarray) -> None:
        """The compiled part of a step alone: the next posteriors and policy posteriors, not committed."""
        threads = numba.get_num_threads()
        work = len(self.qs) * self.arrays.joint_index.shape[0] * len(self.arrays.policy_leaf)
        if self.threads is not None:
            numba.set_num_threads(self.threads)
        elif work < PARALLEL_MIN_WORK:
            numba.set_num_threads(1)
        a, m = self.arrays, self.model
        try:
            step_model_agents(
                np.ascontiguousarray(observations, dtype=np.int64),
                self.qs,
                self._qs_next,
                self._q_pi_next,
                self.last_action,
                self.fresh,
                a.n_states,
                a.state_offset,
                a.joint_index,
                a.transitions,
                a.D,
                a.log_D,
                a.obs_offset,
                a.log_likelihood,
                a.emission,
                a.utility,
                a.neg_ambiguity,
                a.node_parent,
                a.node_actions,
                a.node_twin,
                a.policy_leaf,
                a.first_action,
                a.control_offset,
                a.log_E,
                float(m.gamma),
                int(m.num_iter),
                float(m.dF),
                float(m.dF_tol),
                bool(m.use_utility),
                bool(m.use_states_info_gain),
                self._best,
                self._unsure,
                BLOCK,
            )
        finally:
            numba.set_num_threads(threads)
