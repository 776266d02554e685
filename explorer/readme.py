"""The README's table of headline figures, generated from the newest reference record of the history
(and its paragraph on the lanes engine, from the newest full one).

Figures are never typed into the README: :func:`update_readme` rewrites the table between two
marker lines from the newest record in ``data/history/`` (the reference machine's, not
``local/``), atomically, and ``tests/test_readme_figures.py`` fails when the two disagree. Run it
after recording a reference run: ``python -m explorer readme`` (``--check`` only compares).
"""

from __future__ import annotations

import json
from pathlib import Path

from explorer.history import HISTORY_DIR, machine_label
from explorer.paths import ROOT
from explorer.units import RATE, format_spread, format_value

README = ROOT / "README.md"
START = "<!-- headline figures: written by explorer.readme.update_readme from data/history/; do not edit -->"
END = "<!-- end of headline figures -->"
LANES_START = (
    "<!-- lanes engine: written by explorer.readme.update_readme from data/history/; do not edit -->"
)
LANES_END = "<!-- end of lanes engine -->"

#: (headline in the record, what the README calls it (``{n}``: the record's n), whether to show its
#: reciprocal as a rate).
ROWS: tuple[tuple[str, str, bool], ...] = (
    ("population_agent_step", "population of {n} agents, 5x5 grid world: agent-steps per second", True),
    ("population_speedup", "population over lazy agents, n = {n}: speed-up per agent-step", False),
    ("first_action_population", "population of one: first action, fresh process, launch to exit", False),
    ("memory_population", "population: Python bytes per agent", False),
    ("import_lazy", "`import explorer` above a bare interpreter (cold)", False),
    ("spawn_lazy", "lazy agent: spawn (constructor alone)", False),
    ("spawn_floor", "floor: a bare `__slots__` object with the same fields", False),
    ("memory_lazy", "lazy agent: Python bytes per agent, spawned", False),
    ("first_action_lazy", "lazy agent: first action, fresh process (imports pymdp)", False),
    ("spawn_eager", "eager agent: spawn (builds pymdp's Agent)", False),
)

#: Headlines that are a difference from a floor: while their spread reaches zero they are not
#: told from it (methodology, "A negative difference is noise").
ABOVE_FLOOR = {"import_lazy": "the bare interpreter"}


def reference_records(folder: Path = HISTORY_DIR) -> list[Path]:
    """The reference machine's records in ``folder`` (not ``local/``), oldest first."""
    paths = list(Path(folder).glob("*.json"))
    times = {p: json.loads(p.read_text(encoding="utf-8"))["utc_time"] for p in paths}
    return sorted(paths, key=lambda p: (times[p], p.name))


def newest_reference_record(folder: Path = HISTORY_DIR) -> tuple[Path, dict]:
    """The newest reference record (by its UTC time) and its path; ValueError when there is none."""
    records = reference_records(folder)
    if not records:
        raise ValueError(f"folder must hold at least one history record (*.json), got none in {folder}")
    return records[-1], json.loads(records[-1].read_text(encoding="utf-8"))


def headline_table(record: dict, source: str = "") -> str:
    """The Markdown table of ``record``'s headline figures: the median, and q1 to q3 of the repeats."""
    figures = record["figures"]
    lines = ["| figure | median | middle half of the repeats (q1 to q3) |", "| --- | --- | --- |"]
    for name, label, as_rate in ROWS:
        figure = figures.get(name)
        if figure is None:
            continue
        median, q1, q3, unit = figure["median"], figure.get("q1"), figure.get("q3"), figure["unit"]
        if as_rate:  # seconds per agent-step -> agent-steps per second (the quartiles swap)
            median, q1, q3, unit = 1 / median, q3 and 1 / q3, q1 and 1 / q1, RATE
        spread = format_spread(q1, q3, unit) if q1 and q3 else ""
        label = label.format(n=f"{figure.get('n', 1):,}")
        shown = format_value(median, unit)
        if name in ABOVE_FLOOR and min(median, q1 if q1 is not None else median) <= 0:
            shown = f"≈ 0: not distinguishable from {ABOVE_FLOOR[name]}"
        lines.append(f"| {label} | {shown} | {spread} |")
    load = (record.get("load_average_1_5_15") or [None])[0]
    where = f"`{source}`" if source else f"run {record['run_id']}"
    lines += [
        "",
        f"Medians; in parentheses the middle half (q1 to q3) of the repeats. From {where}: a "
        f"{record.get('profile') or ''} report of commit {record['commit'][:7]}"
        f"{' (dirty tree)' if record.get('dirty') else ''} on {machine_label(record['machine'])}, "
        f"{record['utc_time'][:10]}, load average {load} at the end.",
    ]
    return "\n".join(lines)


