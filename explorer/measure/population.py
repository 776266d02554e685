"""The population measured: seconds per agent-step against per-object agents, bytes per agent,
scaling with n, and the JAX backend's compile time apart from its steady steps.

Every function returns tidy rows (:data:`explorer.measure.stats.COLUMNS`) with the machine's
metadata in ``df.attrs``; every comparison checks, where it times, that the variants agree.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.memory import memory_per_agent
from explorer.measure.metadata import machine_metadata
from explorer.measure.stats import error_text, failed, frame, rotated, summarize
from explorer.measure.steps import observations_for
from explorer.world import GridWorld

WARM = "in_process_warm"
#: Beliefs of the numpy population and of pymdp's legacy agents agree within this...
NUMPY_TOLERANCE = 1e-8
#: ...and those of the JAX backend (float32 unless jax_enable_x64) within this.
JAX_TOLERANCE = 1e-5

#: Keyword arguments of each function for the report's profiles: ``quick`` for CI, ``full`` for
#: the figures the issue asks for (n = 2,000 against lazy agents, scaling up to 100,000).
PROFILES: dict[str, dict[str, dict]] = {
    "quick": {
        "population_step_time": {"n": 500, "steps": 3, "repeats": 5},
        "population_memory": {"ns": (1000, 2000, 4000, 8000), "repeats": 5, "jax_n": 0},
        "population_scaling": {
            "ns": (1, 10, 100, 1000, 10000),
            "per_object_max": 100,
            "backends": ("numpy",),
            "steps": 3,
            "repeats": 5,
        },
        "jax_step_time": {"n": 1000, "steps": 5, "repeats": 3},
    },
    "full": {
        "population_step_time": {"n": 2000, "steps": 5, "repeats": 5},
        "population_memory": {"ns": (2000, 5000, 10000, 20000), "repeats": 5, "jax_n": 2000},
        "population_scaling": {
            "ns": (1, 10, 100, 1000, 2000, 10000, 100000),
            "per_object_max": 2000,
            "backends": ("numpy", "jax"),
            "steps": 5,
            "repeats": 5,
        },
        "jax_step_time": {"n": 2000, "steps": 10, "repeats": 5},
    },
}


def population_step_time(
    n: int = 2000, steps: int = 5, repeats: int = 5, world: GridWorld | None = None, seed: int = 0
) -> pd.DataFrame:
    """Seconds per agent-step: a numpy ``Population`` of ``n`` against ``n`` lazy ``ExplorerAgent``s.

    Each agent walks the world from its start and observes its own state for ``steps`` steps;
    the two run interleaved per repeat (order rotating), fresh each repeat; the population
    breaks exact ties like the legacy agents (``legacy_ties=True``).
    Rows (metric ``agent_step_time``, unit ``s``, per agent): ``stage`` ``spawn``, ``first_step``
    (the lazy agents build pymdp here) and ``steady`` (the ``steps - 1`` later steps); metric
    ``speedup`` (unit ``x``): lazy over population steady time, paired per repeat.
    Every agent must take the lazy agent's actions and end with its beliefs within 1e-8, else the
    population's rows record the error.
    """
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=2)
    repeats = check_int("repeats", repeats, low=1)
    world = GridWorld() if world is None else world
    runners = {"population": _run_population, "lazy": _run_lazy_agents}
    samples: dict[tuple[str, str], list[float]] = {(v, s): [] for v in runners for s in _STAGES}
    errors: dict[str, str] = {}
    for name, run in runners.items():  # warm-up: imports, the model cache, code paths
        try:
            run(world, 2, 2, seed)
        except Exception as exc:
            errors[name] = error_text(exc)
    agreement = []
    for repeat in range(repeats):
        outcomes = {}
        for name in rotated(tuple(runners), repeat):
            if name in errors:
                continue
            try:
                outcomes[name] = runners[name](world, n, steps, seed)
            except Exception as exc:
                errors[name] = error_text(exc)
        if len(outcomes) == 2:
            problem, agreeing = _disagreement(outcomes["population"], outcomes["lazy"], NUMPY_TOLERANCE)
            agreement.append(agreeing)
            if agreeing < 1 and not problem:
                problem = f"actions differ from the lazy agents' for {1 - agreeing:.1%} of the agents"
            if problem:
                errors.setdefault("population", problem)
        for name, outcome in outcomes.items():
            for stage, seconds in outcome.seconds.items():
                samples[(name, stage)].append(seconds)
    note = f"{steps} steps walking {world!r}; agents taking the lazy agents' actions: {_share(agreement)}"
    rows = []
    for name in runners:
        for stage in _STAGES:
            common = {"metric": "agent_step_time", "variant": name, "n": n, "unit": "s", "method": WARM}
            common |= {"stage": stage, "note": note}
            rows.append(_row(samples[(name, stage)], errors.get(name), repeats, common))
    ratios = [
        lazy / population
        for lazy, population in zip(
            samples[("lazy", "steady")], samples[("population", "steady")], strict=False
        )
    ]
    common = {"metric": "speedup", "variant": "population", "n": n, "unit": "x", "method": WARM}
    common |= {"stage": "steady", "note": "lazy agents' seconds per agent-step / population's, same repeat"}
    rows.append(_row(ratios, errors.get("population") or errors.get("lazy"), repeats, common))
    return frame(rows, machine_metadata())


def population_memory(
    ns: tuple[int, ...] = (2000, 5000, 10000, 20000),
    repeats: int = 5,
    world: GridWorld | None = None,
    lazy_built_ns: tuple[int, ...] = (50, 100, 200),
    jax_n: int = 0,
) -> pd.DataFrame:
    """Bytes per agent of the numpy population, with lazy agents and (optionally) JAX beside it.

    ``tracemalloc_slope`` rows come from :func:`explorer.measure.memory_per_agent` (the slope of
    bytes over ``ns`` agents, beliefs included; for lazy agents over ``lazy_built_ns``, stepped
    once). ``tracemalloc_peak`` (stage ``during_step``) is the transient peak of one step of
    ``max(ns)`` agents, per agent. With ``jax_n``, ``device_nbytes`` counts the JAX backend's arrays
    (tracemalloc cannot see XLA buffers): its per-agent copies of A, B, C, D, E and the beliefs.
    """
    ns = check_sizes("ns", ns)
    repeats = check_int("repeats", repeats, low=1)
    jax_n = check_int("jax_n", jax_n, low=0)
    world = GridWorld() if world is None else world
    parts = [
        memory_per_agent(
            ns=ns,
            built_ns=ns,
            repeats=repeats,
            variants=("population",),
            after_first_step=("population",),
            world=world,
        )
    ]
    if lazy_built_ns:
        parts.append(
            memory_per_agent(
                built_ns=check_sizes("lazy_built_ns", lazy_built_ns),
                repeats=repeats,
                variants=("lazy",),
                after_first_step=("lazy",),
                world=world,
            )
        )
    rows = [_peak_row(max(ns), repeats, world)]
    if jax_n:
        rows.append(_jax_nbytes_row(jax_n, world))
    df = pd.concat([*parts, frame(rows)], ignore_index=True)
    df.attrs = machine_metadata()
    return df


def population_scaling(
    ns: tuple[int, ...] = (1, 10, 100, 1000, 10000, 100000),
    per_object_max: int = 2000,
    backends: tuple[str, ...] = ("numpy", "jax"),
    steps: int = 5,
    repeats: int = 5,
    world: GridWorld | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Seconds per agent-step against n: numpy and JAX populations, and lazy agents up to ``per_object_max``.

    For each n the variants are built and stepped once (the JAX backend compiles there), checked to
    agree on that step, then timed over ``steps`` steps per repeat, interleaved. Rows: metric
    ``agent_step_time``, stage ``steady``, unit ``s``; agent-steps per second is ``1 / median``.
    """
    ns = check_sizes("ns", ns)
    per_object_max = check_int("per_object_max", per_object_max, low=0)
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    backends = tuple(backends)
    for backend in backends:
        if backend not in ("numpy", "jax"):
            raise ValueError(f"backends must hold 'numpy' and/or 'jax', got {backend!r}")
    world = GridWorld() if world is None else world
    observations = observations_for(world, steps + 1, seed)
    rows = []
    for n in ns:
        names = [_BACKEND_VARIANT[b] for b in backends] + (["lazy"] if n <= per_object_max else [])
        handles, errors, samples = {}, {}, {name: [] for name in names}
        for name in names:
            try:
                handles[name] = _STEPPERS[name](world, n, seed)
                handles[name].step(observations[0])
            except Exception as exc:
                errors[name] = error_text(exc)
        problem = _first_step_disagreement(handles)
        for name in handles if problem else ():
            errors.setdefault(name, problem)
        for repeat in range(repeats):
            for name in rotated(tuple(names), repeat):
                if name in errors:
                    continue
                try:
                    samples[name].append(_time_steps(handles[name], observations[1:]) / n)
                except Exception as exc:
                    errors[name] = error_text(exc)
        handles.clear()
        gc.collect()
        for name in names:
            common = {"metric": "agent_step_time", "variant": name, "n": n, "unit": "s", "method": WARM}
            common |= {"stage": "steady", "note": f"{steps} steps per repeat, {world!r}"}
            rows.append(_row(samples[name], errors.get(name), repeats, common))
    return frame(rows, machine_metadata())


