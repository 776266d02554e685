"""What the compiled engines cost a fresh process: total memory in a large world, and the cold first action.

Both run in new interpreters (:func:`explorer.measure.harness.cold.run_child`): the peak RSS of a whole
process, and numba's import and compile moved to the first action, are only honest measured cold.
"""

from __future__ import annotations

import itertools
import os
import tempfile

import pandas as pd

from explorer.checks import check_int
from explorer.measure.harness.cold import run_child
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize

#: A whole process stepping ``n`` agents in an open ``side x side`` world (noiseless: each agent
#: observes its true state, moved by the model's successor table); prints peak RSS and step times.
BIG_WORLD_CHILD = """\
import json, time
import numpy as np
from explorer import GridWorld, Population
world = GridWorld(side={side})
population = Population(world, {n}, backend="lanes")
successors = population._engine.model.successors
states = np.full({n}, world.start)
seconds = []
for _ in range({steps}):
    start = time.perf_counter()
    actions = population.step(states)
    seconds.append(time.perf_counter() - start)
    states = successors[states, actions]
# VmHWM: this process image's peak RSS (ru_maxrss would carry the forking parent's over exec)
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(json.dumps({{"rss_peak": int(peak.split()[1]) * 1024,
                   "nbytes": population.nbytes, "model_nbytes": population._engine.model.nbytes,
                   "steady": float(np.median(seconds[1:])) if len(seconds) > 1 else seconds[0]}}))
"""

#: The cold first action of one engine: import, spawn and first step of a population of one.
FIRST_ACTION_CHILD = """\
import time
_t0 = time.perf_counter()
{pre_import}
_t1 = time.perf_counter()
from explorer.population import Population
from explorer.world import GridWorld
_t2 = time.perf_counter()
population = Population(GridWorld(), 1, backend={backend!r})
_t3 = time.perf_counter()
population.step([0])
_t4 = time.perf_counter()
import json
import sys
assert {numba_expected!r} or "numba" not in sys.modules, "backend {backend} imported numba"
print(json.dumps({{"numba_import": _t1 - _t0, "import": _t2 - _t0, "spawn": _t3 - _t2,
                   "first_step": _t4 - _t3, "total": _t4 - _t0}}))
"""

GIB = 2**30


def big_world_memory(side: int = 100, n: int = 10_000, steps: int = 3, repeats: int = 1) -> pd.DataFrame:
    """Peak RSS of a fresh process stepping ``n`` agents in a ``side x side`` world, the whole process.

    Rows: metric ``memory_total`` (unit ``B``, method ``vm_hwm``, Linux's peak RSS: interpreter,
    numpy, numba, the model and beliefs included), ``population_nbytes`` (the per-agent arrays alone) and
    ``agent_step_time`` (s, the child's median step over ``n``).
    """
    side = check_int("side", side, low=2)
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    note = f"open {side}x{side} world ({side * side} states), fresh process, {steps} steps; budget 1 GiB"
    common = {"variant": "population", "n": n, "method": "vm_hwm", "stage": "peak", "note": note}
    results = {"rss_peak": [], "nbytes": [], "steady": []}
    try:
        for _ in range(repeats):
            data = run_child(BIG_WORLD_CHILD.format(side=side, n=n, steps=steps), timeout=600).data
            for key in results:
                results[key].append(data[key])
    except Exception as exc:
        error = error_text(exc)
        return frame(
            [
                failed(metric="memory_total", unit="B", repeats=repeats, error=error, **common),
                failed(metric="agent_step_time", unit="s", repeats=repeats, error=error, **common),
            ],
            machine_metadata(),
        )
    rows = [
        summarize(results["rss_peak"], metric="memory_total", unit="B", **common),
        summarize(results["nbytes"], metric="population_nbytes", unit="B", **common | {"method": "nbytes"}),
        summarize(
            [s / n for s in results["steady"]],
            metric="agent_step_time",
            unit="s",
            **common | {"method": "process_wall", "stage": "steady"},
        ),
    ]
    return frame(rows, machine_metadata())


