"""The generative model (A, B, C, D) of a grid world, built once per world and shared read-only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from explorer.checks import check_instance
from explorer.world import ACTIONS, GridWorld

#: How many worlds' models are kept; each 5x5 model is about 6 KiB, a 20x20 one about 7 MiB.
MODEL_CACHE_SIZE = 32


@dataclass(frozen=True)
class GenerativeModel:
    """The arrays pymdp needs, read-only so that every agent in a world can share them.

    ``A[o, s] = P(o | s)``; ``B[s', s, a] = P(s' | s, a)``; ``C[o]`` log-preference over
    observations (0 at the goal, minus the number of moves elsewhere); ``D[s]`` the prior over
    the start state.
    """

    world: GridWorld
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    D: np.ndarray

    @property
    def n_states(self) -> int:
        """Number of hidden states (and of observations)."""
        return self.B.shape[0]

    @property
    def n_actions(self) -> int:
        """Number of actions, one per entry of ``ACTIONS``."""
        return self.B.shape[2]


def build_model(world: GridWorld) -> GenerativeModel:
    """The generative model of ``world``, from a keyed cache bounded at ``MODEL_CACHE_SIZE`` worlds."""
    check_instance("world", world, GridWorld, "a GridWorld")
    return _model_for(world)


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _model_for(world: GridWorld) -> GenerativeModel:
    n = world.n_states
    A = np.zeros((n, n))
    for state in range(n):
        for obs, p in world.observation_probabilities(state).items():
            A[obs, state] = p
    A /= A.sum(axis=0, keepdims=True)

    B = np.zeros((n, n, len(ACTIONS)))
    for state in range(n):
        for action in range(len(ACTIONS)):
            B[world.move(state, action), state, action] = 1.0

    distances = [world.distance_to_goal(s) for s in range(n)]
    farthest = max(d for d in distances if d is not None)
    # Cells the agent can never be in (walls) are the least preferred of all.
    C = -np.array([farthest + 1 if d is None else d for d in distances], dtype=float)

    D = np.zeros(n)
    D[world.start] = 1.0

    for array in (A, B, C, D):
        array.setflags(write=False)
    return GenerativeModel(world=world, A=A, B=B, C=C, D=D)


def clear_model_cache() -> None:
    """Forget every cached model (for memory measurements that must start cold)."""
    _model_for.cache_clear()
