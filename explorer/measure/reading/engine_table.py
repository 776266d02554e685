"""The bench's second table: what the eager/lazy/floor/population columns cannot show.

The throughput table, the model's engines (``model_throughput``) and the population's engines measure
engines (numpy, numba, jax, legacy, ...), not those four variants: each engine is a row with its
agent-steps per second at each n, its bytes per agent and the largest n it ran; the ratios, the
machine's peak, one agent-step's work and the fraction of the limit reached are a row each, the figure
beside its name. Every figure's spread and every failed cell's reason stay in the JSON/CSV.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from explorer.units import RATE, format_value, number

#: The metrics this table shows (and the first table leaves out).
ENGINE_METRICS = (
    "throughput_table",
    "throughput_table_bytes",
    "throughput_table_largest_n",
    "throughput_table_first_action",
    "population_throughput",
    "throughput_ratio",
    "limit_fraction",
    "machine_peak",
    "step_work",
)
#: The per-engine columns after the n columns, dropped from the last when the table is too wide.
EXTRA_COLUMNS = ("bytes/agent", "largest n", "cold start", "memory allows")
#: SI prefixes for a machine's rates (a matmul peak reads "50 GFLOP/s", not eleven digits).
_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def engine_table(results: pd.DataFrame, width: int) -> str:
    """The engines' figures of ``results`` as plain text within ``width`` columns ("" when none were
    measured): per task, engine rows x n columns of agent-steps per second, then one row per ratio,
    resource fraction, machine peak and work figure."""
    shown = results[results["metric"].isin(ENGINE_METRICS)]
    if shown.empty:
        return ""
    rates = shown[
        (shown["metric"].isin(("throughput_table", "population_throughput"))) & (shown["unit"] == RATE)
    ]
    ns = sorted({int(n) for n in rates["n"]})
    blocks = []  # (title, rows of cells)
    for metric, task in dict.fromkeys(zip(rates["metric"], rates["stage"], strict=True)):
        mine = rates[(rates["metric"] == metric) & (rates["stage"] == task)]
        title = (
            task
            if metric == "throughput_table"
            else "the grid world's population engines (population_throughput)"
        )
        rows = [
            [f"  {engine}", *_rate_cells(mine[mine["variant"] == engine], ns), *_extras(shown, engine, task)]
            for engine in dict.fromkeys(mine["variant"])
        ]
        blocks.append((title, rows))
    header = ["", *(f"n = {n:,}" for n in ns), *EXTRA_COLUMNS]
    extras = list(EXTRA_COLUMNS)
    while True:
        keep = [i for i, name in enumerate(header) if name not in EXTRA_COLUMNS or name in extras]
        keep = [i for i in keep if i <= len(ns) or any(row[i] for _, rows in blocks for row in rows)]
        cut = [[row[i] for i in keep] for _, rows in blocks for row in rows]
        widths = [max(len(r[j]) for r in ([header[i] for i in keep], *cut)) for j, i in enumerate(keep)]
        if sum(widths) + 2 * (len(widths) - 1) <= width or not extras:
            break
        extras.pop()
    lines = []
    if blocks:
        kept = [header[i] for i in keep]
        lines.append(textwrap.fill(_legend(kept), width))
        lines.append(_line(kept, widths))
        for title, rows in blocks:
            lines.append(title)
            lines += [_line([row[i] for i in keep], widths) for row in rows]
    figures = _figure_rows(shown)
    if figures:
        heading = (
            "Ratios between engines (beside explorer's own targets for its engines), the fraction of this "
            "machine's limit reached, its peak and the work of one agent-step:"
        )
        lines += ["", textwrap.fill(heading, width)]
        longest = max(len(figure) for _, figure in figures)
        label_width = min(max(len(label) for label, _ in figures), width - 2 - longest)
        for label, figure in figures:
            if len(label) > label_width:
                lines += [label, " " * (label_width + 2) + figure]
            else:
                lines.append(f"{label.ljust(label_width)}  {figure}".rstrip())
    return "\n".join(lines)


#: What each extra column holds, for the legend.
_MEANINGS = {
    "bytes/agent": "bytes per agent after the first step, at the largest n weighed",
    "largest n": "the largest n run",
    "cold start": "a fresh process's first action",
    "memory allows": "agents within the memory limit at those bytes",
}


def _legend(columns: list[str]) -> str:
    """The table's legend: what a cell is, and each extra column shown."""
    extras = "; ".join(f"{c}: {_MEANINGS[c]}" for c in columns if c in _MEANINGS)
    return (
        "Engines: agent-steps per second at each n (median; higher is better; ! = noisy; - = not run or "
        "not measured, the CSV says why)" + (f"; {extras}" if extras else "") + "."
    )


