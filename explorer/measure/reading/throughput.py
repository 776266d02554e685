"""The throughput table as Markdown, from one run's record: a few rows for the README, every engine x task
x n for the docs, each beside its protocol, so that no figure of it is typed by hand.

``python -m explorer readme`` (as for the headline figures; ``--check`` only compares) rewrites the blocks
between the ``throughput-table`` markers in ``README.md`` and ``docs/throughput.md`` from the record
(:data:`RECORD`, written by ``python -m explorer bench --only throughput_table --json
data/throughput_table.json``); ``tests/test_readme_figures.py`` fails when they disagree.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from explorer.paths import DATA_DIR, ROOT

#: The committed record of the last full run of the table.
RECORD = DATA_DIR / "throughput_table.json"
#: What measures the record again (the full profile), with every allocation under a 4 GiB limit (so that
#: the run's peak stays near 6 GB).
COMMAND = ".venv/bin/python -m explorer bench --only throughput_table --json data/throughput_table.json"
#: How the command runs: every allocation under 4 GiB.
ENVIRONMENT = "with `EXPLORER_MEMORY_LIMIT=4GiB`"
#: Where each view goes: file -> (marker name, which view).
TARGETS = {ROOT / "README.md": "short", ROOT / "docs" / "throughput.md": "full"}
#: The README's few rows: the array engines and pymdp's, on the T-maze and the 5x5 grid.
SHORT_ENGINES = ("numba", "lanes", "numpy", "jax", "rollout", "legacy")
SHORT_TASKS = ("tmaze", "grid5")
#: Table names for readers.
TASK_NAMES = {"grid5": "5x5 grid", "grid20": "20x20 grid", "tmaze": "T-maze", "random3": "random 3-factor"}
ENGINE_NAMES = {
    "numpy": "explorer, numpy engine",
    "numba": "explorer, numba engine",
    "lanes": "explorer, the grid's lanes engine",
    "sparse": "explorer, the grid's sparse engine",
    "jax": "pymdp 1.0 batched JAX `Agent`",
    "rollout": "pymdp 1.0 jitted `rollout`",
    "legacy": "loop of pymdp legacy `Agent`s",
    "lazy": "loop of `explorer.LazyAgent`",
}


def figure(value: float) -> str:
    """``value`` to three significant figures with thousands separators (``48,800``, ``12.3``)."""
    if value is None or not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    digits = 2 - math.floor(math.log10(abs(value)))
    return f"{round(value, digits):,.{max(digits, 0)}f}"


def why_missing(error: str) -> str:
    """A row's error in two or three words: why no figure stands there (``failed`` unless left out by design:
    does not apply, not measured, over the memory limit, beliefs differ)."""
    if error.startswith("not run"):
        return "does not apply"
    if error.startswith("not measured"):
        return "not measured"
    if error.startswith("MemoryError"):
        return "over the memory limit"
    if error.startswith("first-step beliefs differ"):
        return "beliefs differ, not timed"
    return "failed"


def unexplained_errors(results: pd.DataFrame) -> list[str]:
    """Every error in ``results`` but the throughput table's gaps left by design (:func:`why_missing`: an
    engine that does not apply, a loop above its n, over the memory limit, beliefs that part): what broke.
    Outside the table's rows the same words are a failure (another instrument's engine that did not run)."""
    table = results["metric"].astype(str).str.startswith("throughput_table")
    return sorted(set(results.loc[~(table & left_out_by_design(results["error"])), "error"]) - {""})


def left_out_by_design(errors: pd.Series) -> pd.Series:
    """Whether each row's error is a gap left by design (:func:`why_missing` reads anything but
    ``failed``); False for rows without an error."""
    errors = errors.fillna("").astype(str)
    return errors.map(lambda error: bool(error) and why_missing(error) != "failed")


def _cell(rows: pd.DataFrame, interval: bool = True) -> str:
    if rows.empty:
        return ""
    row = rows.iloc[0]
    if row["error"]:
        return why_missing(str(row["error"]))
    shown = figure(float(row["median"]))
    if interval and math.isfinite(float(row["ci_low"])) and math.isfinite(float(row["ci_high"])):
        shown += f" [{figure(float(row['ci_low']))}, {figure(float(row['ci_high']))}]"
    return shown


def _select(results: pd.DataFrame, metric: str, engine: str, task: str, n: int | None = None) -> pd.DataFrame:
    rows = results[
        (results["metric"] == metric) & (results["variant"] == engine) & (results["stage"] == task)
    ]
    return rows if n is None else rows[rows["n"] == n]


def _largest_measured(results: pd.DataFrame, engine: str, task: str) -> int | None:
    rows = _select(results, "throughput_table", engine, task)
    rows = rows[rows["error"] == ""]
    return int(rows["n"].max()) if len(rows) else None


def short_table(results: pd.DataFrame) -> str:
    """A few rows: per engine, agent-steps per second on the T-maze and the 5x5 grid at the largest n it
    ran (n in the cell), and bytes per agent there."""
    tasks = [t for t in SHORT_TASKS if t in set(results["stage"])]
    header = ["engine"] + [f"{TASK_NAMES.get(t, t)}: agent-steps/s (n)" for t in tasks]
    header += [f"bytes per agent ({' / '.join(TASK_NAMES.get(t, t) for t in tasks)})"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for engine in SHORT_ENGINES:
        if engine not in set(results["variant"]):
            continue
        cells, weights = [ENGINE_NAMES[engine]], []
        for task in tasks:
            n = _largest_measured(results, engine, task)
            if n is None:
                rows = _select(results, "throughput_table", engine, task)
                cells.append(_cell(rows.head(1), interval=False) or "-")
                weights.append("-")
                continue
            cells.append(f"{_cell(_select(results, 'throughput_table', engine, task, n), False)} ({n:,})")
            weights.append(_weight(results, engine, task, n))
        lines.append("| " + " | ".join([*cells, " / ".join(weights)]) + " |")
    return "\n".join(lines)


def _weight(results: pd.DataFrame, engine: str, task: str, n: int) -> str:
    """Bytes per agent at ``n``, else at the largest n weighed below it (that n in parentheses)."""
    rows = _select(results, "throughput_table_bytes", engine, task)
    rows = rows[(rows["error"] == "") & (rows["n"] <= n)].sort_values("n")
    if rows.empty:
        return "-"
    weighed = int(rows.iloc[-1]["n"])
    return _cell(rows.tail(1), interval=False) + " B" + ("" if weighed == n else f" (n = {weighed:,})")


def full_tables(results: pd.DataFrame) -> str:
    """Per task: agent-steps per second (median [95% interval]) and bytes per agent, engine x n, then the
    largest n each engine ran and its cold first action."""
    ns = sorted({int(n) for n in results.loc[results["metric"] == "throughput_table", "n"]})
    parts = []
    for task in dict.fromkeys(results.loc[results["metric"] == "throughput_table", "stage"]):
        engines = list(dict.fromkeys(_select_task(results, task)["variant"]))
        head = ["engine"] + [f"n = {n:,}" for n in ns]
        parts.append(f"**{TASK_NAMES.get(task, task)}**: agent-steps per second, median [95% interval]\n")
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for engine in engines:
            cells = [_cell(_select(results, "throughput_table", engine, task, n)) or "-" for n in ns]
            lines.append("| " + " | ".join([ENGINE_NAMES.get(engine, engine), *cells]) + " |")
        parts.append("\n".join(lines))
        head = ["engine"] + [f"n = {n:,}" for n in ns] + ["largest n run", "cold first action"]
        parts.append(f"\n**{TASK_NAMES.get(task, task)}**: bytes per agent after the first step\n")
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for engine in engines:
            cells = []
            for n in ns:
                rows = _select(results, "throughput_table_bytes", engine, task, n)
                cells.append(
                    _cell(rows, interval=False) + (" B" if len(rows) and not rows.iloc[0]["error"] else "")
                    or "-"
                )
            largest = _select(results, "throughput_table_largest_n", engine, task)
            largest = largest[largest["method"] == "measured"]
            cold = _select(results, "throughput_table_first_action", engine, task)
            cold = cold[cold["method"] == "in_child_total"]
            cells.append(f"{int(largest.iloc[0]['median']):,}" if len(largest) else "-")
            cells.append(
                _cell(cold, interval=False) + " s" if len(cold) and not cold.iloc[0]["error"] else "-"
            )
            lines.append("| " + " | ".join([ENGINE_NAMES.get(engine, engine), *cells]) + " |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _select_task(results: pd.DataFrame, task: str) -> pd.DataFrame:
    return results[(results["metric"] == "throughput_table") & (results["stage"] == task)]


def throughput_note(results: pd.DataFrame) -> str:
    """When, where and under what load the record was measured, and the command that measures it again."""
    meta = results.attrs
    commit = (meta.get("git_commit") or "no git checkout")[:7] + (" (dirty)" if meta.get("git_dirty") else "")
    load = meta.get("load_average") or ["?", "?"]
    took = meta.get("duration_s")
    ran = f", {took / 60:.0f} minutes" if isinstance(took, (int, float)) else ""
    machine = f"{meta.get('cpu_count')} x {meta.get('cpu_model')}"
    loads = f"1-minute load average {figure(load[0])} at the start and {figure(load[1])} at the end"
    if _shared(load[0], meta.get("cpu_count")):
        loads = f"shared with other work: {loads}, so absolute figures are below an idle machine's"
    else:
        loads = f"otherwise idle: {loads}"
    return (
        f"Measured {meta.get('utc_time', '?')[:16]} UTC{ran}, commit {commit}, on {machine} {loads}; "
        f"ratios come from one interleaved run. {_memory_note(meta)}Re-measure: `{COMMAND}` "
        f"({ENVIRONMENT}), then `.venv/bin/python -m explorer readme`."
    )


def _shared(load: object, cores: object) -> bool:
    """Whether a start load says other work ran beside the measurement (over half the cores busy)."""
    if not isinstance(load, (int, float)) or not isinstance(cores, int) or cores < 1:
        return True  # unknown: claim no idle machine
    return load > cores / 2


def _memory_note(meta: dict) -> str:
    from explorer.units import format_value

    limit, peak = meta.get("memory_limit_bytes"), meta.get("peak_rss_bytes")
    if not limit:
        return ""
    held = f"; the run's peak resident memory {format_value(peak, 'B')}" if peak else ""
    return f"Memory limit per allocation {format_value(limit, 'B')} (explorer.limits){held}. "


def blocks(results: pd.DataFrame) -> dict[str, str]:
    """The Markdown of each view (``short``, ``full``) with its note; the docs' carries the protocol."""
    from explorer.measure.instruments.population.table import throughput_protocol

    note = throughput_note(results)
    protocol = throughput_protocol(results).replace("\n", " ")
    return {
        "short": f"{short_table(results)}\n\n{note} Protocol and every cell: "
        "[the throughput table](docs/throughput.md#throughput-table).",
        "full": f"{full_tables(results)}\nProtocol. {protocol}\n\n{note}",
    }


