"""A population: ``n`` explorer agents in one world, stepped all at once on arrays.

Each agent computes what pymdp's legacy ``Agent`` computes for it. Engines: ``sparse`` (a compiled
loop over the world's sparse model, ``explorer.population.sparse``; imports numba), ``dense`` (numpy
matrix products over the dense model, ``explorer.population.dense``; imports numpy only) and ``jax``
(pymdp's own batched agent, ``explorer.population.pymdp_jax``). ``auto`` picks per population.
"""

from __future__ import annotations

import numpy as np

from explorer.checks import check_choice, check_instance, check_int
from explorer.limits import check_memory
from explorer.world import ACTIONS, GridWorld

BACKENDS: tuple[str, ...] = ("auto", "sparse", "dense", "jax")
#: ``auto`` takes the sparse engine from this many agent-states per step (n x states) up, or for
#: worlds past ``AUTO_DENSE_MAX_STATES``; below, the dense one, whose cold start skips numba's
#: ~0.5 s import (a population of 1,000 agents on 5x5 repays that import in about 200 steps).
AUTO_SPARSE_WORK = 25_000
AUTO_DENSE_MAX_STATES = 100


def resolve_backend(backend: str, n: int, n_states: int) -> str:
    """The engine ``backend`` names for ``n`` agents in a world of ``n_states`` (``auto`` resolved)."""
    if backend != "auto":
        return backend
    if n * n_states >= AUTO_SPARSE_WORK or n_states > AUTO_DENSE_MAX_STATES:
        return "sparse"
    return "dense"


class Population:
    """``n`` active-inference agents sharing ``world``'s model; ``step`` takes one observation each.

    ``backend`` is one of :data:`BACKENDS`; ``auto`` (the default) resolves with
    :func:`resolve_backend`, and ``population.backend`` holds the engine chosen.

    Spawning allocates a few ``(n, states)`` arrays and no Python object per agent. Exact ties
    between best actions are broken with the population's own generator, seeded by ``seed``; with
    ``legacy_ties=True`` with numpy's global RNG instead, drawing exactly what ``n`` pymdp legacy
    agents stepped in order would draw, so that their actions can be reproduced one for one.
    """

    __slots__ = ("world", "backend", "_n", "_rng", "_engine")

    def __init__(
        self,
        world: GridWorld,
        n: int,
        *,
        backend: str = "auto",
        seed: int | None = 0,
        legacy_ties: bool = False,
    ) -> None:
        check_instance("world", world, GridWorld, "a GridWorld")
        n = check_int("n", n, low=1)
        check_choice("backend", backend, BACKENDS)
        if seed is not None:
            seed = check_int("seed", seed, low=0)
        if legacy_ties.__class__ is not bool:
            raise TypeError(f"legacy_ties must be a bool, got {legacy_ties!r} ({type(legacy_ties).__name__})")
        backend = resolve_backend(backend, n, world.n_states)
        # per agent: the sparse engine holds beliefs, policy posterior, last and argmax actions, tie
        # masks and a flag; the dense one beliefs, next priors and policy posteriors (float64)
        n_states, n_actions = world.n_states, len(ACTIONS)
        per_agent = (
            (n_states + n_actions + 3) * 8 + 1 if backend == "sparse" else (2 * n_states + n_actions) * 8
        )
        check_memory(
            n * per_agent,
            f"Population(n={n:,}) in a world of {n_states:,} states ({backend} engine: "
            f"{per_agent:,} bytes per agent)",
        )
        if backend == "sparse":
            from explorer.population.sparse import SparseBackend

            engine = SparseBackend(world, n)
        else:
            from explorer.model import build_model

            model = build_model(world)  # dense A and B: only these two engines need them
            if backend == "dense":
                from explorer.population.dense import NumpyBackend

                engine = NumpyBackend(model, n)
            else:
                from explorer.population.pymdp_jax import JaxBackend

                engine = JaxBackend(model, n)
        self.world = world
        self.backend = backend
        self._n = n
        self._rng = None if legacy_ties else np.random.default_rng(seed)
        self._engine = engine

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"Population({self.world!r}, n={self._n}, backend={self.backend!r})"

    def step(self, observations: object) -> np.ndarray:
        """Take one observation per agent (ints, shape ``(n,)``), update beliefs, return actions ``(n,)``."""
        observations = _check_observations(observations, self._n, self.world.n_states)
        return self._engine.step(observations, self._rng)

    @property
    def beliefs(self) -> np.ndarray:
        """Posterior over states, shape ``(n, states)``, float64 copy; uniform before the first step."""
        return self._engine.beliefs()

    @property
    def policy_posterior(self) -> np.ndarray:
        """Posterior over the one-step policies, shape ``(n, actions)``; uniform before the first step."""
        return self._engine.policy_posterior()

    @property
    def nbytes(self) -> int:
        """Bytes of the per-agent arrays held: beliefs, policy posteriors, priors or last actions."""
        return self._engine.nbytes()

    def reset(self) -> None:
        """Forget the episode for every agent: back to uniform beliefs and the prior ``D``."""
        self._engine.reset()


def _check_observations(observations: object, n: int, n_obs: int) -> np.ndarray:
    if isinstance(observations, np.ma.MaskedArray):
        raise TypeError(
            f"observations must be a plain int array of shape ({n},), got a masked array "
            "(its mask would be ignored)"
        )
    array = observations if isinstance(observations, np.ndarray) else np.asarray(observations)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"observations must be integers (an int array of shape ({n},)), got dtype {array.dtype}"
        )
    if array.shape != (n,):
        raise ValueError(f"observations must have shape ({n},), one per agent, got shape {array.shape}")
    bad = np.flatnonzero((array < 0) | (array >= n_obs))
    if bad.size:
        first = int(bad[0])
        raise ValueError(
            f"observations must be in [0, {n_obs - 1}], got {int(array[first])} at index {first} "
            f"({bad.size} out of range)"
        )
    return array.astype(np.intp, copy=False)
