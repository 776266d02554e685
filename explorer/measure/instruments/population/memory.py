"""Bytes per agent of the population (tracemalloc slope, a step's transient peak, JAX device arrays)."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.instruments.memory import memory_per_agent
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, summarize
from explorer.world import GridWorld


def population_memory(
    ns: tuple[int, ...] = (2000, 5000, 10000, 20000),
    repeats: int = 5,
    world: GridWorld | None = None,
    lazy_built_ns: tuple[int, ...] = (50, 100, 200),
    jax_n: int = 0,
) -> pd.DataFrame:
    """Bytes per agent of the population (default engine), with lazy agents and (optionally) JAX beside it.

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


def _peak_row(n: int, repeats: int, world: GridWorld) -> dict:
    """Transient bytes per agent at the peak of one step of the default engine (tracemalloc)."""
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
