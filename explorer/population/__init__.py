"""A population: ``n`` agents sharing one model (any :class:`~explorer.pomdp.model.Model`, or a grid
world), stepped all at once on arrays.

Each agent computes what pymdp's legacy ``Agent`` computes for it. For a grid world the engines are
``lanes`` (agents side by side in SIMD lanes over the world's sparse model,
``explorer.population.lanes``; needs numba to compile its kernel once, not to load it), ``sparse``
(the compiled loop agent by agent that it replaced, ``explorer.population.sparse``; kept as a variant
to compare), ``dense`` (numpy matrix products over the dense model, ``explorer.population.dense``;
imports numpy only; the reference every speed-up is measured against) and ``jax`` (pymdp's own
batched agent, ``explorer.population.pymdp_jax``). For any
model they are those of :data:`explorer.population.engine.MODEL_ENGINES` (``numpy``:
``explorer.population.numpy_engine``, imports numpy only). ``auto`` picks per population.
"""

from __future__ import annotations

import numpy as np

from explorer.checks import check_choice, check_int
from explorer.limits import check_memory
from explorer.pomdp.model import Model
from explorer.population.engine import MODEL_ENGINES, engine_class
from explorer.world import ACTIONS, GridWorld

#: Engines for a grid world (``auto`` included).
BACKENDS: tuple[str, ...] = ("auto", "lanes", "sparse", "dense", "jax")
#: Engines that need numba (an optional dependency).
NUMBA_BACKENDS = ("lanes", "sparse")
#: Float types the beliefs may be held in: float32 by the lanes engine only (a measured option).
DTYPES = ("float64", "float32")
#: ``auto`` for a Model: the last engine here whose least population ``n`` reaches. An engine that
#: pays only for many agents (a compile to repay) joins with the size from which it measured faster.
#: numba from 10,000 agents: on the T-maze (n = 100,000, CPU time of one thread, loaded 2-core
#: machine) it steps an agent in about 0.37 us (0.85 us before its policy prefixes shared their terms)
#: against numpy's 7.4 us, but its first step in a fresh process loads the compiled kernel from
#: numba's disk cache (about 6 s at load 12; about 100 s to compile it when the cache is empty, once
#: per install): at 10,000 agents a warm-cache load is repaid in about 100 steps.
AUTO_MODEL: tuple[tuple[str, int], ...] = (("numpy", 1), ("numba", 10_000))
#: ``auto`` takes a compiled engine from this many agent-states per step (n x states) up, or for
#: worlds past ``AUTO_DENSE_MAX_STATES``; below, the dense one, whose cold start skips numba's
#: ~0.5 s import (a population of 1,000 agents on 5x5 repays that import in about 200 steps).
AUTO_SPARSE_WORK = 25_000
AUTO_DENSE_MAX_STATES = 100
#: The compiled engine ``auto`` takes: lanes up to this many states (a 100x100 world), sparse beyond,
#: where lanes was not measured. Measured at 5x5 to 100x100 (wall time per agent-step, both engines on
#: both cores, interleaved, idle 2-core machine, since lanes computes each agent's own action's prior):
#: lanes 103 against sparse 460 ns at 25 states (n = 100,000), 199 against 612 at 100, 567 against
#: 1,172 at 400, 3.98 against 6.43 us at 2,500 and 17.1 against 30.1 us at 10,000.
AUTO_LANES_MAX_STATES = 10_000


def resolve_model_backend(backend: str, n: int) -> str:
    """The engine ``backend`` names for ``n`` agents of a Model (``auto``: by :data:`AUTO_MODEL`)."""
    if backend != "auto":
        return backend
    reached = [name for name, least in AUTO_MODEL if n >= least and name in MODEL_ENGINES]
    if reached[-1] == "numba" and not _numba_installed():
        reached.pop()  # numba is optional: without it the numpy engine steps every population
    return reached[-1]


def resolve_backend(backend: str, n: int, n_states: int) -> str:
    """The engine ``backend`` names for ``n`` agents in a world of ``n_states`` (``auto`` resolved).

    The lanes and sparse engines need numba (an optional dependency): without it ``auto`` takes the
    dense engine where that can hold the world, and asking for either says what to install.
    """
    compiled = backend in NUMBA_BACKENDS or (
        backend == "auto" and (n * n_states >= AUTO_SPARSE_WORK or n_states > AUTO_DENSE_MAX_STATES)
    )
    if compiled and not _numba_installed():
        if backend == "auto" and n_states <= AUTO_DENSE_MAX_STATES:
            return "dense"
        chosen = f"auto chose it for a world of {n_states:,} states; " if backend == "auto" else ""
        name = backend if backend != "auto" else "lanes" if n_states <= AUTO_LANES_MAX_STATES else "sparse"
        raise ModuleNotFoundError(
            f"the {name} engine needs numba, which is not installed ({chosen}pip install numba, or "
            "explorer's 'measure' extra), or pass backend='dense'",
            name="numba",
        )
    if backend != "auto":
        return backend
    if not compiled:
        return "dense"
    return "lanes" if n_states <= AUTO_LANES_MAX_STATES else "sparse"


