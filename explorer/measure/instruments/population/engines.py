"""The engines the throughput table times, each behind one interface: n agents of one model, stepped.

Population engines (``numpy``, ``numba``, ``jax``: pymdp 1.0's batched ``Agent``; ``lanes``, the grid's
default, and ``sparse``, its older kernel: grid worlds only),
loops of per-object agents (``legacy``: pymdp legacy ``Agent`` objects; ``lazy``: ``explorer.LazyAgent``)
and ``rollout``: pymdp 1.0's jitted ``rollout`` of its batched agent in its ``PymdpEnv`` (agent and
world stepped together inside one compiled ``lax.scan``). An engine that is not installed on this
checkout, or does not apply to a model, says why (:func:`unavailable`); it is never replaced by another.
"""

from __future__ import annotations

import time

import numpy as np

#: Every engine of the table, in the order it is shown.
ENGINES = ("numpy", "numba", "lanes", "sparse", "jax", "rollout", "legacy", "lazy")
#: Population engines that take a grid world only.
GRID_ENGINES = ("lanes", "sparse")

#: What each engine is, for the table's protocol.
LABELS = {
    "numpy": "explorer Population, numpy engine",
    "numba": "explorer Population, numba engine",
    "lanes": "explorer Population, the grid's lanes engine (agents side by side; grid worlds only; default)",
    "sparse": "explorer Population, the grid's sparse numba engine (grid worlds only)",
    "jax": "pymdp 1.0 batched JAX Agent (explorer Population, jax engine)",
    "rollout": "pymdp 1.0 jitted rollout (agent and PymdpEnv in one lax.scan; the world's steps included)",
    "legacy": "a Python loop of pymdp legacy Agents (infer_states, infer_policies, sample_action)",
    "lazy": "a Python loop of explorer.LazyAgent",
}

#: Engines stepping one Python object per agent: measured only at small n (never extrapolated).
LOOPS = ("legacy", "lazy")


def unavailable(engine: str, model: object) -> str:
    """Why ``engine`` cannot run ``model`` on this checkout; empty when it can."""
    from explorer.population.engine import MODEL_ENGINES

    if engine in ("numpy", "numba", "jax") and engine not in MODEL_ENGINES:
        if engine == "jax" and getattr(model, "world", None) is not None:
            return ""  # the grid's own jax backend
        return f"no {engine!r} engine for any Model on this checkout (explorer.population.engine)"
    if engine in GRID_ENGINES and getattr(model, "world", None) is None:
        return f"the {engine} engine takes grid worlds only"
    if engine == "lazy":
        import explorer

        if "LazyAgent" not in explorer.__all__:
            return "no explorer.LazyAgent on this checkout"
    if engine == "rollout":
        return _rollout_unavailable(model)
    return ""


class Handle:
    """``n`` agents of one engine: ``step(observations (n, M)) -> actions (n, F)``, ``nbytes()``."""

    def __init__(self, step, nbytes, beliefs) -> None:
        self.step, self.nbytes, self.beliefs = step, nbytes, beliefs


def build(engine: str, model: object, n: int, seed: int, steps: int = 3) -> Handle:
    """``n`` agents of ``engine`` for ``model``; raises MemoryError above the limit, before allocating
    (a rollout is checked for ``steps`` steps, the length it will be timed over)."""
    if engine in ("numpy", "numba", "jax", *GRID_ENGINES):
        return _population(engine, model, n, seed)
    if engine == "legacy":
        return _legacy_loop(model, n)
    if engine == "lazy":
        return _lazy_loop(model, n)
    if engine == "rollout":
        return _rollout(model, n, seed, steps)
    raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")


def _population(engine: str, model: object, n: int, seed: int) -> Handle:
    from explorer.population import Population
    from explorer.population.engine import MODEL_ENGINES

    grid = engine in GRID_ENGINES or (engine == "jax" and "jax" not in MODEL_ENGINES)
    population = Population(model.world if grid else model, n, backend=engine, seed=seed)
    if grid:

        def step(observations: np.ndarray) -> np.ndarray:
            return population.step(observations[:, 0])[:, None]

        return Handle(step, lambda: population.nbytes, lambda: (population.beliefs,))
    return Handle(population.step, lambda: population.nbytes, lambda: tuple(population.beliefs))


def _legacy_loop(model: object, n: int) -> Handle:
    from explorer.legacy import build_legacy_agent

    agents = [build_legacy_agent(model) for _ in range(n)]

    def step(observations: np.ndarray) -> np.ndarray:
        actions = []
        for agent, row in zip(agents, observations.tolist(), strict=True):
            agent.infer_states(row)
            agent.infer_policies()
            actions.append(agent.sample_action())
        return np.asarray(actions, dtype=np.intp)

    def beliefs() -> tuple[np.ndarray, ...]:
        return tuple(np.array([a.qs[f] for a in agents]) for f in range(model.n_factors))

    return Handle(step, lambda: 0, beliefs)


def _lazy_loop(model: object, n: int) -> Handle:
    import explorer

    agents = [explorer.LazyAgent(model) for _ in range(n)]
    one = model.n_modalities == 1

    def step(observations: np.ndarray) -> np.ndarray:
        rows = observations[:, 0].tolist() if one else observations.tolist()
        return np.asarray([agent.step(row) for agent, row in zip(agents, rows, strict=True)], dtype=np.intp)

    def beliefs() -> tuple[np.ndarray, ...]:
        return tuple(np.array([a.beliefs[f] for a in agents]) for f in range(model.n_factors))

    return Handle(step, lambda: 0, beliefs)