def throughput_record(path: str | Path = RECORD) -> pd.DataFrame:
    """The committed record of the full table (:data:`RECORD`): what the README and the docs show."""
    from explorer.measure.results.storage import load_results

    return load_results(path)


def block(text: str, name: str = "throughput-table") -> str:
    """What stands between ``<!-- name:start -->`` and ``<!-- name:end -->`` in ``text``."""
    pattern = re.compile(rf"<!-- {name}:start -->\n(?:(.*?)\n)?<!-- {name}:end -->", re.S)
    found = pattern.search(text)
    if found is None:
        raise ValueError(f"text has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return found.group(1) or ""


def stale_tables(record: str | Path = RECORD) -> list[Path]:
    """The files whose throughput block is not what ``record`` writes (empty: all current)."""
    views = blocks(throughput_record(record))
    return [path for path, view in TARGETS.items() if block(path.read_text()) != views[view]]


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with what stands between ``<!-- name:start -->`` and ``<!-- name:end -->`` replaced."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"text has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def write_tables(record: str | Path = RECORD) -> list[Path]:
    """Rewrite the throughput blocks of the README and the docs from ``record``; returns the files changed."""
    from explorer.files import write_atomic

    views = blocks(throughput_record(record))
    changed = []
    for path, view in TARGETS.items():
        text = path.read_text()
        new = replace_block(text, "throughput-table", views[view])
        if new != text:
            write_atomic(path, new)
            changed.append(path)
    return changed