def newest_full_record(folder: Path = HISTORY_DIR) -> tuple[Path, dict] | None:
    """The newest reference record of a full report holding the lanes engine's throughput, or None: a
    full run measures it where the engine's targets are set (n = 100,000; a quick run's n is 10,000)."""
    for path in reversed(reference_records(folder)):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("profile") == "full" and "lanes_throughput" in record["figures"]:
            return path, record
    return None


def lanes_text(folder: Path = HISTORY_DIR) -> str:
    """The README's paragraph on the grid's lanes engine, from :func:`newest_full_record`."""
    found = newest_full_record(folder)
    if found is None:
        return (
            "No full report has recorded the lanes engine yet "
            "(`.venv/bin/python -m explorer report --history reference`)."
        )
    path, record = found
    figures = record["figures"]

    def shown(name: str) -> str:
        figure = figures.get(name)
        if figure is None:
            return "not measured"
        q1, q3 = figure.get("q1"), figure.get("q3")
        spread = f" {format_spread(q1, q3, figure['unit'])}" if q1 is not None and q3 is not None else ""
        return f"{format_value(figure['median'], figure['unit'])}{spread}"

    n = figures["lanes_throughput"]["n"]
    threads_n = figures.get("lanes_two_threads", {}).get("n", n)
    load = (record.get("load_average_1_5_15") or [None])[0]
    source = _source(path)
    return (
        f"**The grid's lanes engine** (the default: agents side by side in SIMD lanes), 5x5 world, "
        f"n = {n:,}, each agent walking to the goal and staying there (most timed steps find it there; "
        "the table above times fresh agents' first steps, beliefs spread, a dearer step): "
        f"{shown('lanes_throughput')}, {shown('lanes_over_dense')} the dense numpy engine and "
        f"{shown('lanes_over_sparse')} the sparse kernel it replaced (paired per repeat in one interleaved "
        f"run); two threads {shown('lanes_two_threads')} one (n = {threads_n:,}). Medians, the middle half "
        f"of the repeats in parentheses. From `{source}`: a full report of commit {record['commit'][:7]} "
        f"on {machine_label(record['machine'])}, {record['utc_time'][:10]}, load average {load} at the "
        "end. Where the time goes, stage by stage, and the fraction of the machine's bandwidth and flops "
        "it uses: [notebook 05](notebooks/05_population.ipynb)."
    )


def current_table(folder: Path = HISTORY_DIR) -> str:
    """The table the README should hold now: from the newest reference record in ``folder``."""
    path, record = newest_reference_record(folder)
    source = _source(path)
    return headline_table(record, source)


def _source(path: Path) -> str:
    """How the README names a record: its path in the checkout, else its file name."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def readme_table(text: str) -> str:
    """The generated table in a README's ``text`` (between the markers); ValueError without them."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"the README must hold the markers {START!r} and {END!r} once each, in order")
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n")


def readme_lanes(text: str) -> str | None:
    """The generated lanes paragraph in a README's ``text`` (between its markers), None without them."""
    if text.count(LANES_START) != 1 or text.count(LANES_END) != 1:
        return None
    return text.split(LANES_START, 1)[1].split(LANES_END, 1)[0].strip("\n")


def rewritten(text: str, folder: Path = HISTORY_DIR) -> str:
    """A README's ``text`` with the table between its markers written from the newest reference record
    (and the lanes paragraph, where its markers are, from the newest full one)."""
    readme_table(text)  # raises without the markers
    before, after = text.split(START, 1)[0], text.split(END, 1)[1]
    text = f"{before}{START}\n{current_table(folder)}\n{END}{after}"
    if readme_lanes(text) is None:
        return text
    before, after = text.split(LANES_START, 1)[0], text.split(LANES_END, 1)[1]
    return f"{before}{LANES_START}\n{lanes_text(folder)}\n{LANES_END}{after}"


def update_readme(path: Path = README, folder: Path = HISTORY_DIR) -> bool:
    """Rewrite the table in the README at ``path`` from the newest reference record; whether it changed.

    Everything outside the markers is kept as it is; the file is replaced atomically.
    """
    from explorer.files import write_atomic

    text = Path(path).read_text(encoding="utf-8")
    new = rewritten(text, folder)
    if new == text:
        return False
    write_atomic(path, new)
    return True
