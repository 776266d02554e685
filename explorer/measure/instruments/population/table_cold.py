"""The throughput table's cold first action: per engine and task, fresh processes that import, rebuild
the model from its factory, spawn one agent and take its first step, each stage timed inside."""

from __future__ import annotations

from explorer.measure.harness import factories
from explorer.measure.harness.cold import run_child
from explorer.measure.results.stats import error_text, failed, rotated, summarize

#: A fresh process: the model rebuilt from its factory's path, then one agent of the engine and its
#: first step, each stage timed inside; JSON on one line.
COLD_CHILD = """\
import time
_t0 = time.perf_counter()
import json
from explorer.measure.harness import factories
from explorer.measure.harness.declared import world_of
from explorer.measure.instruments.population.engines import build
_t1 = time.perf_counter()
model = factories.build({path!r})
_t2 = time.perf_counter()
handle = build({engine!r}, model, 1, {seed})
_t3 = time.perf_counter()
observations = world_of(model, 1, {seed}).reset()
if hasattr(handle, "seconds"):
    handle.seconds(1)
else:
    handle.step(observations)
_t4 = time.perf_counter()
print(json.dumps({{"import": _t1 - _t0, "model": _t2 - _t1, "spawn": _t3 - _t2, "first_step": _t4 - _t3}}))
"""
COLD_STAGES = ("import", "model", "spawn", "first_step")


def cold_rows(paths: dict, engines: tuple, skip: dict, repeats: int, seed: int) -> list[dict]:
    """Fresh processes per engine and task: import, the model from its factory, one agent, first step."""
    if not repeats:
        return []
    runs = [(e, t) for t in paths for e in engines if not skip[(e, t)]]
    samples: dict[tuple[str, str], list[dict]] = {run: [] for run in runs}
    walls: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    errors: dict[tuple[str, str], str] = {}
    for repeat in range(repeats):
        for engine, task in rotated(tuple(runs), repeat):
            if (engine, task) in errors:
                continue
            code = COLD_CHILD.format(path=paths[task], engine=engine, seed=seed)
            try:
                child = run_child(code, env=factories.child_environment(paths[task]))
            except Exception as exc:
                errors[(engine, task)] = error_text(exc)
                continue
            samples[(engine, task)].append(child.data)
            walls[(engine, task)].append(child.reported_s)
    rows = []
    for engine, task in runs:
        common = {"metric": "throughput_table_first_action", "variant": engine, "n": 1, "unit": "s"}
        common["note"] = f"fresh process; the model from {paths[task]}"
        if (engine, task) in errors:
            rows.append(
                failed(**common, stage=task, method="in_child", repeats=repeats, error=errors[(engine, task)])
            )
            continue
        for part in (*COLD_STAGES, "total"):
            values = [
                sum(c[s] for s in COLD_STAGES) if part == "total" else c[part]
                for c in samples[(engine, task)]
            ]
            rows.append(summarize(values, **common, stage=task, method=f"in_child_{part}"))
        rows.append(summarize(walls[(engine, task)], **common, stage=task, method="process_wall"))
    return rows