#: The compiled engines' variants, their backends and what their children import first (timed apart).
BACKENDS = {"population_lanes": "lanes", "population_sparse": "sparse"}
PRE_IMPORT = {"population_lanes": "", "population_sparse": "import numba"}


def first_action_code(backend: str, pre_import: str = "", cold_cache: bool = False) -> str:
    """A child's code timing ``backend``'s cold first action; it fails if numba was imported where it
    must not be: never with ``pre_import``, or on an empty cache (``cold_cache``), where numba compiles."""
    numba_expected = bool(pre_import) or cold_cache
    return FIRST_ACTION_CHILD.format(pre_import=pre_import, backend=backend, numba_expected=numba_expected)


def engine_first_action(repeats: int = 7, compile_runs: int = 1) -> pd.DataFrame:
    """Cold first action (fresh process: import + spawn of one agent + first step) per engine.

    Variants: ``population`` (the default, ``auto``: the dense engine for one agent),
    ``population_lanes`` (its kernel's object code loaded by llvmlite: numba is not imported),
    ``population_sparse`` (numba imported first and timed apart, the kernel loaded from numba's
    on-disk cache), ``bare`` (``python -c pass``); interleaved, ``repeats`` each.
    ``compile_runs`` more children of each compiled engine get an empty cache (``NUMBA_CACHE_DIR``):
    stage ``compile_first_run`` is what the very first run on a machine pays. Rows: metric
    ``engine_first_action`` (s).
    """
    repeats = check_int("repeats", repeats, low=1)
    compile_runs = check_int("compile_runs", compile_runs, low=0)
    codes = {
        "population": first_action_code("auto"),
        **{name: first_action_code(BACKENDS[name], PRE_IMPORT[name]) for name in BACKENDS},
        "bare": "print('{}')",  # the bare interpreter (and one print, to report)
    }
    for name in BACKENDS:  # fills the on-disk cache if it is empty (numba compiles there)
        run_child(first_action_code(BACKENDS[name], PRE_IMPORT[name], cold_cache=True), timeout=900)
    samples: dict[tuple[str, str], list[float]] = {}
    errors: dict[str, str] = {}
    for repeat in range(repeats):
        for name in rotated(tuple(codes), repeat):
            try:
                child = run_child(codes[name])
            except Exception as exc:
                errors[name] = error_text(exc)
                continue
            samples.setdefault((name, "process_wall"), []).append(child.exited_s)
            if name != "bare":
                for stage in ("numba_import", "import", "spawn", "first_step", "total"):
                    samples.setdefault((name, stage), []).append(child.data[stage])
    for _, name in itertools.product(range(compile_runs), BACKENDS):
        with tempfile.TemporaryDirectory() as cache:
            environment = dict(os.environ)
            os.environ["NUMBA_CACHE_DIR"] = cache
            try:
                compiling = first_action_code(BACKENDS[name], PRE_IMPORT[name], cold_cache=True)
                child = run_child(compiling, timeout=900)
                samples.setdefault((name, "compile_first_run"), []).append(child.data["total"])
            except Exception as exc:
                errors[f"{name}_compile"] = error_text(exc)
            finally:
                os.environ.clear()
                os.environ.update(environment)
    rows = []
    for (name, stage), values in samples.items():
        method = "process_wall" if stage == "process_wall" else "in_child"
        note = "launch to exit, parent's clock" if method == "process_wall" else "timed inside the child"
        if stage == "compile_first_run":
            note = "import + spawn + first step with an empty numba cache: compiles the kernel"
        rows.append(
            summarize(
                values,
                metric="engine_first_action",
                variant=name,
                n=1,
                unit="s",
                method=method,
                stage=stage,
                note=note,
            )
        )
    for name, error in errors.items():
        rows.append(
            failed(metric="engine_first_action", variant=name, n=1, unit="s", repeats=repeats, error=error)
        )
    return frame(rows, machine_metadata())