def _numba_installed() -> bool:
    """Whether numba is installed, found without importing it (about 0.3 s): the lanes engine loads its
    compiled kernel without numba once it is cached, the sparse engine imports numba next anyway."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


class Population:
    """``n`` active-inference agents sharing ``model``; ``step`` takes one observation per agent.

    ``model`` is an :class:`explorer.Model` (``step`` takes ``(n, n_modalities)`` ints and returns
    ``(n, n_factors)`` actions; ``beliefs`` is one ``(n, n_states[f])`` array per factor) or a
    :class:`GridWorld` (``(n,)`` observations and actions, ``beliefs`` one ``(n, states)`` array).
    ``backend`` is ``auto`` or an engine: for a grid world one of :data:`BACKENDS` (``auto``:
    :func:`resolve_backend`), for a Model one of ``MODEL_ENGINES`` (``auto``: :func:`resolve_model_backend`);
    ``population.backend`` holds the engine chosen.

    Spawning allocates a few ``(n, ...)`` arrays and no Python object per agent, after checking
    their bytes against :func:`explorer.limits.memory_limit`. Ties between best actions and
    stochastic actions are drawn from the population's own generator, seeded by ``seed``; with
    ``legacy_rng=True`` (alias ``legacy_ties``) from numpy's global RNG instead, drawing exactly what
    ``n`` pymdp legacy agents stepped in order would draw, so that their actions can be reproduced
    one for one. A ``step`` that raises leaves the population (and the generator) as it was.
    ``dtype="float32"`` holds a grid's beliefs in float32 (the lanes engine only; sums and logs stay
    float64): about half the bytes per agent, beliefs within 2e-7 of pymdp legacy instead of 1e-8
    (``explorer.population.lanes.FLOAT32_TOLERANCE``).
    """

    __slots__ = ("world", "model", "backend", "_n", "_rng", "_engine")

    def __init__(
        self,
        model: Model | GridWorld,
        n: int,
        *,
        backend: str = "auto",
        seed: int | None = 0,
        legacy_rng: bool = False,
        legacy_ties: bool | None = None,
        dtype: str = "float64",
    ) -> None:
        if not isinstance(model, (Model, GridWorld)):
            raise TypeError(
                f"model must be an explorer.Model or a GridWorld, got {model!r} ({type(model).__name__})"
            )
        n = check_int("n", n, low=1)
        if seed is not None:
            seed = check_int("seed", seed, low=0)
        for name, flag in (("legacy_rng", legacy_rng), ("legacy_ties", legacy_ties)):
            if flag.__class__ is not bool and (flag is not None or name == "legacy_rng"):
                raise TypeError(f"{name} must be a bool, got {flag!r} ({type(flag).__name__})")
        if legacy_ties is not None and legacy_rng and not legacy_ties:
            raise ValueError("legacy_ties is an alias of legacy_rng: give one, or the same value to both")
        legacy = legacy_rng or bool(legacy_ties)
        check_choice("dtype", dtype, DTYPES)
        if isinstance(model, GridWorld):
            check_choice("backend", backend, BACKENDS)
            if dtype != "float64" and backend != "lanes":
                raise ValueError(
                    f"dtype={dtype!r} needs backend='lanes' (the one engine that holds float32 beliefs), "
                    f"got backend={backend!r}"
                )
            engine = _grid_engine(model, n, backend, dtype)
            backend = resolve_backend(backend, n, model.n_states)
            self.world, self.model = model, None
        else:
            engines = ("auto", *MODEL_ENGINES)
            if dtype != "float64":
                raise ValueError(
                    f"dtype={dtype!r} is for a GridWorld's lanes engine only; a Model's engines hold float64"
                )
            if isinstance(backend, str) and backend in ("lanes", "sparse", "dense"):
                raise ValueError(
                    f"backend {backend!r} is for a GridWorld only; a Model takes one of {engines!r}"
                )
            check_choice("backend", backend, engines)
            backend = resolve_model_backend(backend, n)
            cls = engine_class(backend)
            per_agent = cls.bytes_per_agent(model)
            check_memory(
                n * per_agent,
                f"Population(n={n:,}) of {model!r} ({backend} engine: {per_agent:,} bytes per agent)",
            )
            engine = cls(model, n)
            self.world, self.model = None, model
        self.backend = backend
        self._n = n
        self._rng = None if legacy else np.random.default_rng(seed)
        self._engine = engine

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        subject = self.model if self.world is None else self.world
        return f"Population({subject!r}, n={self._n}, backend={self.backend!r})"

    def step(self, observations: object) -> np.ndarray:
        """Take one observation per agent, update beliefs, return actions (see the class docstring)."""
        if self.model is None:
            # the lanes engine's threads convert their agents' observations as they copy them in
            convert = self.backend != "lanes"
            observations = _check_observations(observations, self._n, self.world.n_states, convert)
            return self._engine.step(observations, self._rng)
        observations = _check_model_observations(observations, self._n, self.model.n_obs)
        rng = self._rng
        state = np.random.get_state() if rng is None else rng.bit_generator.state
        try:
            return self._engine.step(observations, rng)
        except BaseException:
            if rng is None:
                np.random.set_state(state)
            else:
                rng.bit_generator.state = state
            raise

    @property
    def beliefs(self) -> np.ndarray | tuple[np.ndarray, ...]:
        """Posteriors over states, float64 copies: one ``(n, n_states[f])`` per factor for a Model, one
        ``(n, states)`` array for a grid world; uniform before the first step."""
        return self._engine.beliefs()

    @property
    def policy_posterior(self) -> np.ndarray:
        """Posterior over policies, ``(n, n_policies)`` (a grid's: ``(n, actions)``); uniform at first."""
        return self._engine.policy_posterior()

    @property
    def nbytes(self) -> int:
        """Bytes of the per-agent arrays held: beliefs, policy posteriors, priors or last actions."""
        return self._engine.nbytes()

    def reset(self) -> None:
        """Forget the episode for every agent: back to uniform beliefs and the prior ``D``."""
        self._engine.reset()


def _grid_engine(world: GridWorld, n: int, backend: str, dtype: str) -> object:
    backend = resolve_backend(backend, n, world.n_states)
    # per agent: the lanes and sparse engines hold beliefs, policy posterior, last and argmax actions
    # and tie masks (lanes: the observation too, sparse a flag); the dense one beliefs, next priors and
    # policy posteriors (float64)
    n_states, n_actions = world.n_states, len(ACTIONS)
    per_agent = {
        "lanes": n_states * np.dtype(dtype).itemsize + (n_actions + 4) * 8,
        "sparse": (n_states + n_actions + 3) * 8 + 1,
    }.get(backend, (2 * n_states + n_actions) * 8)
    check_memory(
        n * per_agent,
        f"Population(n={n:,}) in a world of {n_states:,} states ({backend} engine: "
        f"{per_agent:,} bytes per agent)",
    )
    if backend == "lanes":
        from explorer.population.lanes import LanesBackend

        return LanesBackend(world, n, np.dtype(dtype).type)
    if backend == "sparse":
        from explorer.population.sparse import SparseBackend

        return SparseBackend(world, n)
    from explorer.model import build_model

    model = build_model(world)  # dense A and B: only these two engines need them
    if backend == "dense":
        from explorer.population.dense import NumpyBackend

        return NumpyBackend(model, n)
    from explorer.population.pymdp_jax import JaxBackend

    return JaxBackend(model, n)


def _check_model_observations(observations: object, n: int, n_obs: tuple[int, ...]) -> np.ndarray:
    shape = (n, len(n_obs))
    if isinstance(observations, np.ma.MaskedArray):
        raise TypeError(
            f"observations must be a plain int array of shape {shape}, got a masked array "
            "(its mask would be ignored)"
        )
    array = observations if isinstance(observations, np.ndarray) else _as_array(observations, shape)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"observations must be integers (an int array of shape {shape}, one row per agent and "
            f"a column per modality), got dtype {array.dtype}"
        )
    if array.shape != shape:
        raise ValueError(
            f"observations must have shape {shape}, one row per agent and a column per modality, "
            f"got shape {array.shape}"
        )
    for m, count in enumerate(n_obs):
        bad = np.flatnonzero((array[:, m] < 0) | (array[:, m] >= count))
        if bad.size:
            agent = int(bad[0])
            raise ValueError(
                f"observations[:, {m}] (modality {m}) must be in [0, {count - 1}], got "
                f"{int(array[agent, m])} for agent {agent} ({bad.size} out of range)"
            )
    return np.ascontiguousarray(array, dtype=np.intp)


def _check_observations(observations: object, n: int, n_obs: int, convert: bool = True) -> np.ndarray:
    if isinstance(observations, np.ma.MaskedArray):
        raise TypeError(
            f"observations must be a plain int array of shape ({n},), got a masked array "
            "(its mask would be ignored)"
        )
    array = observations if isinstance(observations, np.ndarray) else _as_array(observations, (n,))
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"observations must be integers (an int array of shape ({n},)), got dtype {array.dtype}"
        )
    if array.shape != (n,):
        raise ValueError(f"observations must have shape ({n},), one per agent, got shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= n_obs):  # two passes, no temporary arrays
        bad = np.flatnonzero((array < 0) | (array >= n_obs))
        first = int(bad[0])
        raise ValueError(
            f"observations must be in [0, {n_obs - 1}], got {int(array[first])} at index {first} "
            f"({bad.size} out of range)"
        )
    return array.astype(np.intp, copy=False) if convert else array


def _as_array(observations: object, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.asarray(observations)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(
            f"observations must be an int array of shape {shape}, got {observations!r:.80} ({error})"
        ) from None