def _rate_cells(rows: pd.DataFrame, ns: list[int]) -> list[str]:
    """One engine's agent-steps per second at each of ``ns``: the last measurement at that n."""
    cells = []
    for n in ns:
        at = rows[rows["n"] == n]
        measured = at[at["error"] == ""] if "error" in at else at
        measured = measured[measured["median"].notna()]
        if len(measured):
            row = measured.iloc[-1]
            noisy = "!" if row["max"] - row["min"] > abs(row["median"]) else ""
            cells.append(number(float(row["median"])) + noisy)
        else:
            cells.append("-" if len(at) else "")
    return cells


def _extras(results: pd.DataFrame, engine: str, task: str) -> list[str]:
    """Bytes per agent (at the largest n weighed), largest n run, cold first action, agents the limit holds"""
    mine = results[(results["variant"] == engine) & (results["stage"] == task) & results["median"].notna()]
    if "error" in mine:
        mine = mine[mine["error"] == ""]
    weighed = mine[mine["metric"] == "throughput_table_bytes"].sort_values("n", kind="stable")
    largest = mine[mine["metric"] == "throughput_table_largest_n"]
    cold = mine[(mine["metric"] == "throughput_table_first_action") & (mine["method"] == "in_child_total")]
    allowed = largest[largest["method"] == "limit_over_bytes"]
    ran = largest[largest["method"] == "measured"]
    return [
        format_value(weighed["median"].iloc[-1], "B") if len(weighed) else "",
        f"{int(ran['median'].max()):,}" if len(ran) else "",
        format_value(cold["median"].iloc[-1], "s") if len(cold) else "",
        number(float(allowed["median"].iloc[-1])) if len(allowed) else "",
    ]


def _figure_rows(results: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, figure) for each ratio, fraction of the limit, machine peak and work of one agent-step."""
    rows = []
    measured = results[results["median"].notna()]
    if "error" in measured:
        measured = measured[measured["error"] == ""]
    for _, row in measured[measured["metric"] == "throughput_ratio"].iterrows():
        what, _, target = str(row["note"]).partition("; ")
        label = f"{row['stage']}: {what or row['variant']}" + (f" (explorer's {target})" if target else "")
        rows.append((label, _with_interval(row)))
    ratios = measured[(measured["metric"] == "population_throughput") & (measured["unit"] == "x")]
    for _, row in ratios.iterrows():
        what = f"{str(row['stage']).replace('_', ' ')}, {row['variant']} at n = {int(row['n']):,}"
        rows.append((f"population: {what}", _with_interval(row)))
    for _, row in measured[measured["metric"] == "limit_fraction"].iterrows():
        rows.append(
            (
                f"limit fraction, {row['variant']} at n = {int(row['n']):,}: {row['stage']}",
                number(row["median"]),
            )
        )
    for _, row in measured[measured["metric"] == "machine_peak"].iterrows():
        rows.append((f"machine peak: {row['variant']}", _si(float(row["median"]), str(row["unit"]))))
    for _, row in measured[measured["metric"] == "step_work"].iterrows():
        label = f"work per agent-step ({row['variant']}, counted): {str(row['stage']).replace('_', ' ')}"
        rows.append((label, format_value(row["median"], str(row["unit"]))))
    return rows


def _with_interval(row: pd.Series) -> str:
    shown = format_value(row["median"], "x")
    low, high = row.get("ci_low", math.nan), row.get("ci_high", math.nan)
    if pd.notna(low) and pd.notna(high):
        shown += f" [{format_value(low, 'x')}, {format_value(high, 'x')}]"
    return shown


def _si(value: float, unit: str) -> str:
    """``value`` with an SI prefix: ``50 GFLOP/s``, ``7.21 GB/s``, ``187M log/s``."""
    for factor, prefix in _PREFIXES:
        if abs(value) >= factor:
            if unit in ("FLOP/s", "B/s"):
                return f"{value / factor:.3g} {prefix}{unit}"
            return f"{value / factor:.3g}{prefix} {unit}"
    return f"{value:.3g} {unit}"


def _line(cells: list[str], widths: list[int]) -> str:
    """The label left-aligned, the figures right-aligned, two spaces apart."""
    parts = [cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]
    return "  ".join(parts).rstrip()
