"""Seconds per agent-step as the population grows: in agents (n), in states (world side), in threads."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.instruments.population.timed_runs import (
    _BACKEND_VARIANT,
    _STEPPERS,
    _WALKERS,
    WARM,
    _first_step_disagreement,
    _row,
    _time_steps,
    _WalkingStepper,
)
from explorer.measure.instruments.steps import observations_for
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, frame, rotated
from explorer.world import GridWorld


def population_scaling(
    ns: tuple[int, ...] = (1, 10, 100, 1000, 10000, 100000),
    per_object_max: int = 2000,
    backends: tuple[str, ...] = ("lanes", "sparse", "dense", "jax"),
    steps: int = 5,
    repeats: int = 5,
    world: GridWorld | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Seconds per agent-step against n: the population's engines, and lazy agents up to ``per_object_max``.

    For each n the variants are built and stepped once (the JAX backend compiles there), checked to
    agree on that step, then timed over ``steps`` steps per repeat (after one untimed), interleaved.
    Rows: metric ``agent_step_time``, stage ``steady``, unit ``s``; agent-steps per second is ``1 / median``.
    """
    ns = check_sizes("ns", ns)
    per_object_max = check_int("per_object_max", per_object_max, low=0)
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    backends = tuple(backends)
    for backend in backends:
        if backend not in _BACKEND_VARIANT:
            raise ValueError(f"backends must hold some of {tuple(_BACKEND_VARIANT)}, got {backend!r}")
    world = GridWorld() if world is None else world
    observations = observations_for(world, steps + 1, seed)
    rows = []
    for n in ns:
        names = [_BACKEND_VARIANT[b] for b in backends] + (["lazy"] if n <= per_object_max else [])
        makers = {name: (lambda name=name, n=n: _STEPPERS[name](world, n, seed)) for name in names}
        samples, errors = _interleaved(makers, dict.fromkeys(names, n), observations, repeats)
        for name in names:
            common = {"metric": "agent_step_time", "variant": name, "n": n, "unit": "s", "method": WARM}
            common |= {
                "stage": "steady",
                "note": f"{steps} timed steps per repeat (after one untimed), {world!r}",
            }
            rows.append(_row(samples[name], errors.get(name), repeats, common))
    return frame(rows, machine_metadata())


