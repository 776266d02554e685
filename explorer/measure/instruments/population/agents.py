"""The population against per-object agents (seconds per agent-step) and the JAX backend's compile."""

from __future__ import annotations

import pandas as pd

from explorer.checks import check_int
from explorer.measure.instruments.population.timed_runs import (
    _JAX_NOTES,
    _VARIANT_BACKEND,
    JAX_TOLERANCE,
    NUMPY_TOLERANCE,
    STAGES,
    WARM,
    _disagreement,
    _row,
    _run_lazy_agents,
    _run_population,
    _share,
)
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, frame, rotated
from explorer.world import GridWorld


def population_step_time(
    n: int = 2000, steps: int = 5, repeats: int = 5, world: GridWorld | None = None, seed: int = 0
) -> pd.DataFrame:
    """Seconds per agent-step: a ``Population`` of ``n`` (sparse engine) against ``n`` lazy agents.

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
    samples: dict[tuple[str, str], list[float]] = {(v, s): [] for v in runners for s in STAGES}
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
        for stage in STAGES:
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


def jax_step_time(
    n: int = 2000, steps: int = 10, repeats: int = 5, world: GridWorld | None = None, seed: int = 0
) -> pd.DataFrame:
    """The JAX backend's first step (tracing + XLA compile + run) apart from its steady steps.

    Each repeat clears JAX's compilation caches and spawns a fresh population of ``n``; the sparse
    engine runs beside it (interleaved, each agent observing its own walk) as the reference. Rows
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