def _rollout_unavailable(model: object) -> str:
    try:
        import pymdp.envs.rollout  # noqa: F401
    except ImportError:
        return "pymdp.envs.rollout is not installed"
    if _batched_agent_factory(model) is None:
        return "no pymdp batched agent configured as legacy for this model on this checkout"
    return ""


def _batched_agent_factory(model: object):
    """The function building pymdp's batched Agent configured as legacy for ``model`` (None: none here)."""
    from explorer.population.engine import MODEL_ENGINES

    if "jax" in MODEL_ENGINES:  # a grid world's model too (one factor, one modality)
        from explorer.population.jax_engine import legacy_equivalent_agent

        return legacy_equivalent_agent
    return None


#: pymdp's ``rollout`` jitted once per process (the agent traced; its world and the step count static).
_compiled_rollout = None
#: The worlds of the last few models rolled out, kept so that jit's cache knows them (keyed by model and
#: dtype; a table interleaves four models, and a new world object is a new static argument: a compile).
_ENVIRONMENTS: dict = {}
#: How many models' worlds and XLA counts are kept.
_KEPT_MODELS = 8


class _Rollout:
    """pymdp's ``rollout`` over ``steps`` steps, jitted once per (n, steps); times whole rollouts."""

    def __init__(self, model: object, n: int, seed: int) -> None:
        import jax
        import jax.numpy as jnp
        from pymdp.envs.env import PymdpEnv
        from pymdp.envs.rollout import rollout

        self.agent = _batched_agent_factory(model)(model, n)
        dtype = self.agent.A[0].dtype
        if (model, dtype) not in _ENVIRONMENTS:  # the same env object: a static argument jit has seen
            if len(_ENVIRONMENTS) >= _KEPT_MODELS:  # bounded: the oldest model's world goes
                _ENVIRONMENTS.pop(next(iter(_ENVIRONMENTS)))
            _ENVIRONMENTS[(model, dtype)] = PymdpEnv(
                A=[jnp.asarray(a, dtype) for a in model.A],
                B=[jnp.asarray(b, dtype) for b in model.B],
                D=[jnp.asarray(d, dtype) for d in model.D],
            )
        env = _ENVIRONMENTS[(model, dtype)]
        self.params = env.generate_env_params(batch_size=n)
        self.env, self.key, self.n = env, jax.random.PRNGKey(seed), n
        global _compiled_rollout
        if _compiled_rollout is None:  # one jitted function: rollouts of seen shapes reuse its compile
            _compiled_rollout = jax.jit(rollout, static_argnums=(1, 2))
        self.run = _compiled_rollout

    def seconds(self, steps: int) -> float:
        """Wall seconds of one compiled rollout of ``steps`` steps (compiled before, untimed)."""
        import jax

        args = (self.agent, self.env, steps, self.key)
        jax.block_until_ready(self.run(*args, env_params=self.params))  # compile
        start = time.perf_counter()
        jax.block_until_ready(self.run(*args, env_params=self.params))
        return time.perf_counter() - start


def _rollout(model: object, n: int, seed: int, steps: int = 3) -> _Rollout:
    from explorer.limits import check_memory

    per_agent = rollout_xla_bytes_per_agent(model, steps)
    check_memory(
        n * per_agent,
        f"rollout of {n:,} pymdp batched agents of {model!r} ({per_agent:,.0f} bytes per agent, XLA's count)",
    )
    return _Rollout(model, n, seed)


#: (model, steps) -> bytes per agent of its compiled rollout, XLA's count; bounded as _ENVIRONMENTS.
_XLA_BYTES: dict = {}


def rollout_xla_bytes_per_agent(model: object, steps: int) -> float:
    """What one more agent adds to a compiled rollout of ``steps`` steps, by XLA's own count: arguments,
    temporaries and outputs of the program compiled for 2 and for 4 agents, the difference halved.

    pymdp's batched agent and its environment each hold every array per agent and the scan more besides:
    on the 20x20 grid about 20 MB per agent against 3.8 MB of float32 arrays (a full table that checked the
    arrays alone ran out of the machine's memory at n = 1,000). Never below the arrays themselves.
    """
    from explorer.population.jax_engine import counted_bytes_per_agent

    key = (model, steps)
    if key not in _XLA_BYTES:

        def lowered(n: int):
            rolled = _Rollout(model, n, 0)
            return rolled.run.lower(rolled.agent, rolled.env, steps, rolled.key, env_params=rolled.params)

        if len(_XLA_BYTES) >= _KEPT_MODELS:
            _XLA_BYTES.pop(next(iter(_XLA_BYTES)))
        _XLA_BYTES[key] = counted_bytes_per_agent(lowered)
    return max(float(rollout_bytes_per_agent(model)), _XLA_BYTES[key])


def rollout_bytes_per_agent(model: object) -> int:
    """A floor for pymdp's batched agent: its float32 copies of every array per agent (it batches them)."""
    return 4 * (sum(a.size for a in model.A) + sum(b.size for b in model.B) + model.E.size)
