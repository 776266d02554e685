"""The generative model (A, B, C, D) of a grid world, built once per world and shared read-only.

It is an :class:`explorer.Model` with one factor and one modality: ``model.A[0]`` is the grid's
``S x S`` observation matrix.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from explorer.checks import check_instance
from explorer.limits import check_memory
from explorer.pomdp.model import Model
from explorer.world import ACTIONS, GridWorld

#: How many worlds' models are kept; each 5x5 model is about 31 KB (tracemalloc), a 20x20 one about 7.7 MB.
MODEL_CACHE_SIZE = 32
#: Bytes the cached models may hold together (the most recent model is kept whatever its size).
MODEL_CACHE_BYTES = 512 * 2**20


class GenerativeModel(Model):
    """A grid world's model, read-only so that every agent in the world can share it.

    ``A[0][o, s] = P(o | s)``; ``B[0][s', s, a] = P(s' | s, a)``; ``C[0][o]`` log-preference over
    observations (0 at the goal, minus the number of moves elsewhere); ``D[0][s]`` the prior over
    the start state. The other settings are pymdp legacy's defaults (one-step policies, argmax actions).
    """

    __slots__ = ("world",)

    world: GridWorld

    def __init__(self, world: GridWorld, A: np.ndarray, B: np.ndarray, C: np.ndarray, D: np.ndarray) -> None:
        check_instance("world", world, GridWorld, "a GridWorld")
        # checked like any model's, but kept without a copy: build_model made them for this model alone
        self._setup((A,), (B,), (C,), (D,), None, copy=False)
        object.__setattr__(self, "world", world)

    @property
    def n_actions(self) -> int:
        """Number of actions, one per entry of ``ACTIONS``."""
        return self.n_controls[0]


def dense_model_bytes(n_states: int) -> int:
    """Bytes of a dense model of ``n_states`` states: ``A`` (S x S), ``B`` (S x S x actions), ``C``, ``D``,
    and the one-step policies and their prior ``E`` (one each per action)."""
    return 8 * (n_states * n_states * (1 + len(ACTIONS)) + 2 * n_states + 2 * len(ACTIONS))


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
    return GenerativeModel(world=world, A=A, B=B, C=C, D=D)


def clear_model_cache() -> None:
    """Forget every cached model (for memory measurements that must start cold)."""
    with _lock:
        _cache.clear()
