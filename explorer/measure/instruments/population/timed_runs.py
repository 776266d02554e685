"""What every population measurement shares: walks, timed runs, steppers, agreement checks, rows."""

from __future__ import annotations

import time

import numpy as np

from explorer.measure.results.stats import failed, summarize
from explorer.population.walk import Walk as _Walk
from explorer.world import GridWorld

WARM = "in_process_warm"
#: Beliefs of the numpy/numba engines and of pymdp's legacy agents agree within this...
NUMPY_TOLERANCE = 1e-8
#: ...and those of the JAX backend (float32 unless jax_enable_x64) within this.
JAX_TOLERANCE = 1e-5
#: ...and those of the lanes engine holding float32 beliefs within this (its measured bound, see
#: ``explorer.population.lanes.FLOAT32_TOLERANCE``).
FLOAT32_TOLERANCE = 2e-7


STAGES = ("spawn", "first_step", "steady")
#: engine (``Population(backend=...)``; ``lanes32``: the lanes engine in float32) -> the variant name its
#: rows carry. ``population`` is the default engine for large populations (lanes since issue 20;
#: before it, the sparse one, now ``population_sparse`` until the history has recorded both)
_BACKEND_VARIANT = {
    "lanes": "population",
    "lanes32": "population_float32",
    "sparse": "population_sparse",
    "dense": "population_dense",
    "jax": "population_jax",
}
_VARIANT_BACKEND = {v: b for b, v in _BACKEND_VARIANT.items()}
_JAX_NOTES = {
    "first_step": "first step after jax.clear_caches(): tracing, XLA compile and the step",
    "steady": "median over the later steps",
    "compile": "first step minus the steady step: the cost of tracing and compiling",
}


def _population(world: GridWorld, n: int, backend: str, seed: int, legacy_ties: bool = False):
    """``Population(world, n, backend=...)``, ``lanes32`` being the lanes engine in float32."""
    from explorer.population import Population

    dtype = "float32" if backend == "lanes32" else "float64"
    backend = "lanes" if backend == "lanes32" else backend
    return Population(world, n, backend=backend, seed=seed, legacy_ties=legacy_ties, dtype=dtype)


class _Outcome:
    """What one timed run gives: seconds per agent by stage, actions (steps x n), final beliefs."""

    __slots__ = ("seconds", "actions", "beliefs")

    def __init__(self, seconds: dict[str, float], actions: np.ndarray, beliefs: np.ndarray) -> None:
        self.seconds, self.actions, self.beliefs = seconds, actions, beliefs


def _run_population(
    world: GridWorld, n: int, steps: int, seed: int, backend: str = "lanes", legacy_ties: bool = True
) -> _Outcome:
    np.random.seed(seed)  # with legacy_ties, exact ties draw from it as pymdp's legacy agents do
    if backend == "jax":
        import jax

        jax.clear_caches()  # so the first step pays tracing and compilation every repeat
    walk, clock, seconds, actions = _Walk(world, n, seed), time.perf_counter, [], []
    t0 = clock()
    population = _population(world, n, backend, seed, legacy_ties)
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
        population = _population(world, n, backend, seed)
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


_STEPPERS = {variant: _population_stepper(backend) for backend, variant in _BACKEND_VARIANT.items()}
_STEPPERS["lazy"] = _lazy_stepper


class _WalkingStepper:
    """A population whose agents each observe their own state and move by their own actions.

    ``step(_)`` ignores the shared observation it is given: it observes the walk, steps the
    population (the only part timed: ``step`` returns its seconds) and moves the walk. Two of them
    with the same world and seed see the same first observations, so their beliefs compare.
    """

    self_timed = True

    def __init__(self, world: GridWorld, n: int, seed: int, backend: str) -> None:
        self.population = _population(world, n, backend, seed)
        self.walk = _Walk(world, n, seed)

    def step(self, _observation: object = None) -> float:
        observations = self.walk.observe()
        start = time.perf_counter()
        actions = self.population.step(observations)
        seconds = time.perf_counter() - start
        self.walk.move(actions)
        return seconds

    def beliefs(self) -> np.ndarray:
        return self.population.beliefs


#: Steppers whose agents walk the world, each observing its own state (what a simulation does).
_WALKERS = {
    variant: (lambda world, n, seed, backend=backend: _WalkingStepper(world, n, seed, backend))
    for backend, variant in _BACKEND_VARIANT.items()
}


def _first_step_disagreement(handles: dict[str, _Stepper]) -> str:
    """After one step on one observation (no action taken into account yet) all beliefs must agree."""
    names = [name for name in ("population_dense", "population", "population_sparse") if name in handles]
    if not names:
        return ""
    reference = handles[names[0]].beliefs()
    for name, handle in handles.items():
        tolerance = {"population_jax": JAX_TOLERANCE, "population_float32": FLOAT32_TOLERANCE}.get(
            name, NUMPY_TOLERANCE
        )
        beliefs = handle.beliefs()
        if beliefs.shape != reference.shape:  # another n: nothing to compare row for row
            continue
        worst = float(np.abs(beliefs - reference).max())
        if worst > tolerance:
            return f"{name}'s first-step beliefs differ from {names[0]}'s by {worst:.3g}"
    return ""


def _time_steps(handle: _Stepper | _WalkingStepper, observations) -> float:
    """Mean seconds per step over ``observations`` (a walking stepper times its population alone), after
    one untimed step on the first of them, as the throughput table takes each run's first step untimed:
    the first step after another variant ran pays for caches refilled and a second core woken from idle
    (measured on the 2-core VM at n = 100,000: the lanes engine's first step after a 50 ms pause took
    13.2 ms, steady ones 5.7 ms)."""
    handle.step(observations[0])
    if getattr(handle, "self_timed", False):
        return sum(handle.step(obs) for obs in observations) / len(observations)
    start = time.perf_counter()
    for obs in observations:
        handle.step(obs)
    return (time.perf_counter() - start) / len(observations)


def _row(values: list[float], error: str | None, repeats: int, common: dict) -> dict:
    if error:
        return failed(**common, repeats=repeats, error=error)
    return summarize(values, **common)


def _share(values: list[float]) -> str:
    return "n/a" if not values else f"{min(values):.0%}"
