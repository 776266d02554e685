"""Plain names for what results rows hold (metric, method, stage), for tables and figures.

The results keep short machine names (``first_action_time``, ``process_wall_above_floor``); a
reader sees "first action" and "above a bare interpreter". A name not listed here is shown with
its underscores as spaces. An empty name adds nothing: spawn is always the constructor, timed
one way.
"""

from __future__ import annotations

#: metric -> what it is called in a table or on a figure.
METRICS = {
    "import_time": "import",
    "spawn_time": "spawn",
    "memory_per_agent": "memory per agent",
    "first_action_time": "first action",
    "step_time": "step",
    "cumulative_cost": "total cost",
    "monitor_overhead": "monitor overhead",
    "agent_step_time": "time per agent-step",
    "population_step_time": "population step",
    "population_throughput": "throughput",
    "engine_first_action": "engine's first action",
    "speedup": "speed-up",
    "thread_speedup": "speed-up from threads",
}
#: method -> how the figure was taken, in words.
METHODS = {
    "in_process": "timed inside",
    "in_child": "timed inside",
    "process_wall": "whole process",
    "process_wall_above_floor": "above a bare interpreter",
    "paired difference per repeat": "",
    "perf_counter_ns, gc disabled": "",
    "tracemalloc_slope": "tracemalloc",
    "rss_delta": "RSS",
    "in_process_warm": "warm",
    "process_time": "CPU time",
    "vm_hwm": "peak RSS",
}
#: stage -> the part of the work the figure covers.
STAGES = {
    "constructor": "",
    "spawned": "spawned",
    "after_first_step": "after the first step",
    "first_step": "first step",
    "steady": "steady step",
    "steady_cpu": "steady step",
    "bare_interpreter": "bare interpreter",
    "compile_first_run": "first run, compiling",
}


def plain(kind: str, value: object) -> str:
    """``value`` of the column ``kind`` (``metric``, ``method``, ``stage`` or ``variant``) in words."""
    text = "" if value is None or value != value else str(value)  # NaN: nothing
    table = {"metric": METRICS, "method": METHODS, "stage": STAGES}.get(kind, {})
    return table.get(text, text.replace("_", " "))


def figure_name(metric: object, method: object = "", stage: object = "") -> str:
    """One figure's name: ``metric: stage (method)``, each part in words, empty parts left out."""
    name = plain("metric", metric)
    stage_words, method_words = plain("stage", stage), plain("method", method)
    if stage_words and stage_words != name:
        name = f"{name}: {stage_words}"
    return f"{name} ({method_words})" if method_words else name