def jax_step_time(
    n: int = 2000, steps: int = 10, repeats: int = 5, world: GridWorld | None = None, seed: int = 0
) -> pd.DataFrame:
    """The JAX backend's first step (tracing + XLA compile + run) apart from its steady steps.

    Each repeat clears JAX's compilation caches and spawns a fresh population of ``n``; the numpy
    population runs beside it (interleaved, each agent observing its own walk) as the reference. Rows
    (metric ``population_step_time``, seconds per step of all ``n`` agents): stages ``first_step``
    and ``steady``; for JAX also ``compile``, its first step minus its median steady step.
    """
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=2)
    repeats = check_int("repeats", repeats, low=1)
    world = GridWorld() if world is None else world
    names = ("population_jax", "population")
    samples = {(v, s): [] for v in names for s in ("first_step", "steady", "compile")}
    errors: dict[str, str] = {}
    for repeat in range(repeats):
        outcomes = {}
        for name in rotated(names, repeat):
            if name in errors:
                continue
            try:
                outcomes[name] = _run_population(
                    world, n, steps, seed, _VARIANT_BACKEND[name], legacy_ties=False
                )
            except Exception as exc:
                errors[name] = error_text(exc)
        if len(outcomes) == 2:
            problem, _ = _disagreement(outcomes["population_jax"], outcomes["population"], JAX_TOLERANCE)
            if problem:
                errors.setdefault("population_jax", problem)
        for name, outcome in outcomes.items():
            first, steady = outcome.seconds["first_step"] * n, outcome.seconds["steady"] * n
            samples[(name, "first_step")].append(first)
            samples[(name, "steady")].append(steady)
            samples[(name, "compile")].append(first - steady)
    rows = []
    for name in names:
        for stage in (
            ("first_step", "steady", "compile") if name == "population_jax" else ("first_step", "steady")
        ):
            common = {"metric": "population_step_time", "variant": name, "n": n, "unit": "s", "method": WARM}
            common |= {"stage": stage, "note": _JAX_NOTES[stage]}
            rows.append(_row(samples[(name, stage)], errors.get(name), repeats, common))
    return frame(rows, machine_metadata())


