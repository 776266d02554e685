"""The history store: one small JSON per measured run in ``data/history/``, and the steps in it.

Every full ``python -m explorer report`` run appends the headline figures it measured, with its run
id, git commit, dirty flag, machine fingerprint, profile and load. Runs of the reference machine are
committed (``data/history/``, like ``data/baseline.json``); other machines write to the
git-ignored ``data/history/local/`` (the switch: ``report --history reference|local|off``, or the
environment variable ``EXPLORER_HISTORY``). Notebook 06 plots each headline over commits, one line
per machine and profile (:data:`SERIES`), and marks the steps asv's step detection
(``asv.step_detect``) finds in each such series.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from explorer.paths import DATA_DIR

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pandas as pd

#: Where committed history lives; ``local/`` below it is git-ignored.
HISTORY_DIR = DATA_DIR / "history"
#: Where the history is read from instead, when set (the tests point it at a fixture history).
HISTORY_DIR_VARIABLE = "EXPLORER_HISTORY_DIR"
#: ``0`` leaves ``local/`` out when the history is read (``report --store``: a stored notebook shows only
#: the committed history, what readers of the repository have).
HISTORY_LOCAL_VARIABLE = "EXPLORER_HISTORY_LOCAL"
#: Chooses where a report run's record goes when ``--history`` is not given.
HISTORY_MODE_VARIABLE = "EXPLORER_HISTORY"
#: The results name of a report run's instruction counts (written by :func:`count_report_run`).
COUNTS_RESULTS = "counts"
#: ``reference``: committed folder; ``local``: git-ignored folder; ``off``: not recorded.
HISTORY_MODES = ("local", "reference", "off")


@dataclass(frozen=True)
class Headline:
    """One headline figure: which results row it is, its unit, and which direction is better."""

    name: str
    label: str
    metric: str
    variant: str
    stage: str
    method: str
    unit: str
    better: str  # "lower" (times, bytes) or "higher" (speed-ups, throughput)


#: The figures the history follows (the rows with the largest ``n`` when several match).
#: The counts' method (explorer.measure.instruments.counts.METHOD; the history may not import the instruments
#: at import time). Records before 2026-11-30 counted two fresh processes per claim, with their teardown.
_COUNTED = "cachegrind Ir, difference of two children forked after a shared setup"
HEADLINES: tuple[Headline, ...] = (
    Headline("import_lazy", "cold import explorer (above bare interpreter)", "import_time", "lazy",
             "import", "process_wall_above_floor", "s", "lower"),
    Headline("import_eager", "cold import, eager agent (above bare interpreter)", "import_time", "eager",
             "import", "process_wall_above_floor", "s", "lower"),
    Headline("spawn_lazy", "lazy spawn per agent", "spawn_time", "lazy", "constructor", "", "s", "lower"),
    Headline("spawn_floor", "floor spawn per agent", "spawn_time", "floor", "constructor", "", "s", "lower"),
    Headline("spawn_eager", "eager spawn per agent", "spawn_time", "eager", "constructor", "", "s", "lower"),
    Headline("memory_lazy", "tracemalloc bytes per lazy agent", "memory_per_agent", "lazy", "spawned",
             "tracemalloc_slope", "B", "lower"),
    Headline("memory_population", "tracemalloc bytes per population agent", "memory_per_agent",
             "population", "spawned", "tracemalloc_slope", "B", "lower"),
    # launch to exit, as the parent times it: not estimates.first_action (timed inside the process)
    Headline("first_action_lazy", "first action, fresh process, launch to exit (lazy)",
             "first_action_time", "lazy", "total", "process_wall", "s", "lower"),
    Headline("first_action_population", "first action, fresh process, launch to exit (population)",
             "first_action_time", "population", "total", "process_wall", "s", "lower"),
    Headline("step_lazy", "steady step, one lazy agent", "step_time", "lazy", "steady", "", "s", "lower"),
    Headline("population_agent_step", "population, per agent-step", "agent_step_time", "population",
             "steady", "", "s", "lower"),
    Headline("population_speedup", "population speed-up over lazy agents", "speedup", "population",
             "steady", "", "x", "higher"),
    # the lanes engine against its targets (notebook 05's population_throughput and thread_scaling)
    Headline("lanes_throughput", "lanes engine, agent-steps/s on 5x5", "population_throughput", "population",
             "steady", "", "agent-steps/s", "higher"),
    Headline("lanes_over_dense", "lanes engine / dense numpy engine (paired)", "population_throughput",
             "population", "speedup_over_dense", "", "x", "higher"),
    Headline("lanes_over_sparse", "lanes engine / sparse kernel (paired)", "population_throughput",
             "population", "speedup_over_sparse", "", "x", "higher"),
    Headline("lanes_two_threads", "lanes engine, two threads / one (paired)", "thread_speedup", "population",
             "threads=2", "", "x", "higher"),
    # instructions counted under Valgrind (explorer.measure.instruments.counts): exact, so a 1% step is real
    *(Headline(f"instructions_{name}", f"instructions: {label}", "instructions", variant, stage,
               _COUNTED, "instructions", "lower")
      for name, label, variant, stage in (
          ("spawn_lazy", "lazy spawn per agent", "lazy", "constructor"),
          ("spawn_floor", "floor spawn per agent", "floor", "constructor"),
          ("spawn_eager", "eager spawn per agent", "eager", "constructor"),
          ("import_explorer", "import explorer above python -c pass", "lazy", "import"),
          ("first_step_lazy", "the lazy agent's first step", "lazy", "first_step"),
          ("population_step_dense", "dense population, per agent-step", "population_dense", "steady"),
          ("population_step_sparse", "sparse population, per agent-step", "population_sparse", "steady"),
          ("population_step_model_numpy", "any-Model numpy population, per agent-step",
           "population_model_numpy", "steady"),
          ("step_legacy", "pymdp legacy agent, per agent-step", "pymdp_legacy", "steady"),
      )),
)  # fmt: skip
HEADLINE_NAMES = tuple(h.name for h in HEADLINES)
#: What makes two records' figures comparable, beside the headline: the same machine and the same
#: profile (``quick`` and ``full`` measure other n and repeats, so a switch between them is no step).
SERIES = ("machine_id", "profile")


def headline_figures(results: pd.DataFrame) -> dict[str, dict]:
    """The headline figures found in ``results`` (tidy rows): name -> median, q1, q3, n, unit, better."""
    figures = {}
    for headline in HEADLINES:
        rows = results[(results["metric"] == headline.metric) & (results["variant"] == headline.variant)]
        if headline.stage:
            rows = rows[rows["stage"] == headline.stage]
        if headline.method:
            rows = rows[rows["method"] == headline.method]
        rows = rows[rows["median"].notna()]
        if rows.empty:
            continue
        row = rows.loc[rows["n"].idxmax()]
        figures[headline.name] = {
            "median": float(row["median"]),
            "q1": _float_or_none(row.get("q1")),
            "q3": _float_or_none(row.get("q3")),
            "n": int(row["n"]),
            "unit": headline.unit,
            "better": headline.better,
        }
    return figures


def machine_fingerprint(metadata: dict) -> dict:
    """What makes two runs' figures comparable: CPU model and count, platform and Python."""
    platform = str(metadata.get("platform", ""))
    return {
        "cpu_model": metadata.get("cpu_model", "unknown"),
        "cpu_count": metadata.get("cpu_count"),
        "system": platform.split("-")[0] if platform else "unknown",
        "python": metadata.get("python", "unknown"),
    }


