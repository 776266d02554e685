"""The throughput table of active inference: agent-steps per second and bytes per agent, every engine x
task x n, measured interleaved in one run, with the largest n each engine holds and its cold first action.

Each repeat, for each n and task, every engine in turn (the order rotating between repeats) spawns n
fresh agents of the task's model; they walk the model's own world (:func:`world_of`, one seed, so
engines whose agents act alike see the same observations), the first step untimed (compiles, pymdp
builds), then ``steps`` steps timed. A MemoryError at spawn (the limit of :mod:`explorer.limits`) ends an
engine's larger n for that task. Loops of per-object agents run only up to ``loop_max_n``, and an engine
whose run at the next n would take more than ``run_budget`` seconds (its last run's time scaled by n)
stops there: their larger n are not measured, and never extrapolated.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_real, check_sizes
from explorer.measure.harness import factories
from explorer.measure.harness.declared import TASKS, world_of
from explorer.measure.harness.traced_bytes import bytes_kept
from explorer.measure.instruments.population.engines import ENGINES, LOOPS, build, unavailable
from explorer.measure.instruments.population.table_cold import cold_rows
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
    run_budget: float | None = None,
) -> pd.DataFrame:
    """Every engine x task x n, interleaved: agent-steps/s, bytes per agent, largest n, cold first action.

    ``tasks`` are names of :data:`TASKS` or factory paths (``package.module:function``, the researcher's
    own model; shown as ``package.module.function``). Rows (``stage`` is the task): ``throughput_table``
    (agent-steps per second, one figure per repeat: ``n * steps`` over the timed steps' wall seconds),
    ``throughput_table_bytes`` (tracemalloc bytes per agent held after the first step, at every n up to
    ``bytes_max_n`` (all by default; loops up to ``loop_max_n``); JAX's buffers, which tracemalloc cannot
    see, as the arrays' ``nbytes``), ``throughput_table_largest_n`` (method ``measured``: the largest n
    that ran; ``limit_over_bytes``: the memory limit over the bytes per agent at the largest n weighed),
    and ``throughput_table_first_action`` (fresh processes, ``cold_repeats`` each: stages import, model,
    spawn, first_step and total). ``run_budget``: seconds one run (a first step and ``steps`` timed ones)
    may take at an n not yet run, projected from the engine's last run (None: no budget). attrs carry the
    memory limit, the run's peak RSS and its duration.
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
    if run_budget is not None:
        run_budget = check_real("run_budget", run_budget, low=0.0)
    models = {task: factories.build(path) for task, path in paths.items()}
    skip = {(e, t): unavailable(e, m) for e in engines for t, m in models.items()}
    load_before, started = os.getloadavg()[0], time.perf_counter()
    bytes_ns = tuple(n for n in ns if bytes_max_n is None or n <= bytes_max_n) or ns[:1]
    rows = _bytes_rows(models, engines, skip, bytes_ns, loop_max_n, seed, steps, run_budget)
    samples: dict[tuple[str, str, int], list[float]] = {}
    errors: dict[tuple[str, str, int], str] = {}
    held_until: dict[tuple[str, str], int] = {}  # the largest n that ran
    refused: dict[tuple[str, str], int] = {}  # the least n refused by the memory limit
    reference: dict[tuple[str, int], tuple] = {}  # (task, n) -> the first engine's first-step beliefs
    pace: dict[tuple[str, str], tuple[int, float]] = {}  # the largest n run and one run's seconds there
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
                    over = _over_budget(pace.get((engine, task)), n, run_budget)
                    if over:
                        errors[key] = over
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
                    if n >= pace.get((engine, task), (0, 0.0))[0]:
                        pace[(engine, task)] = (n, seconds * (steps + 1) / steps)
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
    rows += cold_rows(paths, engines, skip, cold_repeats, seed)
    attrs = machine_metadata() | {
        "load_average": [load_before, os.getloadavg()[0]],
        "run_budget_s": run_budget,
        "duration_s": round(time.perf_counter() - started, 3),  # the bench puts its own whole run's here
    }
    return frame(rows, attrs | _memory_attrs())


def _memory_attrs() -> dict:
    """The memory limit every allocation was checked against, and this process's peak RSS so far."""
    import resource

    from explorer.limits import memory_limit

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {"memory_limit_bytes": memory_limit(), "peak_rss_bytes": peak}


def _over_budget(pace: tuple[int, float] | None, n: int, budget: float | None) -> str:
    """Why no run at ``n``: the one at ``pace``'s n took its seconds, and n scales it past ``budget``."""
    if budget is None or pace is None or n <= pace[0]:
        return ""
    projected = pace[1] * n / pace[0]
    if projected <= budget:
        return ""
    return (
        f"not measured: a run at this n would take about {projected:,.0f} s ({pace[1]:.2g} s at "
        f"n = {pace[0]:,}, scaled by n), over the budget of {budget:g} s per run (not extrapolated)"
    )


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
    models: dict, engines: tuple, skip: dict, ns: tuple, loop_max_n: int, seed: int, steps: int, budget
) -> list[dict]:
    """Bytes per agent of every engine and task at each of ``ns`` (loops up to ``loop_max_n``; an engine's
    larger n end at its first MemoryError or past the time ``budget``), and the largest n the memory limit
    allows at the largest n weighed."""
    from explorer.limits import memory_limit

    limit, rows = memory_limit(), []
    for task, model in models.items():
        for engine in engines:
            if skip[(engine, task)]:
                continue
            weighed = [n for n in ns if engine not in LOOPS or n <= loop_max_n] or [min(ns[0], loop_max_n)]
            last, pace = None, None
            for n in weighed:
                common = {"metric": "throughput_table_bytes", "variant": engine, "n": n, "unit": "B"}
                common["stage"] = task
                over = _over_budget(pace, n, budget)
                if over:
                    rows.append(failed(**common, repeats=1, error=over, method="tracemalloc"))
                    break
                try:
                    if engine not in ("jax", "rollout"):
                        _warm(engine, model, seed)  # its compile paces no n
                    began = time.perf_counter()
                    per_agent, method = _per_agent(engine, model, n, seed, steps)
                    # XLA's counts run nothing: only a weighing that ran n agents paces the next n
                    pace = (n, time.perf_counter() - began) if method == "tracemalloc" else None
                except Exception as exc:
                    rows.append(failed(**common, repeats=1, error=error_text(exc), method="tracemalloc"))
                    if isinstance(exc, MemoryError):
                        break
                    continue
                note = {
                    "xla_count": f"XLA's count for a compiled rollout of {steps} steps"
                    if engine == "rollout"
                    else "XLA's count for one compiled step (the agent's arrays and the step's temporaries)"
                }.get(method, "held after the first step")
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


