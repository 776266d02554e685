"""Spawn time per agent: the constructor alone, for every variant, interleaved in one run."""

from __future__ import annotations

import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.harness.factories import child_environment
from explorer.measure.harness.subjects import Subject
from explorer.measure.harness.timing import SpawnWorker, frozen_heap, time_spawn
from explorer.measure.harness.variants import check_variants, get_variant
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize

METHOD = "perf_counter_ns, gc disabled"
STAGE = "constructor"
__all__ = ["METHOD", "spawn_time"]


def spawn_time(
    ns: tuple[int, ...] = (1, 10, 100, 1000, 10000),
    repeats: int = 5,
    variants: tuple[str, ...] = ("eager", "lazy", "floor"),
    max_n: dict[str, int] | None = None,
    world: object = None,
    isolate: bool = True,
) -> pd.DataFrame:
    """Seconds per agent to construct ``n`` agents in a list, for each ``n`` and variant.

    Variants alternate within each repeat (the order rotates between repeats); ``max_n`` caps a
    slow variant (e.g. ``{"eager": 1000}``). With ``isolate`` each variant is timed in a worker
    process of its own (see :class:`SpawnWorker`), asked in turn; without, all in this process
    (for variants registered at run time, which workers do not know). Columns: ``median``,
    ``min``, ``max``, ``q1``, ``q3`` are seconds per agent over ``repeats``; ``n`` is the number of
    agents built in one timed loop; ``note`` says what the variant is and where it was timed.
    ``world`` is a grid world (default: today's), any Model (agents ``LazyAgent`` / ``EagerAgent``), or a
    Model's factory (a function of no arguments, or its ``package.module:function`` path).
    """
    from explorer.measure.harness.subjects import subject

    measured = subject(world)
    ns = check_sizes("ns", ns)
    repeats = check_int("repeats", repeats, low=1)
    variants = check_variants(variants)
    if not isinstance(isolate, bool):
        raise TypeError(f"isolate must be a bool, got {isolate!r}")
    max_n = dict(max_n or {})
    world = measured.agents_of
    samples: dict[tuple[str, int], list[float]] = {(v, n): [] for v in variants for n in ns}
    errors: dict[tuple[str, int], str] = {}
    timers = {}
    try:
        for name in variants:  # warm-up: imports, the model cache, the code paths
            try:
                timers[name] = _timer(name, measured, isolate)
            except Exception as exc:
                errors |= {(name, n): error_text(exc) for n in ns}
        with frozen_heap():
            for repeat in range(repeats):
                for n in ns:
                    for name in rotated(variants, repeat):
                        if (name, n) in errors or n > max_n.get(name, n):
                            continue
                        try:
                            samples[(name, n)].append(timers[name](n) / n)
                        except Exception as exc:
                            errors[(name, n)] = error_text(exc)
    finally:
        for timer in timers.values():
            close = getattr(timer, "close", None)
            if close is not None:
                close()
    where = "timed in a worker process of its own" if isolate else "timed in this process"
    rows = []
    for name in variants:
        for n in ns:
            if n > max_n.get(name, n):
                continue
            common = {"metric": "spawn_time", "variant": name, "n": n, "unit": "s"}
            common |= {"method": METHOD, "stage": STAGE, "note": f"{get_variant(name).label}; {where}"}
            if (name, n) in errors:
                rows.append(failed(**common, repeats=repeats, error=errors[(name, n)]))
            else:
                rows.append(summarize(samples[(name, n)], **common))
    return frame(rows, machine_metadata())


class _WorkerTimer:
    """Callable ``timer(n) -> seconds`` backed by a :class:`SpawnWorker`."""

    def __init__(self, name: str, measured: Subject) -> None:
        environment = child_environment(measured.path) if measured.path else None
        with measured.child_argument() as argument:  # the worker reads it before it says it is ready
            self.worker = SpawnWorker(name, argument, env=environment)
        if self.worker.error:
            self.worker.close()
            raise RuntimeError(self.worker.error)

    def __call__(self, n: int) -> float:
        return self.worker.time_spawn(n)

    def close(self) -> None:
        self.worker.close()


def _timer(name: str, measured: Subject, isolate: bool):
    if isolate:
        return _WorkerTimer(name, measured)
    world = measured.agents_of
    variant = get_variant(name)
    variant.spawn(2, world)
    return lambda n: time_spawn(variant.spawn, n, world)
