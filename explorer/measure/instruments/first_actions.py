"""Time to first action: a fresh process's import + spawn + first step, the cost laziness moves."""

from __future__ import annotations

import contextlib

import pandas as pd

from explorer.checks import check_int
from explorer.measure.harness.cold import (
    BARE,
    IMPORT_CHILD,
    ChildFailed,
    first_action_code,
    run_child,
    warmup_code,
)
from explorer.measure.harness.variants import check_variants, get_variant
from explorer.measure.instruments.memory import rss_rows, rss_spawn_count
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize
from explorer.world import GridWorld

STAGES = ("import", "spawn", "first_step", "total")


def first_action_time(
    variants: tuple[str, ...] = ("eager", "lazy", "floor"),
    repeats: int = 7,
    warmup: int = 1,
    observation: int = 23,
    rss_agents: int = 0,
    rss_built_agents: int = 0,
    world: object = None,
) -> pd.DataFrame:
    """Seconds from a fresh interpreter to its first action, per variant, beside the bare interpreter.

    Rows (metric ``first_action_time``): ``method`` ``in_process`` with ``stage`` ``import``,
    ``spawn``, ``first_step`` and ``total`` (their sum), timed inside the child; ``process_wall``
    (stage ``total``: from launch until the child reports its first action, timed by the parent;
    teardown not counted) and ``process_wall_above_floor`` (minus the bare interpreter's launch to
    report in the same round); the bare interpreter itself is variant ``floor``, stage
    ``bare_interpreter``. ``warmup`` processes importing every variant run first, discarded (.pyc
    compilation). Variants that cannot step (the floor object) run only to weigh RSS: with
    ``rss_agents`` > 0 the same processes also give ``memory_per_agent`` RSS rows.
    The default ``observation`` (23, beside the default world's goal) has one best action, so every
    variant must choose it without seeding numpy's RNG (which would import numpy outside the timing).
    ``world`` is a grid world (default: today's), or a Model's factory (a function of no arguments, or
    its ``package.module:function`` path) that each fresh process calls (timed in ``import``): agents are
    then ``LazyAgent`` / ``EagerAgent`` of that model, observing outcome 0 of every modality first.
    """
    from explorer.measure.harness.factories import child_environment
    from explorer.measure.harness.subjects import subject
    from explorer.measure.harness.variants import cold_import_of

    measured = subject(world)
    if measured.is_model:
        observation = measured.observation()
    elif measured.agents_of != GridWorld():
        raise ValueError(f"first_action_time measures today's default world in its children, got {world!r}")
    environment = child_environment(measured.path) if measured.path else None
    variants = check_variants(variants)
    repeats = check_int("repeats", repeats, low=1)
    warmup = check_int("warmup", warmup, low=0)
    rss_agents = check_int("rss_agents", rss_agents, low=0)
    rss_built_agents = check_int("rss_built_agents", rss_built_agents, low=0)
    stepping = tuple(v for v in variants if get_variant(v).step is not None)
    run = stepping + tuple(v for v in variants if v not in stepping and rss_agents)
    codes = {BARE: IMPORT_CHILD.format(statement=BARE)}
    for name in run:
        variant = get_variant(name)
        codes[name] = first_action_code(
            cold_import_of(name, measured),
            can_step=variant.step is not None,
            observation=observation,
            rss_agents=rss_spawn_count(name, rss_agents, rss_built_agents),
            rss_built_agents=rss_built_agents,
        )
    children: dict[str, list[dict]] = {name: [] for name in codes}
    walls: dict[str, list[float]] = {name: [] for name in codes}
    errors: dict[str, str] = {}
    warm = warmup_code(
        [(cold_import_of(v, measured), get_variant(v).step is not None) for v in run], observation
    )
    for _ in range(warmup):
        with contextlib.suppress(ChildFailed, ValueError):  # each variant's own child records errors
            run_child(warm, env=environment)
    for repeat in range(repeats):
        for name in rotated(tuple(codes), repeat):
            if name in errors:
                continue
            try:
                child = run_child(codes[name], env=environment)
            except (ChildFailed, ValueError) as exc:
                errors[name] = error_text(exc)
                continue
            children[name].append(child.data)
            walls[name].append(child.reported_s)
    actions = {name: sorted({_hashable(child["action"]) for child in children[name]}) for name in stepping}
    differ = len({a for chosen in actions.values() for a in chosen}) > 1
    action_error = f"first actions differ between variants or runs: {actions}" if differ else ""
    rows = []
    bare = {"metric": "first_action_time", "variant": "floor", "n": 1, "unit": "s"}
    bare |= {"method": "process_wall", "stage": "bare_interpreter", "note": "python -c pass"}
    if BARE in errors:
        rows.append(failed(**bare, repeats=repeats, error=errors[BARE]))
    else:
        rows.append(summarize(walls[BARE], **bare))
    for name in stepping:
        common = {"metric": "first_action_time", "variant": name, "n": 1, "unit": "s"}
        common["note"] = get_variant(name).cold_import
        for method, stage in [("in_process", s) for s in STAGES] + [
            ("process_wall", "total"),
            ("process_wall_above_floor", "total"),
        ]:
            error = errors.get(name) or (errors.get(BARE) if method.endswith("floor") else action_error)
            if error:
                rows.append(failed(**common, method=method, stage=stage, repeats=repeats, error=error))
                continue
            if method == "in_process" and stage == "total":
                values = [c["import"] + c["spawn"] + c["first_step"] for c in children[name]]
            elif method == "in_process":
                values = [c[stage] for c in children[name]]
            elif method == "process_wall":
                values = walls[name]
            else:
                values = [a - b for a, b in zip(walls[name], walls[BARE], strict=True)]
            rows.append(summarize(values, **common, method=method, stage=stage))
    if rss_agents:
        rows += rss_rows(
            run,
            rss_agents=rss_agents,
            rss_built_agents=rss_built_agents,
            repeats=repeats,
            children={name: children[name] for name in run},
            errors={name: errors[name] for name in run if name in errors},
        )
    return frame(rows, machine_metadata())


def _hashable(action: object) -> object:
    """An action as JSON gave it back: a Model's (a list, one per factor) as a tuple."""
    return tuple(action) if isinstance(action, list) else action