#: Engines and models warmed up in this process (imports, caches, compiles), so that only the first
#: weighing of each pays for them; bounded by the engines and tasks of one table.
_WARMED: set = set()


def _warm(engine: str, model: object, seed: int) -> None:
    """One agent of ``engine`` stepped once in this process: imports, shared caches and compiles done."""
    if (engine, model) not in _WARMED:
        build(engine, model, 1, seed).step(world_of(model, 1, seed).reset())
        _WARMED.add((engine, model))


def _per_agent(engine: str, model: object, n: int, seed: int, steps: int) -> tuple[float, str]:
    """Bytes per agent of ``n`` agents of ``engine`` after their first step, and how they were counted."""
    from explorer.measure.instruments.population.engines import rollout_xla_bytes_per_agent

    if engine == "rollout":
        from explorer.limits import check_memory

        per_agent = rollout_xla_bytes_per_agent(model, steps)
        check_memory(n * per_agent, f"rollout of {n:,} pymdp batched agents ({per_agent:,.0f} B each)")
        return per_agent, "xla_count"
    if engine == "jax":  # checked, not allocated: XLA counts what a step of n agents holds
        from explorer.limits import check_memory
        from explorer.population.engine import engine_class

        per_agent = engine_class("jax").bytes_per_agent(model)
        check_memory(n * per_agent, f"{n:,} pymdp batched agents ({per_agent:,.0f} B each, XLA's count)")
        return per_agent, "xla_count"
    return _traced_per_agent(engine, model, n, seed), "tracemalloc"


def _traced_per_agent(engine: str, model: object, n: int, seed: int) -> float:
    """Tracemalloc bytes per agent of ``n`` agents after their first step (the engine warmed up first)."""
    _warm(engine, model, seed)

    def stepped() -> object:
        handle = build(engine, model, n, seed)
        handle.step(world_of(model, n, seed).reset())
        return handle

    return bytes_kept(stepped) / n


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
    load = [f"{v:.1f}" if isinstance(v, (int, float)) else "?" for v in meta.get("load_average", ["?", "?"])]
    theirs = "the researcher's model (named module.function)"
    lines = [
        "Tasks: " + "; ".join(f"{t}: {DESCRIPTIONS.get(t, theirs)}" for t in tasks) + ".",
        "Engines: " + "; ".join(f"{e}: {LABELS[e]}" for e in engines) + ".",
        f"n: {', '.join(f'{n:,}' for n in sorted(set(rows['n'])))}; {repeats} repeats, engines interleaved "
        "(order rotating), fresh agents each repeat, seed 0 for the model world's draws; median of the "
        "repeats with its distribution-free 95% interval in the data (ci_low, ci_high).",
        _limits_text(meta),
        f"Machine: {meta.get('cpu_count')} x {meta.get('cpu_model')}, Python {meta.get('python')}; "
        f"1-minute load average {load[0]} before, {load[1]} after.",
    ]
    return "\n".join(lines)


def _limits_text(meta: dict) -> str:
    """The run's limits in words: memory per allocation (the largest n held) and time per run."""
    from explorer.units import format_value

    limit, budget = meta.get("memory_limit_bytes"), meta.get("run_budget_s")
    text = "Largest n: an n whose arrays (XLA's count for pymdp's JAX agent and rollout) exceed the memory "
    text += (
        f"limit of {format_value(limit, 'B')} is refused before allocating. "
        if limit
        else "limit is refused. "
    )
    if budget:
        text += f"An n whose run would take over {budget:g} s (the last run scaled by n) is not measured."
    return text.strip()


def throughput_json(results: pd.DataFrame) -> str:
    """The table's medians as JSON text (task -> engine -> n -> agent-steps/s), for a README or a diff."""
    pivot = throughput_pivot(results)
    out: dict = {}
    for (task, engine), values in pivot.iterrows():
        out.setdefault(task, {})[engine] = {str(int(n)): v for n, v in values.items() if v == v}
    return json.dumps(out, indent=1)
