"""Step time in a warm process, and the cumulative cost of K steps: what laziness moves, totalled."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.harness.variants import check_variants, get_variant
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize
from explorer.world import GridWorld

WARM = "in_process_warm"
#: The steady steps' CPU time (time.process_time: every thread of the process), beside their wall
#: time: on a busy machine the wall time per step also counts the waits for a core.
STEADY_CPU = "steady_cpu"
PROCESS_TIME = "process_time"


def observations_for(world: GridWorld, steps: int, seed: int = 0) -> tuple:
    """``steps`` real observations: those a lazy agent receives walking ``world`` from its start.

    For a Model: one agent (a population of one, exact to pymdp legacy) acting in the model's own world
    (:class:`explorer.measure.harness.declared.world_of`, seeded); each observation a tuple of
    one outcome per modality.
    """
    if not isinstance(world, GridWorld):
        return _model_observations(world, steps, seed)
    from explorer.agents import ExplorerAgent
    from explorer.episode import run_episode

    np.random.seed(seed)
    trajectory = run_episode(ExplorerAgent(0, "observer", world), world, steps, seed=seed, stop_at_goal=False)
    return trajectory.observations


def _model_observations(model: object, steps: int, seed: int) -> tuple:
    from explorer.measure.harness.declared import world_of
    from explorer.population import Population

    np.random.seed(seed)
    agent, walk = Population(model, 1, legacy_rng=True), world_of(model, 1, seed)
    observations = walk.reset()
    seen = []
    for _ in range(steps):
        seen.append(tuple(observations[0].tolist()))
        observations = walk.step(agent.step(observations))
    return tuple(seen)


def step_time(
    steps: int = 200,
    repeats: int = 5,
    variants: tuple[str, ...] = ("eager", "lazy"),
    warmup: int = 20,
    world: object = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Seconds per ``step`` in a warm process (imports paid), per variant, interleaved per repeat.

    Each repeat spawns one fresh agent per variant and feeds it the same ``steps`` observations.
    Rows (metric ``step_time``, method ``in_process_warm``): ``stage`` ``spawn`` (n=1),
    ``first_step`` (n=1; the lazy agent builds pymdp's Agent here) and ``steady`` (wall seconds per
    step, averaged over the ``n = steps - 1`` later steps); and ``steady_cpu`` (method
    ``process_time``: the same steps' CPU seconds per step). A single call rarely meets another
    process's time slice, a window of steps does: when ``steady`` is well above ``steady_cpu`` the
    machine was busy. Every variant must choose the same actions; if not, its rows record the error.
    ``world`` is a grid world (default: today's), any Model (agents ``LazyAgent`` / ``EagerAgent``), or a
    Model's factory (a function of no arguments, or its ``package.module:function`` path).
    """
    from explorer.measure.harness.subjects import subject

    measured = subject(world)
    steps = check_int("steps", steps, low=2)
    repeats = check_int("repeats", repeats, low=1)
    warmup = check_int("warmup", warmup, low=0)
    variants = check_variants(variants)
    world = measured.agents_of
    observations = observations_for(world, steps, seed)
    samples = {(v, s): [] for v in variants for s in ("spawn", "first_step", "steady", STEADY_CPU)}
    actions: dict[str, list[int]] = {}
    errors: dict[str, str] = {}
    for name in variants:
        variant = get_variant(name)
        if variant.step is None:
            errors[name] = f"variant {name!r} cannot step"
            continue
        try:  # warm-up: imports, the model cache, pymdp's code paths
            handle = variant.spawn(1, world)
            for obs in observations[:warmup]:
                variant.step(handle, obs)
        except Exception as exc:
            errors[name] = error_text(exc)
    for repeat in range(repeats):
        for name in rotated(variants, repeat):
            if name in errors:
                continue
            try:
                spawn_s, first_s, steady_s, cpu_s, chosen = _one_run(name, world, observations, seed)
            except Exception as exc:
                errors[name] = error_text(exc)
                continue
            samples[(name, "spawn")].append(spawn_s)
            samples[(name, "first_step")].append(first_s)
            samples[(name, "steady")].append(steady_s)
            samples[(name, STEADY_CPU)].append(cpu_s)
            if actions.setdefault(name, chosen) != chosen:
                errors[name] = "actions differ between repeats"
    reference = next((actions[v] for v in variants if v in actions and v not in errors), None)
    for name, chosen in actions.items():
        if reference is not None and chosen != reference and name not in errors:
            errors[name] = f"actions differ from {variants[0]}'s on the same observations"
    rows = []
    for name in variants:
        for stage, n in (("spawn", 1), ("first_step", 1), ("steady", steps - 1), (STEADY_CPU, steps - 1)):
            method = PROCESS_TIME if stage == STEADY_CPU else WARM
            common = {"metric": "step_time", "variant": name, "n": n, "unit": "s", "method": method}
            common |= {"stage": stage, "note": f"{steps} observations from {measured.name}"}
            if name in errors:
                rows.append(failed(**common, repeats=repeats, error=errors[name]))
            else:
                rows.append(summarize(samples[(name, stage)], **common))
    return frame(rows, machine_metadata())


