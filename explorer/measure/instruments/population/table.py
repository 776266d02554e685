"""The throughput table of active inference: agent-steps per second and bytes per agent, every engine x
task x n, measured interleaved in one run, with the largest n each engine holds and its cold first action.

Each repeat, for each n and task, every engine in turn (the order rotating between repeats) spawns n
fresh agents of the task's model; they walk the model's own world (:func:`world_of`, one seed, so
engines whose agents act alike see the same observations), the first step untimed (compiles, pymdp
builds), then ``steps`` steps timed. A MemoryError at spawn (the limit of :mod:`explorer.limits`) ends an
engine's larger n for that task. Loops of per-object agents run only up to ``loop_max_n``: their larger
n are not measured, and never extrapolated.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.harness import factories
from explorer.measure.harness.cold import run_child
from explorer.measure.harness.declared import TASKS, world_of
from explorer.measure.harness.traced_bytes import bytes_kept
from explorer.measure.instruments.population.engines import ENGINES, LOOPS, build, unavailable
from explorer.measure.instruments.population.timed_runs import JAX_TOLERANCE, NUMPY_TOLERANCE
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize

WARM = "in_process_warm"
#: The metrics this instrument writes (unit): throughput, bytes per agent, largest n, cold first action.
METRICS = {
    "throughput_table": "agent-steps/s",
    "throughput_table_bytes": "B",
    "throughput_table_largest_n": "agents",
    "throughput_table_first_action": "s",
}

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


def throughput_table(
    tasks: tuple[str, ...] = tuple(TASKS),
    engines: tuple[str, ...] = ENGINES,
    ns: tuple[int, ...] = (100, 1000, 10_000, 100_000),
    steps: int = 3,
    repeats: int = 5,
    loop_max_n: int = 100,
    bytes_max_n: int | None = None,
    cold_repeats: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Every engine x task x n, interleaved: agent-steps/s, bytes per agent, largest n, cold first action.

    ``tasks`` are names of :data:`TASKS` or factory paths (``package.module:function``, the researcher's
    own model; shown by its function's name). Rows (``stage`` is the task): ``throughput_table``
    (agent-steps per second, one figure per repeat: ``n * steps`` over the timed steps' wall seconds),
    ``throughput_table_bytes`` (tracemalloc bytes per agent held after the first step, at every n up to
    ``bytes_max_n`` (all by default; loops up to ``loop_max_n``); JAX's buffers, which tracemalloc cannot
    see, as the arrays' ``nbytes``), ``throughput_table_largest_n`` (method ``measured``: the largest n
    that ran; ``limit_over_bytes``: the memory limit over the bytes per agent at the largest n weighed),
    and ``throughput_table_first_action`` (fresh processes, ``cold_repeats`` each: stages import, model,
    spawn, first_step and total).
    """
    paths = _paths(tasks)
    engines = tuple(engines)
    for engine in engines:
        if engine not in ENGINES:
            raise ValueError(f"engines must hold some of {ENGINES}, got {engine!r}")
    ns = tuple(sorted(check_sizes("ns", ns)))
    steps = check_int("steps", steps, low=1)
    repeats = check_int("repeats", repeats, low=1)
    loop_max_n = check_int("loop_max_n", loop_max_n, low=1)
    if bytes_max_n is not None:
        bytes_max_n = check_int("bytes_max_n", bytes_max_n, low=1)
    cold_repeats = check_int("cold_repeats", cold_repeats, low=0)
    seed = check_int("seed", seed, low=0)
    models = {task: factories.build(path) for task, path in paths.items()}
    skip = {(e, t): unavailable(e, m) for e in engines for t, m in models.items()}
    load_before = os.getloadavg()[0]
    bytes_ns = tuple(n for n in ns if bytes_max_n is None or n <= bytes_max_n) or ns[:1]
    rows = _bytes_rows(models, engines, skip, bytes_ns, loop_max_n, seed, steps)
    samples: dict[tuple[str, str, int], list[float]] = {}
    errors: dict[tuple[str, str, int], str] = {}
    held_until: dict[tuple[str, str], int] = {}  # the largest n that ran
    refused: dict[tuple[str, str], int] = {}  # the least n refused by the memory limit
    reference: dict[tuple[str, int], tuple] = {}  # (task, n) -> the first engine's first-step beliefs
    for repeat in range(repeats):
        for n in ns:
            for task, model in models.items():
                for engine in rotated(engines, repeat):
                    key = (engine, task, n)
                    if skip[(engine, task)] or key in errors or (engine in LOOPS and n > loop_max_n):
                        continue
                    if n >= refused.get((engine, task), n + 1):
                        errors[key] = (
                            f"MemoryError: above the memory limit from n = {refused[(engine, task)]:,}"
                        )
                        continue
                    try:
                        seconds, first = _timed_run(engine, model, n, steps, seed)
                    except MemoryError as exc:
                        refused[(engine, task)] = n
                        errors[key] = error_text(exc)
                        continue
                    except Exception as exc:
                        errors[key] = error_text(exc)
                        continue
                    if first is not None:
                        reference.setdefault((task, n), (engine, first))
                    problem = _disagrees(first, reference.get((task, n), (engine, None)), engine)
                    if problem:
                        errors[key] = problem
                        continue
                    samples.setdefault(key, []).append(n * steps / seconds)
                    held_until[(engine, task)] = max(n, held_until.get((engine, task), 0))
    load = f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} (1 min)"
    for task in models:
        for engine in engines:
            for n in ns:
                key = (engine, task, n)
                common = {"metric": "throughput_table", "variant": engine, "n": n, "unit": "agent-steps/s"}
                common |= {
                    "method": WARM,
                    "stage": task,
                    "note": f"{steps} timed steps after one untimed; {load}",
                }
                if skip[(engine, task)]:
                    rows.append(failed(**common, repeats=repeats, error=f"not run: {skip[(engine, task)]}"))
                elif engine in LOOPS and n > loop_max_n:
                    why = f"not measured: per-object loops run up to n = {loop_max_n:,} (not extrapolated)"
                    rows.append(failed(**common, repeats=repeats, error=why))
                elif key in errors:
                    rows.append(failed(**common, repeats=repeats, error=errors[key]))
                else:
                    rows.append(summarize(samples[key], **common))
            if (engine, task) in held_until:
                common = {"metric": "throughput_table_largest_n", "variant": engine, "unit": "agents"}
                common |= {"method": "measured", "stage": task}
                note = f"largest n of {ns} that ran" + (
                    f"; refused from n = {refused[(engine, task)]:,}" if (engine, task) in refused else ""
                )
                rows.append(
                    summarize([held_until[(engine, task)]], **common, n=held_until[(engine, task)], note=note)
                )
    rows += _cold_rows(paths, engines, skip, cold_repeats, seed)
    attrs = machine_metadata() | {"load_average": [load_before, os.getloadavg()[0]]}
    return frame(rows, attrs)


