"""Where a step spends its time and a run its memory: line_profiler, cProfile, memory_profiler.

Each returns a DataFrame (not the profilers' text, which headless notebooks lose).
"""

from __future__ import annotations

import cProfile
import linecache
import pstats
import sysconfig
import time
import warnings

import pandas as pd

from explorer.checks import check_choice, check_int
from explorer.measure.harness.subjects import subject
from explorer.measure.harness.variants import get_variant
from explorer.measure.instruments.steps import observations_for
from explorer.measure.results.metadata import machine_metadata
from explorer.paths import ROOT


def step_path_functions(model: bool = False) -> list:
    """The functions a step runs through: explorer's bridge and the pymdp code it spends time in (for any
    Model, ``model=True``: the bridge for one outcome per modality, and the fixed point over factors)."""
    from pymdp.legacy import control, inference, maths
    from pymdp.legacy.agent import Agent
    from pymdp.legacy.algos import fpi

    from explorer.legacy import legacy_model_step, legacy_step

    candidates = [
        legacy_model_step if model else legacy_step,
        Agent.infer_states,
        Agent.infer_policies,
        Agent.sample_action,
        getattr(inference, "update_posterior_states_factorized", None),
        getattr(control, "update_posterior_policies_factorized", None),
        getattr(control, "calc_expected_utility", None),
        getattr(control, "calc_states_info_gain_factorized", None),
        getattr(maths, "spm_MDP_G", None),
        *([getattr(fpi, "run_vanilla_fpi_factorized", None)] if model else []),
    ]
    return [f for f in candidates if f is not None]


def _stepper(variant: str, steps: int, world: object, seed: int):
    """A function that spawns one agent of ``variant`` and steps it through real observations; ``world``
    as :func:`explorer.measure.harness.subjects.subject` takes it (a grid world, a Model or a factory)."""
    world = subject(world).agents_of
    observations = observations_for(world, steps, seed)
    chosen = get_variant(variant)
    if chosen.step is None:
        raise ValueError(f"variant must be able to step, got {variant!r}")

    def run() -> None:
        handle = chosen.spawn(1, world)
        for obs in observations:
            chosen.step(handle, obs)

    run()  # warm-up: imports and caches stay out of the profile
    return run


def package_path(filename: str) -> str:
    """``filename`` as a reader knows it: from its package down (``pymdp/legacy/control.py``,
    ``explorer/legacy.py``, ``stdlib/copy.py``), not this machine's absolute path; built-ins (``~``)
    unchanged."""
    path = filename.replace("\\", "/")
    marker = path.rfind("-packages/")
    if marker >= 0:
        return path[marker + len("-packages/") :]
    root = str(ROOT).replace("\\", "/") + "/"
    if path.startswith(root):
        return path[len(root) :]
    stdlib = sysconfig.get_paths()["stdlib"].replace("\\", "/") + "/"
    return "stdlib/" + path[len(stdlib) :] if path.startswith(stdlib) else filename


def _harness(filename: str, name: str) -> bool:
    """Whether a profiled function is the measuring harness rather than the agent's step."""
    path = package_path(filename)
    return path.startswith("explorer/measure/") or "_lsprof" in name