_STAGES = ("spawn", "first_step", "steady")
_BACKEND_VARIANT = {"numpy": "population", "jax": "population_jax"}
_VARIANT_BACKEND = {v: b for b, v in _BACKEND_VARIANT.items()}
_JAX_NOTES = {
    "first_step": "first step after jax.clear_caches(): tracing, XLA compile and the step",
    "steady": "median over the later steps",
    "compile": "first step minus the steady step: the cost of tracing and compiling",
}


class _Outcome:
    """What one timed run gives: seconds per agent by stage, actions (steps x n), final beliefs."""

    __slots__ = ("seconds", "actions", "beliefs")

    def __init__(self, seconds: dict[str, float], actions: np.ndarray, beliefs: np.ndarray) -> None:
        self.seconds, self.actions, self.beliefs = seconds, actions, beliefs


class _Walk:
    """True states of ``n`` agents walking ``world`` from its start, observed through ``A``.

    Each agent observes its own state (blurred as the model says), so no observation contradicts
    its beliefs; the noise draws depend only on ``seed`` and the step, so two runs whose agents
    took the same actions give them the same observations.
    """

    def __init__(self, world: GridWorld, n: int, seed: int) -> None:
        from explorer.model import build_model

        self.next_state = np.array([[world.move(s, a) for a in range(5)] for s in range(world.n_states)])
        self.cumulative = np.cumsum(build_model(world).A, axis=0).T  # (state, observation)
        self.states = np.full(n, world.start)
        self.rng = np.random.default_rng(seed)

    def observe(self) -> np.ndarray:
        draws = self.rng.random(len(self.states))
        observations = (self.cumulative[self.states] <= draws[:, None]).sum(axis=1)
        return np.minimum(observations, self.cumulative.shape[1] - 1)

    def move(self, actions) -> None:
        self.states = self.next_state[self.states, np.asarray(actions)]


