"""Memory per agent two ways: tracemalloc's Python-level bytes as a slope over N, and RSS.

The slope of bytes against N counts what each extra agent costs; shared costs (the model, the
pymdp import) land in the intercept. RSS is weighed in fresh processes (see ``rss_rows``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.harness.cold import ChildFailed, first_action_code, run_child
from explorer.measure.harness.timing import frozen_heap
from explorer.measure.harness.traced_bytes import bytes_kept, line_fit
from explorer.measure.harness.variants import check_variants, get_variant
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize
from explorer.units import format_spread, format_value
from explorer.world import GridWorld

SPAWNED = "spawned"
AFTER_FIRST_STEP = "after_first_step"
TRACEMALLOC = "tracemalloc_slope"
RSS = "rss_delta"


def memory_per_agent(
    ns: tuple[int, ...] = (250, 500, 1000, 2000),
    built_ns: tuple[int, ...] = (50, 100, 200),
    repeats: int = 5,
    variants: tuple[str, ...] = ("eager", "lazy", "floor"),
    after_first_step: tuple[str, ...] = ("lazy",),
    rss_agents: int = 0,
    rss_built_agents: int = 0,
    rss_repeats: int = 5,
    world: object = None,
) -> pd.DataFrame:
    """Bytes per agent: the tracemalloc slope of bytes = a + b·N (b is reported), and optionally RSS.

    Agents that build pymdp (eager, and any variant in ``after_first_step`` after stepping each once)
    are fitted over ``built_ns``, the others over ``ns``. ``stage`` is ``spawned`` or
    ``after_first_step``; ``method`` ``tracemalloc_slope`` (Python allocations, numpy's included)
    or ``rss_delta`` (resident memory of a fresh process, over ``rss_agents`` agents, ``rss_built_agents``
    of them stepped once). ``note`` gives the N fitted and the median intercept. ``world`` is a grid
    world (default: today's), or any Model (agents ``LazyAgent`` / ``EagerAgent``, stepped on outcome 0
    of every modality), or its factory (RSS children rebuild the model from the factory's path).
    """
    from explorer.measure.harness.subjects import subject

    measured = subject(world)
    ns = check_sizes("ns", ns)
    built_ns = check_sizes("built_ns", built_ns)
    repeats = check_int("repeats", repeats, low=1)
    variants = check_variants(variants)
    after_first_step = check_variants(after_first_step) if after_first_step else ()
    world, observation = measured.agents_of, measured.observation()
    cases = [(v, SPAWNED) for v in variants]
    cases += [(v, AFTER_FIRST_STEP) for v in variants if v in after_first_step]
    slopes: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
    intercepts: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
    errors: dict[tuple[str, str], str] = {}
    for case in cases:  # warm-up: imports, the model cache, pymdp's first build
        try:
            _traced_bytes(*case, 2, world, trace=False, observation=observation)
        except Exception as exc:
            errors[case] = error_text(exc)
    with frozen_heap():
        for repeat in range(repeats):
            for case in rotated(tuple(cases), repeat):
                if case in errors:
                    continue
                sizes = built_ns if _builds(*case) else ns
                try:
                    weights = [_traced_bytes(*case, n, world, observation=observation) for n in sizes]
                    slope, intercept = line_fit(sizes, weights)
                except Exception as exc:
                    errors[case] = error_text(exc)
                    continue
                slopes[case].append(float(slope))
                intercepts[case].append(float(intercept))
    rows = []
    for case in cases:
        name, stage = case
        sizes = built_ns if _builds(*case) else ns
        common = {"metric": "memory_per_agent", "variant": name, "n": max(sizes), "unit": "B"}
        common |= {"method": TRACEMALLOC, "stage": stage}
        if case in errors:
            rows.append(failed(**common, repeats=repeats, error=errors[case], note=f"N = {sizes}"))
        else:
            note = f"N = {sizes}; intercept {np.median(intercepts[case]):.0f} B"
            rows.append(summarize(slopes[case], **common, note=note))
    if rss_agents:
        rows += rss_rows(
            variants,
            rss_agents=rss_agents,
            rss_built_agents=rss_built_agents,
            repeats=rss_repeats,
            world=world if measured.path is None else measured.path,
        )
    return frame(rows, machine_metadata())


def rss_rows(
    variants: tuple[str, ...],
    *,
    rss_agents: int,
    rss_built_agents: int,
    repeats: int,
    children: dict[str, list[dict]] | None = None,
    errors: dict[str, str] | None = None,
    world: object = None,
) -> list[dict]:
    """RSS bytes per agent, rows for each variant, from fresh processes (run here unless given).

    Each child imports the variant, spawns ``rss_agents`` agents and reads RSS before and after;
    a variant that can step also steps ``rss_built_agents`` of them and reads RSS again. ``world``: as
    :func:`memory_per_agent`'s (a Model by its factory, which each child calls).
    """
    from explorer.measure.harness.factories import child_environment
    from explorer.measure.harness.subjects import subject
    from explorer.measure.harness.variants import cold_import_of

    variants = check_variants(variants)
    rss_agents = check_int("rss_agents", rss_agents, low=1)
    rss_built_agents = check_int("rss_built_agents", rss_built_agents, low=0)
    repeats = check_int("repeats", repeats, low=1)
    if children is None:
        measured = subject(world)
        environment = child_environment(measured.path) if measured.path else None
        children, errors = {v: [] for v in variants}, {}
        for repeat in range(repeats):
            for name in rotated(variants, repeat):
                if name in errors:
                    continue
                variant = get_variant(name)
                try:
                    code = first_action_code(
                        cold_import_of(name, measured),
                        can_step=variant.step is not None,
                        observation=measured.observation(),
                        rss_agents=rss_spawn_count(name, rss_agents, rss_built_agents),
                        rss_built_agents=rss_built_agents,
                    )
                    children[name].append(run_child(code, env=environment).data)
                except (ChildFailed, ValueError, TypeError) as exc:
                    errors[name] = error_text(exc)
    errors = errors or {}
    rows = []
    for name in variants:
        stages = [(SPAWNED, "rss_spawned", rss_spawn_count(name, rss_agents, rss_built_agents))]
        if get_variant(name).step is not None and rss_built_agents:
            stages.append((AFTER_FIRST_STEP, "rss_after_first_step", rss_built_agents))
        for stage, key, n in stages:
            common = {"metric": "memory_per_agent", "variant": name, "n": n, "unit": "B"}
            common |= {"method": RSS, "stage": stage, "note": "resident set size of a fresh process (psutil)"}
            if name in errors:
                rows.append(failed(**common, repeats=repeats, error=errors[name]))
            else:
                rows.append(summarize([child[key] for child in children[name]], **common))
    return rows


def rss_spawn_count(name: str, rss_agents: int, rss_built_agents: int) -> int:
    """How many agents a variant's RSS child spawns: fewer for one that builds pymdp at spawn."""
    return rss_built_agents if _builds(name, SPAWNED) and rss_built_agents else rss_agents


def _builds(name: str, stage: str) -> bool:
    """Whether weighing this case builds pymdp agents (slow: fitted over the smaller sizes)."""
    return name == "eager" or stage == AFTER_FIRST_STEP


def _traced_bytes(
    name: str, stage: str, n: int, world: GridWorld, *, trace: bool = True, observation: object = 0
) -> float:
    """Bytes tracemalloc sees still allocated after spawning ``n`` agents (and stepping each once)."""
    variant = get_variant(name)
    if stage == AFTER_FIRST_STEP and variant.step is None:
        raise ValueError(f"variant {name!r} cannot step, so it has no after_first_step stage")

    def spawned() -> object:
        agents = variant.spawn(n, world)
        if stage == AFTER_FIRST_STEP:
            variant.step(agents, observation)
        return agents

    return float(bytes_kept(spawned, trace=trace))


#: RSS moves in whole pages (4 KiB here); it cannot tell apart less than a few pages over N agents.
PAGE_BYTES = 4096
#: How many pages over the agents a figure needs before RSS is said to resolve it.
RESOLVING_PAGES = 10


def rss_resolved(results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``results`` without the RSS rows RSS cannot resolve, and those rows with ``why`` each is left out.

    An ``rss_delta`` row is left out when its figure is under :data:`RESOLVING_PAGES` pages over its
    ``n`` agents, when its spread is wider than its median, or when it is below 80 % of tracemalloc's
    bytes for the same agents: RSS then did not grow with the agents because the process reused
    memory it had freed before (pymdp's import frees a lot), so it measured the allocator, not them.
    """
    rss = results[(results["metric"] == "memory_per_agent") & (results["method"] == RSS)]
    traced = results[(results["metric"] == "memory_per_agent") & (results["method"] == TRACEMALLOC)]
    traced = traced.sort_values("n").groupby(["variant", "stage"])["median"].last()  # the largest N
    reasons = {}
    for index, row in rss.iterrows():
        median, n = float(row["median"]), int(row["n"])
        if math.isnan(median):
            continue
        python_bytes = traced.get((row["variant"], row["stage"]), math.nan)
        resolution = RESOLVING_PAGES * PAGE_BYTES / max(n, 1)
        if median < resolution:
            reasons[index] = (
                f"{format_value(median, 'B')} is under {RESOLVING_PAGES} pages over {n:,} agents "
                f"({format_value(resolution, 'B')} per agent)"
            )
        elif row["max"] - row["min"] > abs(median):
            reasons[index] = f"spread {format_spread(row['min'], row['max'], 'B')} is wider than the median"
        elif not math.isnan(python_bytes) and median < 0.8 * python_bytes:
            reasons[index] = (
                f"{format_value(median, 'B')} is below tracemalloc's {format_value(python_bytes, 'B')} "
                "for the same agents: the process reused memory it had freed, RSS did not grow with them"
            )
    omitted = rss.loc[list(reasons), ["variant", "stage", "n", "median"]].assign(why=list(reasons.values()))
    kept = results.drop(index=list(reasons))
    kept.attrs = dict(results.attrs)
    return kept, omitted.reset_index(drop=True)