def _interleaved(
    makers: dict[str, object], sizes: dict[str, int], observations, repeats: int
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Build each variant (``makers[name]()``), step it once, check first-step agreement, then time
    ``observations[1:]`` per repeat, variants interleaved; seconds per agent-step and errors by name."""
    handles, errors, samples = {}, {}, {name: [] for name in makers}
    for name, make in makers.items():
        try:
            handles[name] = make()
            handles[name].step(observations[0])  # JAX compiles here
        except Exception as exc:
            errors[name] = error_text(exc)
    problem = _first_step_disagreement(handles)
    for name in handles if problem else ():
        errors.setdefault(name, problem)
    for repeat in range(repeats):
        for name in rotated(tuple(makers), repeat):
            if name not in errors:
                try:
                    samples[name].append(_time_steps(handles[name], observations[1:]) / sizes[name])
                except Exception as exc:
                    errors[name] = error_text(exc)
    handles.clear()
    gc.collect()
    return samples, errors


def world_scaling(
    sides: tuple[int, ...] = (5, 10, 20, 50, 100),
    n: int = 1000,
    dense_max_side: int = 20,
    steps: int = 3,
    repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Seconds per agent-step against the world's size: the lanes and sparse engines, and the dense one
    up to a side.

    Each side is an open ``side x side`` grid (start in one corner, goal in the other); ``n`` agents
    walk it, each observing its own state (and moving by its own actions). Per side both engines
    are built, stepped once on the same first observations and checked to agree, then timed over
    ``steps`` steps per repeat (after one untimed), interleaved. No dense model is built for sides past
    ``dense_max_side``. Rows: metric ``agent_step_time``, stage ``steady``, unit ``s``, note
    ``states=S``; fit the slope with :func:`scaling_slope`.
    """
    sides = check_sizes("sides", sides)
    n = check_int("n", n, low=1)
    dense_max_side = check_int("dense_max_side", dense_max_side, low=0)
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    rows = []
    for side in sides:
        world = GridWorld(side=side)
        names = ["population", "population_sparse"] + (["population_dense"] if side <= dense_max_side else [])
        observations = [None] * (steps + 1)  # the walkers observe their own states
        makers = {name: (lambda name=name, world=world: _WALKERS[name](world, n, seed)) for name in names}
        samples, errors = _interleaved(makers, dict.fromkeys(names, n), observations, repeats)
        for name in names:
            common = {"metric": "agent_step_time", "variant": name, "n": n, "unit": "s", "method": WARM}
            common |= {
                "stage": "steady",
                "note": f"states={side * side}; side {side}, "
                f"{steps} timed steps per repeat (after one untimed)",
            }
            rows.append(_row(samples[name], errors.get(name), repeats, common))
    return frame(rows, machine_metadata())


def states_of(df: pd.DataFrame) -> pd.Series:
    """The number of states of each :func:`world_scaling` row (from its note)."""
    return df["note"].str.extract(r"states=(\d+)", expand=False).astype(float)


def scaling_slope(df: pd.DataFrame, variant: str = "population") -> float:
    """Slope of log(seconds per agent-step) over log(states) for ``variant``: 1 linear, 2 quadratic."""
    rows = df[(df["variant"] == variant) & (df["error"] == "")]
    if len(rows) < 2:
        return float("nan")
    return float(np.polyfit(np.log(states_of(rows)), np.log(rows["median"].astype(float)), 1)[0])


def thread_scaling(
    n: int = 100_000,
    threads: tuple[int, ...] = (1, 2),
    world: GridWorld | None = None,
    steps: int = 3,
    repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Seconds per agent-step of the lanes engine with 1, 2, ... threads, interleaved in one run (each
    thread calls the compiled kernel on its range of blocks, the GIL released), ``steps`` timed steps per
    repeat after one untimed.

    Rows: metric ``agent_step_time``, variant ``population``, stage ``threads=k``; metric
    ``thread_speedup`` (unit ``x``): one thread's time over ``k`` threads', paired per repeat.
    """
    n = check_int("n", n, low=1)
    threads = check_sizes("threads", threads)
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    world = GridWorld() if world is None else world
    observations = [None] * (steps + 1)  # the walkers observe their own states
    handle = _WalkingStepper(world, n, seed, "lanes")
    population = handle.population
    handle.step(observations[0])
    samples: dict[int, list[float]] = {k: [] for k in threads}
    error = ""
    try:
        for repeat in range(repeats):
            for k in rotated(tuple(threads), repeat):
                population._engine.threads = k  # whatever the engine's own rule would pick
                samples[k].append(_time_steps(handle, observations[1:]) / n)
    except Exception as exc:
        error = error_text(exc)
    finally:
        population._engine.threads = None
    note = f"{world!r}, {steps} timed steps per repeat (after one untimed), Python threads calling the kernel"
    rows = []
    for k in threads:
        common = {"metric": "agent_step_time", "variant": "population", "n": n, "unit": "s", "method": WARM}
        rows.append(_row(samples[k], error, repeats, common | {"stage": f"threads={k}", "note": note}))
    for k in threads[1:]:
        ratios = [a / b for a, b in zip(samples[threads[0]], samples[k], strict=False)]
        common = {"metric": "thread_speedup", "variant": "population", "n": n, "unit": "x", "method": WARM}
        note_k = f"{threads[0]} thread(s) / {k}, same repeat; {note}"
        rows.append(_row(ratios, error, repeats, common | {"stage": f"threads={k}", "note": note_k}))
    return frame(rows, machine_metadata())


def population_throughput(
    n: int = 100_000,
    jax_n: int = 10_000,
    steps: int = 3,
    repeats: int = 5,
    world: GridWorld | None = None,
    seed: int = 0,
    variants: tuple[str, ...] = (
        "population",
        "population_float32",
        "population_sparse",
        "population_dense",
        "population_jax",
    ),
) -> pd.DataFrame:
    """Agent-steps per second of the engines on one world, interleaved in one run: the bench's headline.

    Each agent walks the world from its start, observing its own state and moving by its own
    actions (so no observation contradicts its beliefs: the compiled engines' cost grows when
    observations do, as beliefs spread; the dense engine's does not depend on them).
    ``population`` (the lanes engine), ``population_float32`` (the same in float32),
    ``population_sparse`` (the kernel agent by agent it replaced) and ``population_dense`` (numpy's dense
    products: the reference) step ``n`` agents, ``population_jax`` ``jax_n`` (its per-agent model
    copies take ~15 KB each on 5x5; 0 skips it), ``steps`` timed steps per repeat after one untimed
    (the first after another engine refills caches and wakes a core). Rows, all metric
    ``population_throughput``: stage
    ``steady`` (agent-steps/s, one figure per repeat) per variant, and ratios paired per repeat (unit
    ``x``): ``speedup_over_dense`` and ``speedup_over_sparse`` (the lanes engine over each) and
    ``float32_gain`` (float64's seconds over float32's). The 1-minute load average
    (``os.getloadavg``) is in the notes: other work on the machine slows every variant.
    """
    import os

    n = check_int("n", n, low=1)
    jax_n = check_int("jax_n", jax_n, low=0)
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    world = GridWorld() if world is None else world
    for variant in variants:
        if variant not in _WALKERS:
            raise ValueError(
                f"variants must hold some of {tuple(_BACKEND_VARIANT.values())}, got {variant!r}"
            )
    sizes = {name: (jax_n if name == "population_jax" else n) for name in variants}
    sizes = {name: size for name, size in sizes.items() if size}
    observations = [None] * (steps + 1)  # the walkers observe their own states
    makers = {name: (lambda name=name: _WALKERS[name](world, sizes[name], seed)) for name in sizes}
    load_before = os.getloadavg()[0]
    samples, errors = _interleaved(makers, sizes, observations, repeats)
    load = f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} (1 min)"
    rows = []
    for name, size in sizes.items():
        note = f"{world!r}, {steps} timed steps per repeat (after one untimed), 1 / seconds per agent-step"
        note += f"; {load}"
        common = {"metric": "population_throughput", "variant": name, "n": size, "method": WARM}
        rates = [1.0 / s for s in samples[name]]
        common |= {"stage": "steady", "unit": "agent-steps/s", "note": note}
        rows.append(_row(rates, errors.get(name), repeats, common))
    for stage, slower, faster in (
        ("speedup_over_dense", "population_dense", "population"),
        ("speedup_over_sparse", "population_sparse", "population"),
        ("float32_gain", "population", "population_float32"),
    ):
        if {slower, faster} <= set(sizes):
            ratios = [a / b for a, b in zip(samples[slower], samples[faster], strict=False)]
            common = {"metric": "population_throughput", "variant": faster, "n": n, "unit": "x"}
            common |= {
                "method": WARM,
                "stage": stage,
                "note": f"{slower}'s seconds per agent-step / {faster}'s, same repeat; {load}",
            }
            rows.append(_row(ratios, errors.get(faster) or errors.get(slower), repeats, common))
    return frame(rows, machine_metadata())