def _run_population(
    world: GridWorld, n: int, steps: int, seed: int, backend: str = "numpy", legacy_ties: bool = True
) -> _Outcome:
    from explorer.population import Population

    np.random.seed(seed)  # with legacy_ties, exact ties draw from it as pymdp's legacy agents do
    if backend == "jax":
        import jax

        jax.clear_caches()  # so the first step pays tracing and compilation every repeat
    walk, clock, seconds, actions = _Walk(world, n, seed), time.perf_counter, [], []
    t0 = clock()
    population = Population(world, n, backend=backend, seed=seed, legacy_ties=legacy_ties)
    spawn = clock() - t0
    for _ in range(steps):
        observations = walk.observe()
        start = clock()
        actions.append(population.step(observations))
        seconds.append(clock() - start)
        walk.move(actions[-1])
    steady = float(np.median(seconds[1:])) if backend == "jax" else sum(seconds[1:]) / (steps - 1)
    per_agent = {"spawn": spawn / n, "first_step": seconds[0] / n, "steady": steady / n}
    return _Outcome(per_agent, np.array(actions), population.beliefs)


def _run_lazy_agents(world: GridWorld, n: int, steps: int, seed: int) -> _Outcome:
    from explorer.agents import ExplorerAgent

    np.random.seed(seed)  # pymdp breaks exact ties with numpy's global RNG
    walk, clock, seconds, actions = _Walk(world, n, seed), time.perf_counter, [], []
    t0 = clock()
    agents = [ExplorerAgent(i, "agent", world) for i in range(n)]
    spawn = clock() - t0
    for _ in range(steps):
        observations = walk.observe().tolist()
        start = clock()
        actions.append([agent.step(obs) for agent, obs in zip(agents, observations, strict=True)])
        seconds.append(clock() - start)
        walk.move(actions[-1])
    per_agent = {
        "spawn": spawn / n,
        "first_step": seconds[0] / n,
        "steady": sum(seconds[1:]) / (steps - 1) / n,
    }
    return _Outcome(per_agent, np.array(actions), np.array([agent.beliefs for agent in agents]))


def _disagreement(ours: _Outcome, reference: _Outcome, tolerance: float) -> tuple[str, float]:
    """An error text if agents that took the same actions hold different beliefs; and their share.

    Exact ties are broken at random on both sides, so only agents whose actions agreed at every
    step must end with the same beliefs.
    """
    same = np.all(ours.actions == reference.actions, axis=0)
    if not same.any():
        return "no agent took the same actions as the reference: nothing to compare", 0.0
    worst = float(np.abs(ours.beliefs[same] - reference.beliefs[same]).max())
    if worst > tolerance:
        return f"beliefs differ from the reference by {worst:.3g} > {tolerance:g}", float(same.mean())
    return "", float(same.mean())


