"""Noise-robust timing gates: the few speed claims the project stands on, decided within one run.

Each gate times two variants interleaved (A, B, A, B ...) with many short repeats, and fails only
when a one-sided Mann-Whitney U test says the ratio is significantly worse than a generous limit
(docs/methodology.md#timing-gates, #gate-rates): lazy spawn within 3x of the floor (today about 1.3x;
``LazyAgent(model)`` and its own floor likewise), the population at
least 50x faster per agent-step than lazy agents (today about 450x). ``gate_rates`` runs a gate
many times, optionally with a known slowdown injected, to measure its false-alarm and detection rates.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from explorer.checks import check_int
from explorer.measure.results.stats import ratio_interval  # shown, not used for the decision

#: One-sided significance level of every gate: a false alarm needs p below this, beyond the limit.
ALPHA = 0.01
#: Lazy spawn may be at most this many times the floor's (target 2x; today ~1.3x).
SPAWN_FLOOR_LIMIT = 3.0
#: The population must be at least this many times faster per agent-step than lazy agents (target 100x).
POPULATION_SPEEDUP_LIMIT = 50.0


@dataclass(frozen=True)
class GateResult:
    """One gate's decision: ``ratio`` of medians with its 95% bootstrap interval, the limit and the test.

    ``worse_if`` is ``"above"`` (a cost ratio) or ``"below"`` (a speed-up); ``p_value`` is the
    one-sided Mann-Whitney U p-value that the ratio is worse than ``limit``; ``failed`` when below ``alpha``.
    """

    name: str
    ratio: float
    low: float
    high: float
    limit: float
    worse_if: str
    p_value: float
    alpha: float
    failed: bool
    repeats: int
    slowdown: int = 1
    samples: dict[str, list[float]] = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        """One line: the ratio, its interval, the limit and the verdict."""
        verdict = "FAILED" if self.failed else "passed"
        bound = "at most" if self.worse_if == "above" else "at least"
        return (
            f"{self.name}: {self.ratio:.3g}x [95% {self.low:.3g}, {self.high:.3g}], must be {bound} "
            f"{self.limit:g}x; one-sided Mann-Whitney p = {self.p_value:.2g} (alpha {self.alpha:g}): "
            f"{verdict} ({self.repeats} interleaved repeats)"
        )


def decide(
    name: str,
    a: list[float],
    b: list[float],
    *,
    limit: float,
    worse_if: str,
    alpha: float = ALPHA,
    slowdown: int = 1,
) -> GateResult:
    """Decide whether ``median(a) / median(b)`` is significantly worse than ``limit``.

    Compares ``a`` with ``limit * b`` by a one-sided Mann-Whitney U test (``greater`` when a cost
    ratio must stay below the limit, ``less`` when a speed-up must stay above it).
    """
    from scipy.stats import mannwhitneyu

    if worse_if not in ("above", "below"):
        raise ValueError(f"worse_if must be 'above' or 'below', got {worse_if!r}")
    a_arr, b_arr = np.asarray(a, float), np.asarray(b, float)
    if a_arr.size < 5 or b_arr.size < 5:
        raise ValueError(f"a gate needs at least 5 samples per side, got {a_arr.size} and {b_arr.size}")
    alternative = "greater" if worse_if == "above" else "less"
    p_value = float(mannwhitneyu(a_arr, limit * b_arr, alternative=alternative).pvalue)
    low, high = ratio_interval(a_arr, b_arr)
    return GateResult(
        name,
        float(np.median(a_arr) / np.median(b_arr)),
        low,
        high,
        limit,
        worse_if,
        p_value,
        alpha,
        p_value < alpha,
        int(min(a_arr.size, b_arr.size)),
        slowdown,
        {"a": a_arr.tolist(), "b": b_arr.tolist()},
    )


def spawn_floor_gate(
    n: int = 1000, repeats: int = 60, *, limit: float = SPAWN_FLOOR_LIMIT, slowdown: int = 1
) -> GateResult:
    """Lazy spawn / floor spawn (constructor alone, per agent), each variant in a worker of its own.

    The workers are asked in turn (order alternating), so both see the same machine load.
    ``slowdown`` > 1 makes the lazy worker spawn that many times per timing (an injected regression).
    """
    return _spawn_gate("lazy", "floor", "lazy spawn / floor spawn", n, repeats, limit, slowdown)


def model_spawn_floor_gate(
    n: int = 1000, repeats: int = 60, *, limit: float = SPAWN_FLOOR_LIMIT, slowdown: int = 1
) -> GateResult:
    """``LazyAgent(model)`` spawn / its floor's (a bare object with its two slots), as the grid's gate."""
    return _spawn_gate(
        "lazy_model", "floor_model", "LazyAgent spawn / floor spawn", n, repeats, limit, slowdown
    )


def _spawn_gate(
    lazy: str, floor: str, title: str, n: object, repeats: object, limit: float, slowdown: object
) -> GateResult:
    from explorer.measure.harness.timing import SpawnWorker
    from explorer.world import GridWorld

    n = check_int("n", n, low=1)
    repeats = check_int("repeats", repeats, low=5)
    slowdown = check_int("slowdown", slowdown, low=1)
    workers = {}
    try:
        workers["lazy"] = SpawnWorker(lazy, repr(GridWorld()), repeat=slowdown)
        workers["floor"] = SpawnWorker(floor, repr(GridWorld()))
        for worker in workers.values():
            if worker.error:
                raise RuntimeError(f"{worker.variant} worker failed: {worker.error}")
        times: dict[str, list[float]] = {"lazy": [], "floor": []}
        for repeat in range(repeats):
            for name in ("lazy", "floor") if repeat % 2 == 0 else ("floor", "lazy"):
                times[name].append(workers[name].time_spawn(n) / n)
    finally:
        for worker in workers.values():
            worker.close()
    return decide(
        title,
        times["lazy"],
        times["floor"],
        limit=limit,
        worse_if="above",
        slowdown=slowdown,
    )


def population_speedup_gate(
    n: int = 2000,
    agents: int = 20,
    repeats: int = 30,
    *,
    limit: float = POPULATION_SPEEDUP_LIMIT,
    slowdown: int = 1,
) -> GateResult:
    """Lazy agents' time per agent-step / the numpy population's, warm, interleaved in this process.

    ``agents`` lazy agents (built by a first step) each step once per repeat; the population of ``n``
    steps once (``slowdown`` times, to inject a regression). Both see the same observation.
    """
    from explorer.agents import ExplorerAgent
    from explorer.measure.harness.timing import frozen_heap
    from explorer.population import Population
    from explorer.world import GridWorld

    n = check_int("n", n, low=1)
    agents = check_int("agents", agents, low=1)
    repeats = check_int("repeats", repeats, low=5)
    slowdown = check_int("slowdown", slowdown, low=1)
    world = GridWorld()
    lazy = [ExplorerAgent(i, "gate", world) for i in range(agents)]
    # the dense engine, the one this gate's limit and its measured rates were set on (2000 agents
    # on 5x5 would otherwise get the sparse engine, ~3x faster, and a 15x slowdown would pass)
    population = Population(world, n, backend="dense")
    for agent in lazy:
        agent.step(0)
    population.step(np.zeros(n, dtype=np.intp))

    def step_lazy(observation: int) -> float:
        start = time.perf_counter_ns()
        for agent in lazy:
            agent.step(observation)
        return (time.perf_counter_ns() - start) / 1e9 / agents

    def step_population(observation: int) -> float:
        observations = np.full(n, observation, dtype=np.intp)
        start = time.perf_counter_ns()
        for _ in range(slowdown):
            population.step(observations)
        return (time.perf_counter_ns() - start) / 1e9 / n

    steps: dict[str, Callable[[int], float]] = {"lazy": step_lazy, "population": step_population}
    times: dict[str, list[float]] = {"lazy": [], "population": []}
    with frozen_heap():
        gc.disable()
        try:
            for repeat in range(repeats):
                observation = repeat % world.n_states
                for name in ("lazy", "population") if repeat % 2 == 0 else ("population", "lazy"):
                    times[name].append(steps[name](observation))
        finally:
            gc.enable()
    return decide(
        "population speed-up per agent-step (lazy agents / population)",
        times["lazy"],
        times["population"],
        limit=limit,
        worse_if="below",
        slowdown=slowdown,
    )


#: The gates by name, for ``gate_rates`` and the rate-measuring script.
GATES: dict[str, Callable[..., GateResult]] = {
    "spawn_floor": spawn_floor_gate,
    "model_spawn_floor": model_spawn_floor_gate,
    "population_speedup": population_speedup_gate,
}


def gate_rates(name: str, runs: int = 30, slowdown: int = 1) -> list[GateResult]:
    """Run gate ``name`` ``runs`` times (with ``slowdown`` injected): how often it fails is its rate."""
    if name not in GATES:
        raise ValueError(f"name must be one of {tuple(GATES)}, got {name!r}")
    runs = check_int("runs", runs, low=1)
    return [GATES[name](slowdown=slowdown) for _ in range(runs)]
