"""Spawn time per agent: the constructor alone, for every variant, interleaved in one run."""

from __future__ import annotations

import contextlib
import gc
import time

import pandas as pd

from explorer.checks import check_int
from explorer.measure.metadata import machine_metadata
from explorer.measure.stats import error_text, failed, frame, rotated, summarize
from explorer.measure.variants import check_variants, get_variant
from explorer.world import GridWorld

METHOD = "perf_counter_ns, gc disabled"
STAGE = "constructor"


def spawn_time(
    ns: tuple[int, ...] = (1, 10, 100, 1000, 10000),
    repeats: int = 5,
    variants: tuple[str, ...] = ("eager", "lazy", "floor"),
    max_n: dict[str, int] | None = None,
    world: GridWorld | None = None,
) -> pd.DataFrame:
    """Seconds per agent to construct ``n`` agents in a list, for each ``n`` and variant.

    Variants alternate within each repeat (the order rotates between repeats); ``max_n`` caps a
    slow variant (e.g. ``{"eager": 1000}``). Columns: ``median``/``min``/``max``/``q1``/``q3`` are
    seconds per agent over ``repeats``; ``n`` is the number of agents built in one timed loop.
    """
    ns = _check_ns("ns", ns)
    repeats = check_int("repeats", repeats, low=1)
    variants = check_variants(variants)
    max_n = dict(max_n or {})
    world = GridWorld() if world is None else world
    samples: dict[tuple[str, int], list[float]] = {(v, n): [] for v in variants for n in ns}
    errors: dict[tuple[str, int], str] = {}
    for name in variants:  # warm-up: imports, the model cache, the code paths
        try:
            get_variant(name).spawn(2, world)
        except Exception as exc:
            for n in ns:
                errors[(name, n)] = error_text(exc)
    with frozen_heap():
        for repeat in range(repeats):
            for n in ns:
                for name in rotated(variants, repeat):
                    if (name, n) in errors or n > max_n.get(name, n):
                        continue
                    try:
                        samples[(name, n)].append(_time_spawn(get_variant(name).spawn, n, world) / n)
                    except Exception as exc:
                        errors[(name, n)] = error_text(exc)
    rows = []
    for name in variants:
        for n in ns:
            if n > max_n.get(name, n):
                continue
            common = {"metric": "spawn_time", "variant": name, "n": n, "unit": "s"}
            common |= {"method": METHOD, "stage": STAGE, "note": get_variant(name).label}
            if (name, n) in errors:
                rows.append(failed(**common, repeats=repeats, error=errors[(name, n)]))
            else:
                rows.append(summarize(samples[(name, n)], **common))
    return frame(rows, machine_metadata())


@contextlib.contextmanager
def frozen_heap():
    """Collect once, then freeze every live object for the duration (``gc.freeze``).

    Later ``gc.collect()`` calls then scan only what the measurement allocated: with pymdp and
    pandas loaded a full collection takes ~50 ms here, a frozen one microseconds.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _time_spawn(spawn, n: int, world: GridWorld) -> float:
    """Seconds to run ``spawn(n, world)`` once, with the garbage collector off (as pyperf does).

    An untimed spawn of up to 100 agents runs first, so caches hold this variant's code and data,
    not those of the variant measured before it.
    """
    spawn(min(n, 100), world)  # dropped at once; any handle type (a list, a Population)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        agents = spawn(n, world)
        stop = time.perf_counter_ns()
    finally:
        if was_enabled:
            gc.enable()
    if len(agents) != n:
        raise RuntimeError(f"spawn built {len(agents)} agents, expected {n}")
    del agents
    return (stop - start) / 1e9


def _check_ns(name: str, ns: object) -> tuple[int, ...]:
    if isinstance(ns, (str, bytes)) or not hasattr(ns, "__iter__"):
        raise TypeError(f"{name} must be a tuple of positive ints, got {ns!r}")
    values = tuple(check_int(f"{name}[...]", n, low=1) for n in ns)
    if not values:
        raise ValueError(f"{name} must hold at least one size, got {ns!r}")
    return values
