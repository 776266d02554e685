"""A world's generative model kept sparse: memory O(states x actions), never the dense A or B.

In a grid world each (state, action) has exactly one successor and each state emits at most five
observations (itself and its open neighbours), so ``B`` is a successor table and ``A`` a handful of
nonzeros per column. The population engine steps on these arrays; a 100x100 world (10,000 states)
takes about 2 MiB here against about 4.8 GB for the dense ``A`` and ``B``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from explorer.checks import check_instance
from explorer.model import MODEL_CACHE_SIZE
from explorer.world import ACTIONS, GridWorld

#: pymdp legacy's ``EPS_VAL``, added inside every ``log`` (``spm_log_single``).
LOG_EPS = 1e-16
#: ``spm_MDP_G`` takes ``log(A + exp(-16))`` for each state's ambiguity.
INFO_GAIN_EPS = float(np.exp(-16))


@dataclass(frozen=True)
class SparseModel:
    """The arrays one step of every agent needs, in O(states x actions) memory, read-only.

    ``A`` appears twice, by observation (which states emit ``o``, for the likelihood of an
    observation) and by state (which observations ``s`` emits, to predict observations); rows are
    padded to ``width`` entries, the first ``*_count[row]`` of them real.
    """

    world: GridWorld
    #: ``successors[s, u]``: the state reached from ``s`` by action ``u`` (``B``'s one 1 per column)
    successors: np.ndarray
    #: ``emitters[o, k]``, ``emitter_probs[o, k] = A[o, emitters[o, k]]``, ``emitter_count[o]``
    emitters: np.ndarray
    emitter_probs: np.ndarray
    emitter_count: np.ndarray
    #: ``emissions[s, k]``, ``emission_probs[s, k] = A[emissions[s, k], s]``, ``emission_count[s]``
    emissions: np.ndarray
    emission_probs: np.ndarray
    emission_count: np.ndarray
    #: log-preferences over observations (as ``GenerativeModel.C``) and the prior over the start
    C: np.ndarray
    D: np.ndarray
    #: ``ln(softmax(C) + eps) @ A``: expected utility folded into one weight per state
    utility_weights: np.ndarray
    #: ``sum_o A[o, s] ln(A[o, s] + exp(-16))``: each state's negative ambiguity, as ``spm_MDP_G``
    neg_ambiguity: np.ndarray
    #: ``ln(E + eps)``, ``E`` uniform over the one-step policies
    log_policy_prior: np.ndarray

    @property
    def n_states(self) -> int:
        """Number of hidden states (and of observations)."""
        return self.successors.shape[0]

    @property
    def n_actions(self) -> int:
        """Number of actions."""
        return self.successors.shape[1]

    @property
    def nbytes(self) -> int:
        """Bytes of every array held."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))

    def dense_A(self) -> np.ndarray:
        """``A`` as a dense ``(observations, states)`` array: for tests and small worlds only."""
        A = np.zeros((self.n_states, self.n_states))
        for s in range(self.n_states):
            count = self.emission_count[s]
            A[self.emissions[s, :count], s] = self.emission_probs[s, :count]
        return A


def build_sparse_model(world: GridWorld) -> SparseModel:
    """The sparse model of ``world``, from a keyed cache bounded like the dense model's."""
    check_instance("world", world, GridWorld, "a GridWorld")
    return _sparse_model_for(world)


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _sparse_model_for(world: GridWorld) -> SparseModel:
    n, n_actions = world.n_states, len(ACTIONS)
    successors = np.array([[world.move(s, u) for u in range(n_actions)] for s in range(n)], dtype=np.int32)
    columns = []
    for state in range(n):
        emitted = sorted(world.observation_probabilities(state).items())  # by observation, as A's rows
        total = 0.0
        for _, p in emitted:  # summed in row order, as the dense model's A.sum(axis=0)
            total += p
        columns.append([(obs, p / total) for obs, p in emitted])
    width = max(len(column) for column in columns)
    emissions, emission_probs, emission_count = _padded(columns, width)
    rows: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for state, column in enumerate(columns):
        for obs, p in column:
            rows[obs].append((state, p))
    emitters, emitter_probs, emitter_count = _padded(rows, max(len(row) for row in rows))

    distances = [world.distance_to_goal(s) for s in range(n)]
    farthest = max(d for d in distances if d is not None)
    # as the dense model: cells the agent can never be in (walls) are the least preferred of all
    C = -np.array([farthest + 1 if d is None else d for d in distances], dtype=float)
    D = np.zeros(n)
    D[world.start] = 1.0
    shifted = np.exp(C - C.max())
    log_preference = np.log(shifted / shifted.sum() + LOG_EPS)
    utility_weights = np.zeros(n)
    neg_ambiguity = np.zeros(n)
    for state, column in enumerate(columns):
        for obs, p in column:
            utility_weights[state] += log_preference[obs] * p
            neg_ambiguity[state] += p * np.log(p + INFO_GAIN_EPS)
    model = SparseModel(
        world=world,
        successors=successors,
        emitters=emitters,
        emitter_probs=emitter_probs,
        emitter_count=emitter_count,
        emissions=emissions,
        emission_probs=emission_probs,
        emission_count=emission_count,
        C=C,
        D=D,
        utility_weights=utility_weights,
        neg_ambiguity=neg_ambiguity,
        log_policy_prior=np.log(np.full(n_actions, 1.0 / n_actions) + LOG_EPS),
    )
    for value in vars(model).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return model


def _padded(rows: list[list[tuple[int, float]]], width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(index, value)`` rows as padded arrays (padding repeats a row's first entry) and their counts."""
    indices = np.zeros((len(rows), width), dtype=np.int32)
    values = np.zeros((len(rows), width))
    counts = np.zeros(len(rows), dtype=np.int32)
    for r, row in enumerate(rows):
        counts[r] = len(row)
        for k in range(width):
            indices[r, k], values[r, k] = row[min(k, len(row) - 1)]
    return indices, values, counts


def predecessor_table(successors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``predecessors[u, t, :count[u, t]]``: the states that action ``u`` takes to ``t``, ascending."""
    n_states, n_actions = successors.shape
    count = np.zeros((n_actions, n_states), dtype=np.int32)
    for u in range(n_actions):
        count[u] = np.bincount(successors[:, u], minlength=n_states)
    table = np.zeros((n_actions, n_states, max(1, int(count.max()))), dtype=np.int32)
    for u in range(n_actions):
        order = np.argsort(successors[:, u], kind="stable")  # by target, sources ascending
        starts = np.concatenate(([0], np.cumsum(count[u])[:-1]))
        slots = np.arange(n_states) - np.repeat(starts, count[u])
        table[u, successors[order, u], slots] = order
    return table, count


def break_ties(masks: np.ndarray, n_actions: int, rng: np.random.Generator | None) -> np.ndarray:
    """One of each row's tied actions, drawn exactly as :func:`~explorer.population.dense.select_actions`.

    With ``rng``: the tied action with the largest of ``rng.random((rows, actions))``. Without: the
    ``k``-th tied action in index order, ``k = np.random.randint(0, ties)`` per row (pymdp legacy's
    ``np.random.choice`` over the tied actions, agent by agent).
    """
    tied = ((masks[:, None] >> np.arange(n_actions)) & 1).astype(bool)
    if rng is None:
        draws = np.random.randint(0, tied.sum(axis=1))
        rank = np.cumsum(tied, axis=1) - 1  # each tied action's place among its row's tied ones
        return np.argmax(tied & (rank == draws[:, None]), axis=1)
    return np.where(tied, rng.random(tied.shape), -1.0).argmax(axis=1)