class _Stepper:
    """One variant of ``n`` agents behind one interface: ``step(observation)``, ``beliefs()``."""

    def __init__(self, step, beliefs) -> None:
        self.step, self.beliefs = step, beliefs


def _population_stepper(backend: str):
    def make(world: GridWorld, n: int, seed: int) -> _Stepper:
        from explorer.population import Population

        population = Population(world, n, backend=backend, seed=seed)
        return _Stepper(lambda obs: population.step(np.full(n, obs)), lambda: population.beliefs)

    return make


def _lazy_stepper(world: GridWorld, n: int, seed: int) -> _Stepper:
    from explorer.agents import ExplorerAgent

    np.random.seed(seed)
    agents = [ExplorerAgent(i, "agent", world) for i in range(n)]
    return _Stepper(
        lambda obs: [agent.step(obs) for agent in agents],
        lambda: np.array([agent.beliefs for agent in agents]),
    )


_STEPPERS = {"population": _population_stepper("numpy"), "population_jax": _population_stepper("jax")}
_STEPPERS["lazy"] = _lazy_stepper


def _first_step_disagreement(handles: dict[str, _Stepper]) -> str:
    """After one step on one observation (no action taken into account yet) all beliefs must agree."""
    if "population" not in handles:
        return ""
    reference = handles["population"].beliefs()
    for name, handle in handles.items():
        tolerance = JAX_TOLERANCE if name == "population_jax" else NUMPY_TOLERANCE
        worst = float(np.abs(handle.beliefs() - reference).max())
        if worst > tolerance:
            return f"{name}'s first-step beliefs differ from the numpy population's by {worst:.3g}"
    return ""


def _time_steps(handle: _Stepper, observations) -> float:
    start = time.perf_counter()
    for obs in observations:
        handle.step(obs)
    return (time.perf_counter() - start) / len(observations)


def _peak_row(n: int, repeats: int, world: GridWorld) -> dict:
    """Transient bytes per agent at the peak of one numpy population step (tracemalloc)."""
    from explorer.population import Population

    common = {"metric": "memory_per_agent", "variant": "population", "n": n, "unit": "B"}
    common |= {"method": "tracemalloc_peak", "stage": "during_step"}
    common["note"] = "peak minus current before the step: temporaries, freed after it"
    peaks = []
    try:
        population = Population(world, n)
        observations = np.zeros(n, dtype=int)
        population.step(observations)
        for _ in range(repeats):
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            population.step(observations)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            peaks.append((peak - before) / n)
    except Exception as exc:
        return failed(**common, repeats=repeats, error=error_text(exc))
    return summarize(peaks, **common)


def _jax_nbytes_row(n: int, world: GridWorld) -> dict:
    """Bytes per agent of the JAX backend's device arrays after one step (exact, one count)."""
    from explorer.population import Population

    common = {"metric": "memory_per_agent", "variant": "population_jax", "n": n, "unit": "B"}
    common |= {"method": "device_nbytes", "stage": "after_first_step"}
    common["note"] = (
        "sum of nbytes of the batched agent's arrays and the beliefs (tracemalloc cannot see XLA)"
    )
    try:
        population = Population(world, n, backend="jax")
        population.step(np.zeros(n, dtype=int))
        nbytes = population.nbytes
    except Exception as exc:
        return failed(**common, repeats=1, error=error_text(exc))
    return summarize([nbytes / n], **common)


def _row(values: list[float], error: str | None, repeats: int, common: dict) -> dict:
    if error:
        return failed(**common, repeats=repeats, error=error)
    return summarize(values, **common)


def _share(values: list[float]) -> str:
    return "n/a" if not values else f"{min(values):.0%}"
