"""What running on Dask costs a sweep: per-run overhead, the speed-up of workers, the scheduler's share.

Real runs only (grid-world population episodes, sized to take about the time asked for), serial and
Dask interleaved within one call (serial, Dask, serial, Dask ...), so that the ratios survive a shared,
loaded machine; each figure is the median over ``repeats`` with its min and max. Clusters are started
here and their start-up is reported apart, not hidden in the per-run figures.
"""

from __future__ import annotations

import os
import statistics
import time

import pandas as pd

#: What a tiny run is: one agent, one step (the scheduler's cost per task dominates it).
TINY = {"agents": 1, "steps": 1}


def sized_spec(seconds: float, runs: int) -> dict:
    """A sweep of ``runs`` grid runs of about ``seconds`` each on this machine (sized by one timed run)."""
    from explorer.sweeps import sweep

    probe = {"grid": {"side": [5]}, "agents": 20_000, "steps": 20, "engine": "sparse"}
    sweep(**probe, executor="serial", progress=False)  # warm: numba's cache, imports
    took = sweep(**probe, executor="serial", progress=False).query("metric == 'run_time'")["value"].iloc[0]
    steps = max(1, round(20 * seconds / took))
    return {"grid": {"side": [5], "obs_noise": [0.1]}, "seeds": runs, "agents": 20_000, "steps": steps}


def executor_costs(*, quick: bool = False, repeats: int = 3, workers: int = 2) -> pd.DataFrame:
    """The figures of a sweep's executors on this machine, one row each (median, min, max over repeats).

    ``overhead_per_run``: (Dask on 1 worker - serial) / runs, for runs of about 0.1 s and 1 s;
    ``speedup``: serial / Dask on ``workers`` workers, 40 runs of about 0.1 s; ``scheduler_cost_per_run``:
    (Dask on ``workers`` workers - serial / ``workers``) / runs for 1,000 tiny runs; ``cluster_start``.
    """
    from explorer.sweeps import sweep
    from explorer.sweeps.executors import dask_client

    plans = {
        "overhead_0.1s": (sized_spec(0.1, 4 if quick else 20), 1),
        "overhead_1s": (sized_spec(1.0, 2 if quick else 6), 1),
        "speedup_40": (sized_spec(0.1, 8 if quick else 40), workers),
        "tiny_1000": ({"grid": {"side": [5]}, "seeds": 50 if quick else 1000, **TINY}, workers),
    }
    rows, starts, load = [], [], [os.getloadavg()[0]]
    for size in sorted({w for _, w in plans.values()}):
        started = time.perf_counter()
        with dask_client(workers=size, say=lambda _: None) as client:
            starts.append(time.perf_counter() - started)
            client.submit(sum, [1], pure=False).result()  # a first task: workers answering
            for name, (spec, needs) in plans.items():
                if needs == size:
                    warm = spec | {"seeds": size}  # every worker imports and loads its kernels first
                    sweep(**warm, client=client, progress=False, say=lambda _: None)
                    rows.extend(_interleaved(name, spec, client, size, repeats))
    rows.append(_row("cluster_start", "s", starts, f"LocalCluster start, {len(starts)} clusters"))
    load.append(os.getloadavg()[0])
    table = pd.DataFrame(rows)
    table.attrs["load_average"] = load  # 1-minute load before and after: the machine is shared
    return table


def _interleaved(name: str, spec: dict, client, workers: int, repeats: int) -> list[dict]:
    from explorer.sweeps import sweep

    serial, on_dask = [], []
    for _ in range(repeats):
        for executor, times in (("serial", serial), ("dask", on_dask)):
            started = time.perf_counter()
            table = sweep(
                **spec, executor=executor, client=client if executor == "dask" else None, progress=False
            )
            times.append(time.perf_counter() - started)
            if table.attrs["summary"]["failed"]:
                raise RuntimeError(f"{name}: {table.attrs['summary']['failed']} runs failed on {executor}")
    runs = spec["seeds"]
    per_run = statistics.median(serial) / runs
    note = f"{runs} runs of {per_run:.3g} s each (serial), {workers} worker(s), {repeats} interleaved repeats"
    if name.startswith("overhead"):
        values = [(d - s) / runs for s, d in zip(serial, on_dask, strict=True)]
        return [_row(f"overhead_per_run_{name.split('_')[1]}", "s", values, note)]
    if name.startswith("speedup"):
        return [_row("speedup_40_runs", "x", [s / d for s, d in zip(serial, on_dask, strict=True)], note)]
    values = [(d - s / workers) / runs for s, d in zip(serial, on_dask, strict=True)]
    return [_row("scheduler_cost_per_run", "s", values, note)]


def _row(figure: str, unit: str, values: list[float], note: str) -> dict:
    return {
        "figure": figure,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "unit": unit,
        "repeats": len(values),
        "note": note,
    }
