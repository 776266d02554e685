"""The whole benchmark: every measurement for every variant, under a named profile, in one run.

The profiles' settings are :data:`explorer.measure.profiles.PROFILES`, which notebooks read too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import pandas as pd

from explorer.checks import check_choice
from explorer.measure.harness.variants import check_variants
from explorer.measure.instruments.first_actions import first_action_time
from explorer.measure.instruments.imports import import_time
from explorer.measure.instruments.memory import memory_per_agent
from explorer.measure.instruments.overhead import monitor_overhead
from explorer.measure.instruments.population import population_throughput
from explorer.measure.instruments.population.model_limit import model_throughput
from explorer.measure.instruments.population.table import throughput_table
from explorer.measure.instruments.spawn import spawn_time
from explorer.measure.instruments.steps import cumulative_cost, step_time
from explorer.measure.profiles import PROFILES
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.run_ids import current_run_id
from explorer.measure.results.stats import error_text, failed, frame

#: metric name -> the function measuring it; run in this order. Each takes ``variants`` except
#: import_time (it times statements).
MEASUREMENTS: dict[str, Callable[..., pd.DataFrame]] = {
    "import_time": import_time,
    "spawn_time": spawn_time,
    "memory_per_agent": memory_per_agent,
    "first_action_time": first_action_time,
    "step_time": step_time,
    "monitor_overhead": monitor_overhead,
    "population_throughput": population_throughput,
    "throughput_table": throughput_table,
    "model_throughput": model_throughput,
}
#: Measurements of today's grid world only: a ``model`` run leaves them out (the table measures it).
GRID_ONLY = ("monitor_overhead", "population_throughput")

#: Metadata a measurement records of its own run, kept in the suite's (the throughput table's protocol).
CARRIED_ATTRS = ("load_average", "memory_limit_bytes", "peak_rss_bytes", "run_budget_s")

#: The population's engines timed side by side by population_throughput when "population" is benched.
POPULATION_ENGINES = (
    "population",
    "population_float32",
    "population_sparse",
    "population_dense",
    "population_jax",
)

#: The unit each metric is stored in (base units) and why lower is better.
UNITS = {"import_time": "s", "spawn_time": "s", "memory_per_agent": "B", "first_action_time": "s"}
UNITS |= {"step_time": "s", "cumulative_cost": "s", "monitor_overhead": "s", "population_throughput": "s"}
UNITS |= {"throughput_table": "agent-steps/s", "model_throughput": "agent-steps/s"}


def run_suite(
    profile: str = "quick",
    variants: tuple[str, ...] = ("eager", "lazy", "floor", "population"),
    only: tuple[str, ...] | None = None,
    overrides: dict[str, dict] | None = None,
    progress: bool = True,
    ks: tuple[int, ...] = (1, 10, 100, 1000, 10000),
    model: str | None = None,
) -> pd.DataFrame:
    """Run the measurements of ``profile`` (all, or ``only`` those named) for ``variants``.

    ``overrides`` updates a measurement's keyword arguments (``{"spawn_time": {"repeats": 3}}``).
    After ``spawn_time`` (its workers are fresh processes importing every variant), first-action
    time runs no warm-up process of its own.
    A measurement that raises becomes a row with NaN and the error. Rows from every measurement,
    plus ``cumulative_cost`` derived from them, with metadata, the profile and the duration in attrs.
    ``model`` (a factory's ``package.module:function`` path) measures agents of that Model instead of
    today's grid: every instrument takes it as ``world``, the throughput table as its one task, and the
    grid-only measurements (:data:`GRID_ONLY`) are left out; attrs ``model`` holds the path.
    """
    check_choice("profile", profile, tuple(PROFILES))
    variants = check_variants(variants)
    names = tuple(MEASUREMENTS) if only is None else tuple(only)
    for name in names:
        check_choice("only[...]", name, tuple(MEASUREMENTS))
    if model is not None:
        from explorer.measure.harness.factories import build

        build(model)  # refused (or the factory's failure raised) before anything is measured
        names = tuple(name for name in names if name not in GRID_ONLY)
    overrides = dict(overrides or {})
    for name in overrides:
        check_choice("overrides key", name, tuple(MEASUREMENTS))
    from tqdm.auto import tqdm

    started = time.perf_counter()
    frames, durations = [], {}
    bar = tqdm(names, desc="bench", unit="metric", disable=not progress, file=sys.stderr)
    for name in bar:
        bar.set_postfix_str(name)
        kwargs = PROFILES[profile][name] | _for_model(name, model) | overrides.get(name, {})
        if name not in ("import_time", "throughput_table", "model_throughput"):
            kwargs = {"variants": _applicable(name, variants)} | kwargs
        if (
            name == "first_action_time"
            and "spawn_time" in durations
            and "warmup" not in overrides.get(name, {})
        ):
            # spawn_time's workers were fresh processes importing every variant, run and discarded
            # in this suite: they compiled the .pyc files a first-action warm-up process is for
            kwargs["warmup"] = 0
        began = time.perf_counter()
        try:
            frames.append(MEASUREMENTS[name](**kwargs))
        except Exception as exc:
            row = failed(metric=name, variant="", n=0, unit=UNITS[name], repeats=0, error=error_text(exc))
            frames.append(frame([row]))
        durations[name] = round(time.perf_counter() - began, 3)
    df = pd.concat(frames, ignore_index=True) if frames else frame([])
    if "step_time" in names:
        df = pd.concat([df, cumulative_cost(df, ks)], ignore_index=True)
    attrs = machine_metadata() | {"profile": profile, "variants": list(variants), "run_id": current_run_id()}
    if model is not None:
        attrs["model"] = model
    for measured in frames:  # what a measurement records of its own run (the table's load and memory)
        attrs |= {key: measured.attrs[key] for key in CARRIED_ATTRS if key in measured.attrs}
    attrs["duration_s"] = round(time.perf_counter() - started, 3)
    attrs["durations_s"] = durations
    return frame(df.to_dict(orient="records"), attrs)


def settings(profile: str, name: str, model: str | None = None) -> dict:
    """The keyword arguments of measurement ``name`` under ``profile``, pointed at ``model`` (a factory's
    ``package.module:function``) when one is given: what a notebook passes, for the grid or a model."""
    import inspect

    import explorer.measure

    check_choice("profile", profile, tuple(PROFILES))
    check_choice("name", name, tuple(PROFILES[profile]))
    kwargs = dict(PROFILES[profile][name])
    pointed = _for_model(name, model)
    # an instrument without such an argument measures nothing of a model (an import, the machine's peak);
    # one that takes only the grid refuses a model by its own check
    taken = inspect.signature(getattr(explorer.measure, name)).parameters
    return kwargs | {key: value for key, value in pointed.items() if key in taken}


def _for_model(name: str, model: str | None) -> dict:
    """The keyword that points measurement ``name`` at the model (nothing for today's grid)."""
    if model is None or name == "import_time":
        return {}
    if name == "throughput_table":
        return {"tasks": (model,)}
    if name == "model_throughput":
        return {"task": model}
    return {"world": model}


def _applicable(name: str, variants: tuple[str, ...]) -> tuple[str, ...]:
    """The variants a measurement can take: stepping ones only for step time; the population's engines."""
    if name == "population_throughput":
        return POPULATION_ENGINES  # the engines side by side, whichever agents are benched
    if name == "step_time":
        from explorer.measure.harness.variants import get_variant

        return tuple(v for v in variants if get_variant(v).step is not None)
    return variants
