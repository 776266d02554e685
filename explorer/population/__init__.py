"""A population: ``n`` explorer agents in one world, stepped all at once on arrays.

Each agent computes what pymdp's legacy ``Agent`` computes for it (see ``explorer.population.dense``);
the ``jax`` backend runs pymdp's own batched agent instead (see ``explorer.population.pymdp_jax``).
"""

from __future__ import annotations

import numpy as np

from explorer.checks import check_choice, check_instance, check_int
from explorer.limits import check_memory
from explorer.model import build_model
from explorer.world import ACTIONS, GridWorld

BACKENDS: tuple[str, ...] = ("numpy", "jax")


class Population:
    """``n`` active-inference agents sharing ``world``'s model; ``step`` takes one observation each.

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
        backend: str = "numpy",
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
        check_memory(
            n * (2 * world.n_states + len(ACTIONS)) * 8,
            f"Population(n={n:,}) in a world of {world.n_states:,} states (beliefs, priors and "
            "policy posteriors: float64 per agent, as the numpy engine holds them)",
        )
        model = build_model(world)
        if backend == "numpy":
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
        """Bytes of the arrays held: beliefs, policy posteriors, priors (for jax also its model copies)."""
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