def _one_run(
    name: str, world: GridWorld, observations: tuple[int, ...], seed: int
) -> tuple[float, float, float, float, list[int]]:
    """Spawn one agent, step it through ``observations``: spawn, first-step, per-step wall and CPU
    seconds, actions."""
    variant = get_variant(name)
    np.random.seed(seed)  # pymdp breaks exact ties with numpy's global RNG
    clock = time.perf_counter_ns
    t0 = clock()
    handle = variant.spawn(1, world)
    t1 = clock()
    chosen = [variant.step(handle, observations[0])[0]]
    t2, c2 = clock(), time.process_time_ns()
    for obs in observations[1:]:
        chosen.append(variant.step(handle, obs)[0])
    t3, c3 = clock(), time.process_time_ns()
    later = len(observations) - 1
    return (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9 / later, (c3 - c2) / 1e9 / later, chosen


def cumulative_cost(results: pd.DataFrame, ks: tuple[int, ...] = (1, 10, 100, 1000, 10000)) -> pd.DataFrame:
    """Total seconds for one agent to take K steps, per variant, from measured rows (nothing re-run).

    ``method`` ``warm``: spawn + first step + (K-1) steady steps, all from ``step_time`` (imports
    already paid). ``method`` ``cold``: ``first_action_time``'s in-process total (import + spawn +
    first step in a fresh process) + (K-1) steady steps. ``n`` is K; min and max combine the
    parts' minima and maxima.
    """
    ks = check_sizes("ks", ks)
    steps = results[(results["metric"] == "step_time") & (results["method"] == WARM)]
    first = results[
        (results["metric"] == "first_action_time")
        & (results["method"] == "in_process")
        & (results["stage"] == "total")
    ]
    rows = []
    for name in dict.fromkeys(steps["variant"]):
        mine = steps[steps["variant"] == name].set_index("stage")
        if not {"spawn", "first_step", "steady"} <= set(mine.index):
            continue
        steady = mine.loc["steady"]
        bases = {"warm": [mine.loc["spawn"], mine.loc["first_step"]]}
        cold = first[first["variant"] == name]
        if len(cold):
            bases["cold"] = [cold.iloc[0]]
        for method, parts in bases.items():
            repeats = int(min([steady["repeats"], *(p["repeats"] for p in parts)]))
            errors = "; ".join(p["error"] for p in [*parts, steady] if p["error"])
            for k in ks:
                common = {"metric": "cumulative_cost", "variant": name, "n": k, "unit": "s"}
                common |= {"method": method, "stage": f"{k} steps", "note": _cumulative_note(method)}
                if errors:
                    rows.append(failed(**common, repeats=repeats, error=errors))
                    continue
                row = {
                    stat: sum(float(p[stat]) for p in parts) + (k - 1) * float(steady[stat])
                    for stat in ("median", "min", "max", "q1", "q3")
                }
                noisy = row["max"] - row["min"] > row["median"]
                rows.append(common | row | {"repeats": repeats, "noisy": noisy, "error": ""})
    return frame(rows, dict(results.attrs))


def _cumulative_note(method: str) -> str:
    if method == "warm":
        return "step_time: spawn + first step + (K-1) x steady step, warm process"
    return "first_action_time in-process total (cold) + (K-1) x steady step"
