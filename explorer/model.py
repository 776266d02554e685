"""The generative model (A, B, C, D) of a grid world, built once per world and shared read-only."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from explorer.checks import check_instance
from explorer.limits import check_memory
from explorer.world import ACTIONS, GridWorld

#: How many worlds' models are kept; each 5x5 model is about 31 KB (tracemalloc), a 20x20 one about 7.7 MB.
MODEL_CACHE_SIZE = 32
#: Bytes the cached models may hold together (the most recent model is kept whatever its size).
MODEL_CACHE_BYTES = 512 * 2**20


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

    @property
    def nbytes(self) -> int:
        """Bytes of the four arrays."""
        return self.A.nbytes + self.B.nbytes + self.C.nbytes + self.D.nbytes


def dense_model_bytes(n_states: int) -> int:
    """Bytes of a dense model of ``n_states`` states: ``A`` (S x S), ``B`` (S x S x actions), ``C``, ``D``."""
    return 8 * (n_states * n_states * (1 + len(ACTIONS)) + 2 * n_states)


def build_model(world: GridWorld) -> GenerativeModel:
    """The generative model of ``world``, from a cache bounded at ``MODEL_CACHE_SIZE`` worlds and
    ``MODEL_CACHE_BYTES``; a model above the memory limit (:mod:`explorer.limits`) is refused first."""
    check_instance("world", world, GridWorld, "a GridWorld")
    with _lock:
        model = _cache.get(world)
        if model is not None:
            _cache.move_to_end(world)
            return model
    check_memory(
        dense_model_bytes(world.n_states),
        f"build_model(GridWorld(side={world.side})) (a dense model of {world.n_states:,} states: "
        f"A is S x S and B S x S x {len(ACTIONS)} float64)",
    )
    model = _dense_model(world)
    with _lock:
        model = _cache.setdefault(world, model)
        _cache.move_to_end(world)
        total = sum(m.nbytes for m in _cache.values())
        while len(_cache) > 1 and (len(_cache) > MODEL_CACHE_SIZE or total > MODEL_CACHE_BYTES):
            _, dropped = _cache.popitem(last=False)
            total -= dropped.nbytes
    return model


_cache: OrderedDict[GridWorld, GenerativeModel] = OrderedDict()
_lock = threading.Lock()


def _dense_model(world: GridWorld) -> GenerativeModel:
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
    with _lock:
        _cache.clear()
