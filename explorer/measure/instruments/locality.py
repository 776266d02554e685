"""Where instruction counts mislead: the same instructions cost more time in a cache-hostile order.

:func:`access_order` gathers one array through a sequential and through a shuffled index (numpy's
``take``: the same loop, the same instructions per element) and reports, per element, the
instructions and last-level cache misses cachegrind counts (fresh processes, 2 passes minus 1) and
the time each takes here. :func:`instructions_per_ns` times the counted claims' work in this process
and divides: how many instructions this machine retires per nanosecond, and per cycle of its clock
as measured, for each kind of work.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from explorer.checks import check_int
from explorer.paths import DATA_DIR, ROOT

#: The counted program: ``passes`` gathers of ``size`` float64 through an index in order or shuffled.
_GATHER = """\
import gc
gc.disable()
import numpy as np
values = np.arange({size}, dtype=np.float64)
order = np.arange({size})
{shuffle}
out = np.empty({size})
for _ in range({passes}):
    np.take(values, order, out=out)
"""
#: Where ``python -m explorer.measure.instruments.locality`` writes both tables (notebook 04 reads it).
RECORD = DATA_DIR / "count_locality.json"
_SHUFFLE = "np.random.default_rng(0).shuffle(order)"
ORDERS = {"sequential": "", "shuffled": _SHUFFLE}


def access_order(size: int = 2**21, repeats: int = 7) -> pd.DataFrame:
    """Per element of one gather: instructions, last-level misses (cachegrind) and time, per order.

    ``size`` float64 values, index and output (48 bytes per element: 96 MiB at the default size,
    far beyond the simulated 8 MiB last-level cache); the time is the median of ``repeats``
    interleaved in-process gathers.
    """
    import numpy as np

    from explorer.measure.instruments.counts import count_programs
    from explorer.measure.results.metadata import machine_metadata
    from explorer.measure.results.stats import frame, summarize

    size = check_int("size", size, low=1024)
    repeats = check_int("repeats", repeats, low=1)
    programs = {
        (name, passes): _GATHER.format(size=size, shuffle=shuffle, passes=passes)
        for name, shuffle in ORDERS.items()
        for passes in (1, 2)
    }
    counted = count_programs(list(programs.values()), root=ROOT, cache_sim=True)
    values = np.arange(size, dtype=np.float64)
    orders = {"sequential": np.arange(size), "shuffled": np.arange(size)}
    np.random.default_rng(0).shuffle(orders["shuffled"])
    out = np.empty(size)
    times: dict[str, list[float]] = {name: [] for name in ORDERS}
    for repeat in range(repeats + 1):  # the first round warms caches and pages: dropped
        for name in ORDERS if repeat % 2 else reversed(ORDERS):
            start = time.perf_counter_ns()
            np.take(values, orders[name], out=out)
            if repeat:
                times[name].append((time.perf_counter_ns() - start) / size)
    rows = []
    for name in ORDERS:
        one, two = counted[programs[(name, 1)]], counted[programs[(name, 2)]]
        if isinstance(one, Exception) or isinstance(two, Exception):
            raise RuntimeError(
                f"counting the {name} gather failed: {one if isinstance(one, Exception) else two}"
            )
        common = {"variant": name, "n": size, "stage": "gather", "note": f"np.take of {size:,} float64"}
        instructions = (two.instructions - one.instructions) / size
        misses = (two.ll_misses - one.ll_misses) / size
        ns = statistics.median(times[name])
        method = "cachegrind, 2 passes minus 1, per element"
        rows += [
            summarize([instructions], metric="instructions", unit="instructions", method=method, **common),
            summarize([misses], metric="ll_misses", unit="misses", method=method, **common),
            summarize([t / 1e9 for t in times[name]], metric="gather_time", unit="s",
                      method="perf_counter_ns, per element", **common),
            summarize([instructions / ns], metric="instructions_per_ns", unit="instructions/ns",
                      method="counted instructions / median time", **common),
        ]  # fmt: skip
    return frame(rows, machine_metadata())


def instructions_per_ns(counts: pd.DataFrame | None = None, repeats: int = 15) -> pd.DataFrame:
    """Each counted claim's instructions per unit over its time per unit here (median), and per cycle.

    The cycles come from the core's clock timed just before and after each claim
    (:func:`explorer.measure.harness.clock.clock_ghz`), since the nominal rate is not what it runs at.

    ``counts``: :func:`explorer.measure.instruments.counts.instruction_counts`' frame, or None to
    count the claims CI counts now (under Valgrind, about a minute of two idle cores).
    The work is timed in this process as the claims count it (spawns in a list with gc off, warm
    population and legacy steps); the numba engines run this machine's own code here, not the
    generic-CPU code counted.
    """
    from explorer.measure.harness.clock import clock_ghz
    from explorer.measure.results.stats import frame, summarize

    repeats = check_int("repeats", repeats, low=3)
    if counts is None:
        from explorer.measure.instruments.counts import CLAIMS, instruction_counts

        counts = instruction_counts([name for name, claim in CLAIMS.items() if not claim.heavy])
    timers = _timers()
    rows = []
    counted = counts[counts["metric"] == "instructions"].set_index("claim")
    for claim, timer in timers.items():
        if claim not in counted.index or counted.loc[claim, "error"]:
            continue
        before = clock_ghz()
        ns = statistics.median(timer() for _ in range(repeats)) * 1e9
        ghz = statistics.median([before, clock_ghz()])
        row = counted.loc[claim]
        common = {
            "variant": row["variant"],
            "n": row["n"],
            "stage": row["stage"],
            "note": f"{claim}: {row['median']:,.0f} instructions, {ns:,.1f} ns at {ghz:.2f} GHz",
        }
        extra = {"claim": claim, "time_ns": ns, "instructions": row["median"], "clock_ghz": ghz}
        rows += [
            summarize([row["median"] / ns], metric="instructions_per_ns", unit="instructions/ns",
                      method="counted instructions / median in-process time", **common) | extra,
            summarize([row["median"] / (ns * ghz)], metric="instructions_per_cycle",
                      unit="instructions/cycle", method="instructions per ns / the clock timed around it",
                      **common) | extra,
        ]  # fmt: skip
    return frame(rows, counts.attrs)


def _timers() -> dict[str, Callable[[], float]]:
    """Seconds per unit of each claim's work, one call a sample (gc off while timed)."""
    import numpy as np

    from explorer.agents import ExplorerAgent
    from explorer.eager import EagerExplorerAgent
    from explorer.legacy import build_legacy_agent, legacy_step
    from explorer.measure.harness.floor import Floor
    from explorer.model import build_model
    from explorer.population import Population
    from explorer.world import GridWorld

    world = GridWorld()

    def timed(work: Callable[[], object], units: int) -> Callable[[], float]:
        def sample() -> float:
            gc.disable()
            try:
                start = time.perf_counter_ns()
                work()
                return (time.perf_counter_ns() - start) / 1e9 / units
            finally:
                gc.enable()

        work()  # warm-up
        return sample

    model = build_model(world)
    populations = {e: Population(world, 1000, backend=e) for e in ("dense", "sparse")}
    populations |= {f"model_{e}": Population(model, 1000, backend=e) for e in ("numpy", "numba")}
    observations = np.arange(1000, dtype=np.intp) % world.n_states
    model_observations = observations.reshape(1000, 1)
    legacy = build_legacy_agent(model)
    return {
        "spawn_lazy": timed(lambda: [ExplorerAgent(i, "agent", world) for i in range(1000)], 1000),
        "spawn_floor": timed(lambda: [Floor(i, "agent", world) for i in range(1000)], 1000),
        "spawn_eager": timed(lambda: [EagerExplorerAgent(i, "agent", world) for i in range(10)], 10),
        "population_step_dense": timed(lambda: populations["dense"].step(observations), 1000),
        "population_step_sparse": timed(lambda: populations["sparse"].step(observations), 1000),
        "population_step_model_numpy": timed(
            lambda: populations["model_numpy"].step(model_observations), 1000
        ),
        "population_step_model_numba": timed(
            lambda: populations["model_numba"].step(model_observations), 1000
        ),
        "step_legacy": timed(lambda: legacy_step(legacy, 3), 1),
    }


def recorded_locality(path: str | Path = RECORD) -> pd.DataFrame:
    """Both tables as last recorded by :func:`main` (the machine and its load in ``attrs``)."""
    from explorer.measure.results.storage import load_results

    return load_results(path)


def main(argv: list[str] | None = None) -> None:
    """``python -m explorer.measure.instruments.locality [--json PATH]``: both tables, saved together."""
    import argparse

    from explorer.measure.results.storage import save_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=str(RECORD), help="where to write")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats per figure (default 15)")
    parser.add_argument("--size", type=int, default=2**20, help="elements gathered (default 2**20)")
    args = parser.parse_args(argv)
    order = access_order(size=args.size, repeats=args.repeats)
    per_ns = instructions_per_ns(repeats=args.repeats)
    found = pd.concat([order, per_ns], ignore_index=True)
    found.attrs = order.attrs
    print(found[["metric", "variant", "median", "unit", "note"]].to_string())
    print(save_results(found, json_path=args.json)[0])


if __name__ == "__main__":
    main()