def machine_label(fingerprint: dict) -> str:
    """A fingerprint for people: ``AMD EPYC, 2 cores, Python 3.11.7``."""
    return f"{fingerprint['cpu_model']}, {fingerprint['cpu_count']} cores, Python {fingerprint['python']}"


def machine_id(fingerprint: dict) -> str:
    """A short stable id of a fingerprint (8 hex digits)."""
    text = json.dumps(fingerprint, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def history_record(
    results: pd.DataFrame, metadata: dict, *, run_id: str | None = None, source: str = "report"
) -> dict:
    """One run's record: run id, commit, dirty flag, machine, load, time, profile and headline figures."""
    figures = headline_figures(results)
    if not figures:
        raise ValueError("results must hold at least one headline figure, found none")
    utc = metadata.get("utc_time") or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    commit = metadata.get("git_commit") or "unknown"
    fingerprint = machine_fingerprint(metadata)
    return {
        "run_id": run_id or metadata.get("run_id") or f"{_compact(utc)}-{commit[:8]}",
        "commit": commit,
        "dirty": bool(metadata.get("git_dirty", False)),
        "utc_time": utc,
        "profile": metadata.get("profile", ""),
        "source": source,
        "machine_id": machine_id(fingerprint),
        "machine": fingerprint,
        "load_average_1_5_15": metadata.get("load_average_1_5_15"),
        "versions": {k: metadata.get(k) for k in ("numpy", "pymdp", "pandas") if k in metadata},
        "figures": figures,
    }


def history_mode(mode: str | None = None) -> str:
    """``mode``, else ``$EXPLORER_HISTORY``, else ``local``; raises on anything not in HISTORY_MODES."""
    from explorer.checks import check_choice

    chosen = mode if mode is not None else os.environ.get(HISTORY_MODE_VARIABLE, "local")
    check_choice("history mode", chosen, HISTORY_MODES)
    return chosen


def append_record(record: dict, mode: str = "local", folder: Path = HISTORY_DIR) -> Path | None:
    """Write ``record`` as one new JSON file (atomically; never over an existing one); None when off."""
    from explorer.files import write_atomic

    mode = history_mode(mode)
    if mode == "off":
        return None
    target = Path(folder) if mode == "reference" else Path(folder) / "local"
    name = f"{_compact(record['utc_time'])}-{record['commit'][:8]}-{record['machine_id']}"
    path = target / f"{name}.json"
    suffix = 1
    while path.exists():
        suffix += 1
        path = target / f"{name}-{suffix}.json"
    return write_atomic(path, json.dumps(record, indent=1, sort_keys=True) + "\n")


def history_folder() -> Path:
    """The folder history is read from: ``$EXPLORER_HISTORY_DIR`` if set, else ``data/history``."""
    return Path(os.environ.get(HISTORY_DIR_VARIABLE) or HISTORY_DIR)


def load_history(folder: Path | None = None, *, local: bool | None = None) -> pd.DataFrame:
    """Every record under ``folder`` (``local/`` too unless ``local`` is False, by default unless
    ``$EXPLORER_HISTORY_LOCAL`` is ``0``) as tidy rows: one per run and headline.

    Columns: run_id, commit, dirty, utc_time, source, profile, machine_id, machine, load_1, headline,
    label, median, q1, q3, unit, better; sorted by time.
    """
    import pandas as pd

    folder = history_folder() if folder is None else Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing history folder, got {str(folder)!r}")
    if local is None:
        local = os.environ.get(HISTORY_LOCAL_VARIABLE, "1") != "0"
    labels = {h.name: h.label for h in HEADLINES}
    rows = []
    for path in sorted([*folder.glob("*.json"), *(folder.glob("local/*.json") if local else [])]):
        record = json.loads(path.read_text(encoding="utf-8"))
        machine = record["machine"]
        load = record.get("load_average_1_5_15") or [None]
        for name, figure in record["figures"].items():
            rows.append(
                {
                    "run_id": record["run_id"],
                    "commit": record["commit"][:8],
                    "dirty": record["dirty"],
                    "utc_time": pd.Timestamp(record["utc_time"]),
                    "source": record.get("source", ""),
                    "profile": record.get("profile", ""),
                    "machine_id": record["machine_id"],
                    "machine": machine_label(machine),
                    "load_1": load[0],
                    "headline": name,
                    "label": labels.get(name, name),
                    "median": figure["median"],
                    "q1": figure.get("q1"),
                    "q3": figure.get("q3"),
                    "unit": figure["unit"],
                    "better": figure["better"],
                }
            )
    columns = ["run_id", "commit", "dirty", "utc_time", "source", "profile", "machine_id", "machine"]
    columns += ["load_1", "headline", "label", "median", "q1", "q3", "unit", "better"]
    return pd.DataFrame(rows, columns=columns).sort_values(["utc_time", "run_id"], ignore_index=True)


def history_steps(history: pd.DataFrame) -> pd.DataFrame:
    """Where each headline changed, per machine and profile (:data:`SERIES`), as asv's step detection
    sees its series of runs.

    One row per step: headline, machine, profile, the commit before and the first commit after, the
    segment values before and after (asv's segment averages), their ratio, and whether the change
    is an improvement given the headline's direction (``not comparable`` when a level is at or below
    zero, as a difference from a floor can be: no ratio then).
    """
    import pandas as pd
    from asv.step_detect import detect_steps

    rows = []
    for (headline, machine, profile), series in history.groupby(["headline", *SERIES], sort=True):
        series = series.sort_values(["utc_time", "run_id"])
        values = series["median"].tolist()
        if len(values) < 2:
            continue
        steps = detect_steps(values)
        for before, after in itertools.pairwise(steps):
            start = after[0]
            comparable = before[2] > 0 and after[2] > 0
            ratio = after[2] / before[2] if comparable else float("nan")
            better = series["better"].iloc[0]
            improved = (ratio < 1) == (better == "lower")
            rows.append(
                {
                    "headline": headline,
                    "machine_id": machine,
                    "profile": profile,
                    "before_commit": series["commit"].iloc[start - 1],
                    "after_commit": series["commit"].iloc[start],
                    "run_index": start,
                    "before": before[2],
                    "after": after[2],
                    "ratio": ratio,
                    "unit": series["unit"].iloc[0],
                    "change": ("improved" if improved else "regressed") if comparable else "not comparable",
                }
            )
    columns = ["headline", "machine_id", "profile", "before_commit", "after_commit", "run_index"]
    columns += ["before", "after", "ratio", "unit", "change"]
    return pd.DataFrame(rows, columns=columns)


def record_from_results_files(
    paths: list[Path], *, run_id: str | None = None, source: str = "report"
) -> dict:
    """One record from saved results files of one run (the report's notebooks write several)."""
    import pandas as pd

    from explorer.measure.results.storage import load_results

    frames = [load_results(path) for path in paths]
    if not frames:
        raise ValueError("paths must name at least one results file, got none")
    metadata = dict(frames[0].attrs)
    return history_record(pd.concat(frames, ignore_index=True), metadata, run_id=run_id, source=source)


def run_record(run_id: str, profile: str, *, source: str = "report") -> dict:
    """The record of run ``run_id``: the headlines of every results file its notebooks and counts saved."""
    from explorer.measure.results.run_files import PRODUCERS, results_path

    paths = [results_path(name, profile, run_id) for name in (*PRODUCERS, COUNTS_RESULTS)]
    found = [path for path in paths if path.is_file()]
    if not found:
        raise ValueError(f"run_id {run_id!r} saved no {profile} results (looked for {', '.join(PRODUCERS)})")
    return record_from_results_files(found, run_id=run_id, source=source)


def count_report_run(profile: str) -> Path | None:
    """Count the claims' instructions (explorer.measure.instruments.counts) as results of the latest report
    run.

    A few minutes of two cores under Valgrind; None, with nothing counted, where Valgrind is missing.
    """
    import shutil

    from explorer.measure.instruments.counts import instruction_counts
    from explorer.measure.results.run_files import latest_run_id, save_run

    if shutil.which("valgrind") is None:
        return None
    return save_run(instruction_counts(), COUNTS_RESULTS, profile=profile, run_id=latest_run_id())


def record_report_run(profile: str, started: float, mode: str | None = None) -> Path | None:
    """Append the report run that started at ``started`` (epoch seconds) to the history.

    Reads the results its notebooks saved under the latest run id (``explorer.measure.results.run_files``),
    only files written since ``started``; raises if there are none. None when the mode is ``off``.
    """
    from explorer.measure.results.run_files import PRODUCERS, latest_run_id, results_path

    mode = history_mode(mode)
    if mode == "off":
        return None
    run_id = latest_run_id()
    names = [*PRODUCERS, COUNTS_RESULTS]
    paths = [results_path(name, profile, run_id) for name in names] if run_id else []
    fresh = [p for p in paths if p.is_file() and p.stat().st_mtime >= started]
    if not fresh:
        raise ValueError(f"no results file was written by this {profile} report run (latest run: {run_id})")
    return append_record(record_from_results_files(fresh, run_id=run_id), mode)


def _compact(utc: str) -> str:
    return "".join(ch for ch in utc[:19] if ch.isdigit() or ch == "T") + "Z"


def _float_or_none(value: object) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number