def _paths(tasks: object) -> dict[str, str]:
    """Task name -> factory path, for declared names and researchers' factory paths alike."""
    if isinstance(tasks, str) or not hasattr(tasks, "__iter__"):
        raise TypeError(f"tasks must be a tuple of task names or factory paths, got {tasks!r}")
    paths = {}
    for task in tasks:
        if task in TASKS:
            paths[task] = TASKS[task]
        elif isinstance(task, str) and ":" in task:
            paths[factories.name_of(task)] = factories.check_path(task)
        else:
            raise ValueError(
                f"tasks must hold names of {tuple(TASKS)} or 'package.module:function' paths, got {task!r}"
            )
    if not paths:
        raise ValueError("tasks must name at least one task, got none")
    return paths


def _timed_run(engine: str, model: object, n: int, steps: int, seed: int) -> tuple[float, tuple | None]:
    """Wall seconds of ``steps`` steps of ``n`` fresh agents of ``engine`` (after one untimed step), and
    the beliefs after that first step (None for a rollout, whose beliefs stay inside its scan)."""
    handle = build(engine, model, n, seed, steps)
    if hasattr(handle, "seconds"):  # a rollout: one compiled call steps the agents and their world
        return handle.seconds(steps), None
    world = world_of(model, n, seed)
    observations = world.reset()
    actions = handle.step(observations)
    first = tuple(np.asarray(b, dtype=float) for b in handle.beliefs())
    observations = world.step(actions)
    elapsed = 0.0
    for _ in range(steps):
        start = time.perf_counter()
        actions = handle.step(observations)
        elapsed += time.perf_counter() - start
        observations = world.step(actions)
    return elapsed, first


def _disagrees(first: tuple | None, reference: tuple, engine: str) -> str:
    """An error text when ``engine``'s beliefs after the first observation differ from the reference
    engine's (every engine sees the same first observations); JAX within 1e-5, the others 1e-8."""
    name, expected = reference
    if first is None or expected is None or name == engine:
        return ""
    tolerance = JAX_TOLERANCE if "jax" in (engine, name) else NUMPY_TOLERANCE
    worst = max(float(np.abs(a - b).max()) for a, b in zip(first, expected, strict=True))
    if worst > tolerance:
        return f"first-step beliefs differ from the {name} engine's by {worst:.3g} > {tolerance:g}"
    return ""


