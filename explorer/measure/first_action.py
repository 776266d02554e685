"""Time to first action: a fresh process's import + spawn + first step, the cost laziness moves."""

from __future__ import annotations

import pandas as pd

from explorer.checks import check_int
from explorer.measure.cold import BARE, IMPORT_CHILD, ChildFailed, first_action_code, run_child
from explorer.measure.memory import rss_rows, rss_spawn_count
from explorer.measure.metadata import machine_metadata
from explorer.measure.stats import error_text, failed, frame, rotated, summarize
from explorer.measure.variants import check_variants, get_variant

STAGES = ("import", "spawn", "first_step", "total")


def first_action_time(
    variants: tuple[str, ...] = ("eager", "lazy", "floor"),
    repeats: int = 7,
    warmup: int = 1,
    observation: int = 0,
    rss_agents: int = 0,
    rss_built_agents: int = 0,
) -> pd.DataFrame:
    """Seconds from a fresh interpreter to its first action, per variant, beside the bare interpreter.

    Rows (metric ``first_action_time``): ``method`` ``in_process`` with ``stage`` ``import``,
    ``spawn``, ``first_step`` and ``total`` (their sum), timed inside the child; ``process_wall``
    (stage ``total``, the whole process timed outside) and ``process_wall_above_floor`` (minus the
    bare ``python -c pass`` of the same round); the bare interpreter itself is variant ``floor``,
    stage ``bare_interpreter``. Variants that cannot step (the floor object) are run only to weigh
    RSS: with ``rss_agents`` > 0 the same processes also give ``memory_per_agent`` RSS rows.
    """
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
            variant.cold_import,
            can_step=variant.step is not None,
            observation=observation,
            rss_agents=rss_spawn_count(name, rss_agents, rss_built_agents),
            rss_built_agents=rss_built_agents,
        )
    children: dict[str, list[dict]] = {name: [] for name in codes}
    walls: dict[str, list[float]] = {name: [] for name in codes}
    errors: dict[str, str] = {}
    for round_ in range(warmup + repeats):
        for name in rotated(tuple(codes), round_):
            if name in errors:
                continue
            try:
                data, wall, _ = run_child(codes[name])
            except (ChildFailed, ValueError) as exc:
                errors[name] = error_text(exc)
                continue
            if round_ >= warmup:
                children[name].append(data)
                walls[name].append(wall)
    actions = {name: {child["action"] for child in children[name]} for name in stepping}
    if len(set().union(*actions.values()) if actions else set()) > 1:
        for name in stepping:
            errors.setdefault(name, f"first actions differ between variants or runs: {actions}")
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
            error = errors.get(name) or (errors.get(BARE) if method.endswith("floor") else None)
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