def line_profile(
    steps: int = 50,
    variant: str = "lazy",
    functions: list | None = None,
    world: object = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Per-line time of the step path over ``steps`` steps of one fresh agent (line_profiler).

    Columns: ``function``, ``file``, ``line``, ``hits``, ``time_s`` (total in that line),
    ``per_hit_s``, ``percent`` (of that function's total time), ``function_total_s``, ``source``.
    ``world``: a grid world (default: today's), any Model, a factory or its path (agents ``LazyAgent``).
    """
    from line_profiler import LineProfiler

    steps = check_int("steps", steps, low=1)
    run = _stepper(variant, steps, world, seed)
    profiler = LineProfiler(*(functions or step_path_functions(subject(world).is_model)))
    profiler.runcall(run)
    stats = profiler.get_stats()
    rows = []
    for (filename, _, func_name), lines in stats.timings.items():
        total = sum(t for _, _, t in lines) * stats.unit
        for lineno, hits, t in lines:
            seconds = t * stats.unit
            rows.append(
                {
                    "function": func_name,
                    "file": package_path(filename),
                    "line": lineno,
                    "hits": hits,
                    "time_s": seconds,
                    "per_hit_s": seconds / hits if hits else float("nan"),
                    "percent": 100 * seconds / total if total else float("nan"),
                    "function_total_s": total,
                    "source": linecache.getline(filename, lineno).rstrip(),
                }
            )
    df = pd.DataFrame(rows, columns=_LINE_COLUMNS)
    df.attrs = machine_metadata() | {"steps": steps, "variant": variant}
    return df


_LINE_COLUMNS = [
    "function",
    "file",
    "line",
    "hits",
    "time_s",
    "per_hit_s",
    "percent",
    "function_total_s",
    "source",
]


def function_profile(
    steps: int = 50,
    variant: str = "lazy",
    top: int = 25,
    sort: str = "cumulative_s",
    world: object = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The ``top`` functions by ``sort`` (``cumulative_s`` or ``self_s``) over ``steps`` steps (cProfile).

    Columns: ``function``, ``file`` (relative to its package's folder), ``line``, ``calls``,
    ``primitive_calls``, ``self_s`` (time in the function itself), ``cumulative_s`` (with its
    callees), ``percent_self`` (of all self time). The measuring harness (explorer.measure's loop
    and the profiler's own calls) is left out: the rows are the agent's step.
    """
    steps = check_int("steps", steps, low=1)
    top = check_int("top", top, low=1)
    check_choice("sort", sort, ("cumulative_s", "self_s"))
    run = _stepper(variant, steps, world, seed)
    profile = cProfile.Profile()
    profile.runcall(run)
    raw = pstats.Stats(profile).stats  # {(file, line, name): (primitive, calls, self, cumulative, callers)}
    rows = [
        {
            "function": name,
            "file": package_path(filename),
            "line": line,
            "calls": calls,
            "primitive_calls": primitive,
            "self_s": self_s,
            "cumulative_s": cumulative_s,
        }
        for (filename, line, name), (primitive, calls, self_s, cumulative_s, _) in raw.items()
        if not _harness(filename, name)
    ]
    df = pd.DataFrame(rows)
    df["percent_self"] = 100 * df["self_s"] / df["self_s"].sum()
    df = df.sort_values(sort, ascending=False).head(top).reset_index(drop=True)
    df.attrs = machine_metadata() | {"steps": steps, "variant": variant}
    return df


def memory_samples(
    agents: int = 300, variant: str = "lazy", interval: float = 0.01, world: object = None
) -> pd.DataFrame:
    """RSS sampled while ``agents`` agents are spawned and then each stepped once (memory_profiler).

    Columns: ``t_s`` (seconds since the first sample) and ``rss_MiB`` (resident set size). RSS
    counts pages the process holds, so memory freed and reused shows no change. ``attrs``
    ``spawned_s`` and ``stepped_s``: when spawning, then the steps, ended (same clock as ``t_s``).
    ``world``: as :func:`line_profile` (a Model's agents each take one real observation of its world).
    """
    from memory_profiler import memory_usage

    agents = check_int("agents", agents, low=1)
    if not interval > 0:
        raise ValueError(f"interval must be > 0 seconds, got {interval!r}")
    measured = subject(world)
    world = measured.agents_of
    first = observations_for(world, 1)[0] if measured.is_model else world.start
    chosen = get_variant(variant)
    chosen.spawn(1, world)  # imports happen before sampling starts

    marks: dict[str, float] = {}

    def populate() -> int:
        handle = chosen.spawn(agents, world)
        marks["spawned"] = time.time()
        if chosen.step is not None:
            chosen.step(handle, first)
        marks["stepped"] = time.time()
        return len(handle)

    started = time.time()
    with warnings.catch_warnings():
        # memory_profiler forks a child that only polls this process's RSS through psutil; once
        # JAX is loaded (a jax Population earlier in the same kernel) JAX warns about any fork.
        warnings.filterwarnings("ignore", r"os\.fork\(\) was called", RuntimeWarning)
        warnings.filterwarnings("ignore", r".*multi-threaded, use of fork\(\)", DeprecationWarning)
        samples = memory_usage((populate, (), {}), interval=interval, timestamps=True)
    df = pd.DataFrame(samples, columns=["rss_MiB", "timestamp"])
    origin = min(df["timestamp"].min(), started)
    df["t_s"] = df["timestamp"] - origin
    df = df[["t_s", "rss_MiB"]]
    df.attrs = machine_metadata() | {"agents": agents, "variant": variant, "interval_s": interval}
    df.attrs |= {"spawned_s": marks["spawned"] - origin, "stepped_s": marks["stepped"] - origin}
    return df