def _bytes_rows(
    models: dict, engines: tuple, skip: dict, ns: tuple[int, ...], loop_max_n: int, seed: int, steps: int
) -> list[dict]:
    """Bytes per agent of every engine and task at each of ``ns`` (loops up to ``loop_max_n``; an engine's
    larger n end at its first MemoryError), and the largest n the memory limit allows at the largest n
    weighed."""
    from explorer.limits import memory_limit

    limit, rows = memory_limit(), []
    for task, model in models.items():
        for engine in engines:
            if skip[(engine, task)]:
                continue
            weighed = [n for n in ns if engine not in LOOPS or n <= loop_max_n] or [min(ns[0], loop_max_n)]
            last = None
            for n in weighed:
                common = {"metric": "throughput_table_bytes", "variant": engine, "n": n, "unit": "B"}
                common["stage"] = task
                try:
                    per_agent, method = _per_agent(engine, model, n, seed, steps)
                except Exception as exc:
                    rows.append(failed(**common, repeats=1, error=error_text(exc), method="tracemalloc"))
                    if isinstance(exc, MemoryError):
                        break
                    continue
                note = {"xla_count": f"XLA's count for a compiled rollout of {steps} steps"}.get(
                    method, "held after the first step"
                )
                rows.append(summarize([per_agent], **common, method=method, note=note))
                last = (n, per_agent)
            if last is None:
                continue
            n, per_agent = last
            largest = {"metric": "throughput_table_largest_n", "variant": engine, "unit": "agents"}
            largest["stage"] = task
            estimate = int(limit // max(per_agent, 1.0))
            note = f"memory limit {limit:,} B / {per_agent:,.0f} B per agent at n = {n:,} (an estimate)"
            rows.append(summarize([estimate], **largest, n=estimate, method="limit_over_bytes", note=note))
    return rows


def _per_agent(engine: str, model: object, n: int, seed: int, steps: int) -> tuple[float, str]:
    """Bytes per agent of ``n`` agents of ``engine`` after their first step, and how they were counted."""
    from explorer.measure.instruments.population.engines import rollout_xla_bytes_per_agent

    if engine == "rollout":
        from explorer.limits import check_memory

        per_agent = rollout_xla_bytes_per_agent(model, steps)
        check_memory(n * per_agent, f"rollout of {n:,} pymdp batched agents ({per_agent:,.0f} B each)")
        return per_agent, "xla_count"
    if engine == "jax":
        handle = build(engine, model, n, seed)
        handle.step(world_of(model, n, seed).reset())
        return handle.nbytes() / n, "nbytes"
    return _traced_per_agent(engine, model, n, seed), "tracemalloc"


def _traced_per_agent(engine: str, model: object, n: int, seed: int) -> float:
    build(engine, model, 1, seed).step(world_of(model, 1, seed).reset())  # imports, shared caches

    def stepped() -> object:
        handle = build(engine, model, n, seed)
        handle.step(world_of(model, n, seed).reset())
        return handle

    return bytes_kept(stepped) / n


def _cold_rows(paths: dict, engines: tuple, skip: dict, repeats: int, seed: int) -> list[dict]:
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


def throughput_pivot(results: pd.DataFrame, metric: str = "throughput_table") -> pd.DataFrame:
    """One metric of :func:`throughput_table` as task x engine rows and a column per n (medians)."""
    rows = results[results["metric"] == metric]
    if metric == "throughput_table_first_action":
        rows = rows[rows["method"] == "in_child_total"]
    pivot = rows.pivot_table(
        index=["stage", "variant"], columns="n", values="median", aggfunc="first", sort=False
    )
    pivot.index.names = ["task", "engine"]
    return pivot


def throughput_protocol(results: pd.DataFrame) -> str:
    """The table's protocol in words: models, engines, n, seeds, repeats, statistics, machine, load."""
    from explorer.measure.harness.declared import DESCRIPTIONS
    from explorer.measure.instruments.population.engines import LABELS

    rows = results[results["metric"] == "throughput_table"]
    meta = results.attrs
    tasks = list(dict.fromkeys(rows["stage"]))
    engines = list(dict.fromkeys(rows["variant"]))
    repeats = int(rows["repeats"].max()) if len(rows) else 0
    load = meta.get("load_average", ["?", "?"])
    lines = [
        "Tasks: " + "; ".join(f"{t}: {DESCRIPTIONS.get(t, 'the researcher model')}" for t in tasks) + ".",
        "Engines: " + "; ".join(f"{e}: {LABELS[e]}" for e in engines) + ".",
        f"n: {', '.join(f'{n:,}' for n in sorted(set(rows['n'])))}; {repeats} repeats, engines interleaved "
        "(order rotating), fresh agents each repeat, seed 0 for the model world's draws; median of the "
        "repeats with its distribution-free 95% interval in the data (ci_low, ci_high).",
        f"Machine: {meta.get('cpu_count')} x {meta.get('cpu_model')}, Python {meta.get('python')}; "
        f"1-minute load average {load[0]} before, {load[1]} after.",
    ]
    return "\n".join(lines)


def throughput_json(results: pd.DataFrame) -> str:
    """The table's medians as JSON text (task -> engine -> n -> agent-steps/s), for a README or a diff."""
    pivot = throughput_pivot(results)
    out: dict = {}
    for (task, engine), values in pivot.iterrows():
        out.setdefault(task, {})[engine] = {str(int(n)): v for n, v in values.items() if v == v}
    return json.dumps(out, indent=1)
