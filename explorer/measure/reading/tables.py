"""Before/after tables from results: eager, lazy and floor side by side, with ratios and spread."""

from __future__ import annotations

import math
import textwrap
from dataclasses import replace

import pandas as pd

from explorer.measure.reading.engine_table import ENGINE_METRICS, engine_table
from explorer.measure.reading.estimates import Estimate, common_n, difference_from, estimate, ratio
from explorer.measure.reading.targets import target_lines
from explorer.names import figure_name
from explorer.units import RATE, format_value, number

#: Whether a lower or a higher figure is better, per metric (times and bytes: lower).
DIRECTION = {
    "import_time": "lower",
    "spawn_time": "lower",
    "memory_per_agent": "lower",
    "first_action_time": "lower",
    "step_time": "lower",
    "cumulative_cost": "lower",
    "population_throughput": "higher",
    "speedup": "higher",
}

_ORDER = ("eager", "lazy", "floor")


def scorecard(results: pd.DataFrame) -> pd.DataFrame:
    """One row per metric, method, stage (and K for cumulative cost): each variant's median beside the others.

    Variants are compared at the largest ``n`` they all have (else each at its largest; ``n``
    then lists them). Columns: ``metric``, ``method``, ``stage``, ``unit``, ``direction``, ``n``;
    per variant ``V`` its median ``V``, ``V_min``, ``V_max``, ``V_low``, ``V_high`` (the median's
    interval, see :mod:`explorer.measure.reading.estimates`) and ``V_spread`` ((max - min) / median);
    ``eager/lazy`` and ``lazy/floor`` (ratios of medians; NaN for a difference from the bare
    interpreter whose interval reaches zero) and ``lazy-floor`` (difference).
    """
    valid = results[results["median"].notna()]
    present = [v for v in _ORDER if v in set(valid["variant"])]
    present += sorted(set(valid["variant"]) - set(_ORDER) - {""})
    rows = []
    keys = ["metric", "method", "stage"]
    for (metric, method, stage), group in valid.groupby(keys, sort=False):
        sizes = [set(group.loc[group["variant"] == v, "n"]) for v in dict.fromkeys(group["variant"])]
        common = set.intersection(*sizes) if sizes else set()
        row: dict = {"metric": metric, "method": method, "stage": stage, "unit": group["unit"].iloc[0]}
        row["direction"] = DIRECTION.get(metric, "lower")
        used = {}
        for variant in present:
            mine = group[group["variant"] == variant]
            if mine.empty:
                continue
            pick = mine[mine["n"] == max(common)] if common else mine[mine["n"] == mine["n"].max()]
            chosen = pick.iloc[0]
            used[variant] = int(chosen["n"])
            median = float(chosen["median"])
            found = estimate(
                valid, metric=metric, variant=variant, method=method, stage=stage, n=int(chosen["n"])
            )
            row |= {
                variant: median,
                f"{variant}_min": float(chosen["min"]),
                f"{variant}_max": float(chosen["max"]),
                f"{variant}_low": found.low,
                f"{variant}_high": found.high,
            }
            row[f"{variant}_spread"] = (
                (row[f"{variant}_max"] - row[f"{variant}_min"]) / median if median else math.nan
            )
        row["n"] = str(max(common)) if common else ", ".join(f"{v} {n}" for v, n in used.items())
        row["eager/lazy"] = _ratio(row.get("eager"), row.get("lazy"))
        row["lazy/floor"] = _ratio(row.get("lazy"), row.get("floor"))
        if difference_from(method):  # a difference that may not be told from zero
            for column, (a, b) in {"eager/lazy": ("eager", "lazy"), "lazy/floor": ("lazy", "floor")}.items():
                if any(not row.get(f"{v}_low", math.nan) > 0 for v in (a, b) if v in used):
                    row[column] = math.nan  # no ratio of a figure indistinguishable from zero
        lazy, floor = row.get("lazy"), row.get("floor")
        row["lazy-floor"] = lazy - floor if lazy is not None and floor is not None else math.nan
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs = dict(results.attrs)
    return df


#: The widest the bench table may be: it is read in a terminal (details stay in the JSON/CSV).
TABLE_WIDTH = 100
#: The variants the bench table shows, in order; others (e.g. numpy's own import) are in the JSON/CSV.
TABLE_VARIANTS = ("eager", "lazy", "floor", "population")
#: Short names for the methods in the table's first column (the JSON/CSV keep the full ones).
METHOD_LABELS = {
    "perf_counter_ns, gc disabled": "perf_counter",
    "process_wall_above_floor": "wall above floor",
    "process_wall": "wall",
    "in_process": "in process",
    "in_process_warm": "warm",
    "tracemalloc_slope": "tracemalloc",
    "rss_delta": "RSS",
}


def render(results: pd.DataFrame, width: int = TABLE_WIDTH) -> str:
    """The scorecard as plain text within ``width`` columns: medians and ratios, the engines' figures
    (:func:`~explorer.measure.reading.engine_table.engine_table`), then the targets.

    One block per metric, one line per method / stage; each cell is the median in a readable unit,
    marked ``!`` when the spread (max - min) exceeds it. Min, max, intervals and N stay in the
    JSON/CSV the bench writes beside it.
    """
    overhead = results[results["metric"] == "monitor_overhead"]
    engines = engine_table(results, width)
    results = results[(results["metric"] != "monitor_overhead") & ~results["metric"].isin(ENGINE_METRICS)]
    card = scorecard(results)
    lines, notes = [], []
    if not card.empty:
        lines = _variant_lines(card, width)
        notes.append(
            "Median over repeats; ! = noisy (max - min > median); ≈ 0 (±x) = a difference (above the "
            "bare interpreter, or the hooks above a hook-free copy) that its interval cannot tell from zero; "
            "lower is better for all"
            + (
                ", except /s (agent-steps per second, higher is better)"
                if (card["unit"] == RATE).any()
                else ""
            )
            + ". Min, max, intervals, N and the other variants are in the JSON/CSV."
        )
    paired = overhead[overhead["variant"] == "disabled_minus_hook_free"]
    if len(paired) and not math.isnan(paired["median"].iloc[0]):
        hooks = estimate(
            paired,
            metric="monitor_overhead",
            variant="disabled_minus_hook_free",
            method=str(paired["method"].iloc[0]),
            stage=str(paired["stage"].iloc[0]),
        )
        notes.append(f"Lifecycle hooks, events disabled, per spawn: {hooks.text()}.")
    lines += [textwrap.fill(note, width) for note in notes]
    if engines:
        lines += ["", engines] if lines else [engines]
    lines.append("")
    lines += target_lines(results, width)
    return "\n".join(lines)


def _variant_lines(card: pd.DataFrame, width: int) -> list[str]:
    """The first table: one block per metric, one line per method / stage, a column per variant and ratio."""
    variants = [v for v in TABLE_VARIANTS if v in card.columns]
    ratios = [c for c in ("eager/lazy", "lazy/floor") if card.get(c, pd.Series(dtype=float)).notna().any()]
    rows: list[list[str] | str] = []
    for metric, group in card.groupby("metric", sort=False):
        sizes = set(group["n"])  # one N shared by every row and variant: say it once
        size = next(iter(sizes)) if len(sizes) == 1 else "1"
        rows.append(metric + (f" (N = {int(size):,})" if size.isdigit() and size != "1" else ""))
        for _, row in group.iterrows():
            label = f"  {METHOD_LABELS.get(row['method'], row['method'])} / {row['stage']}"
            cells = [label, *(_table_cell(row, v) for v in variants)]
            cells += [format_value(row[c], "x", missing="") for c in ratios]
            rows.append(cells)
    header = ["", *variants, *ratios]
    table_rows = [r for r in rows if isinstance(r, list)]
    widths = [max(len(r[i]) for r in (header, *table_rows)) for i in range(len(header))]
    widths[0] = min(widths[0], width - sum(w + 2 for w in widths[1:]))
    lines = [_table_line(header, widths)]
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
        elif len(row[0]) > widths[0]:  # a label too long to share its line: figures on the next
            lines += [row[0], _table_line(["", *row[1:]], widths)]
        else:
            lines.append(_table_line(row, widths))
    return lines


def _table_cell(row: pd.Series, variant: str) -> str:
    median = row.get(variant)
    if median is None or (isinstance(median, float) and math.isnan(median)):
        return ""
    floor = difference_from(row["method"], variant)
    if floor:  # a difference: never a negative time
        figure = Estimate(median, row[f"{variant}_low"], row[f"{variant}_high"], row["unit"], floor=floor)
        if not figure.distinguishable:
            return figure.short()
    noisy = "!" if row[f"{variant}_max"] - row[f"{variant}_min"] > abs(median) else ""
    if row["unit"] == RATE:  # "3,500,000/s": the legend names the unit, the column stays narrow
        return f"{number(median)}/s{noisy}"
    return format_value(median, row["unit"]) + noisy


def _table_line(cells: list[str], widths: list[int]) -> str:
    """The label left-aligned, the figures right-aligned, two spaces apart."""
    parts = [cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]
    return "  ".join(parts).rstrip()


def _ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or not b:
        return math.nan
    return a / b


#: The before/after figures of the summary: (label, metric, method, stage, before, after).
#: "before" is the eager agent (or the per-object lazy agents, for the population), "after" the
#: change; a ratio above 1 means the change made it cheaper.
BEFORE_AFTER = (
    ("fresh process: start-up + import", "import_time", "process_wall", "import", "eager", "lazy"),
    (
        "spawn per agent (constructor)",
        "spawn_time",
        "perf_counter_ns, gc disabled",
        "constructor",
        "eager",
        "lazy",
    ),
    ("memory per agent, spawned", "memory_per_agent", "tracemalloc_slope", "spawned", "eager", "lazy"),
    (
        "memory per agent, after first step",
        "memory_per_agent",
        "tracemalloc_slope",
        "after_first_step",
        "eager",
        "lazy",
    ),
    ("time to first action (fresh process)", "first_action_time", "in_process", "total", "eager", "lazy"),
    ("steady step (warm)", "step_time", "in_process_warm", "steady", "eager", "lazy"),
    (
        "time to first action: population of one",
        "first_action_time",
        "in_process",
        "total",
        "lazy",
        "population",
    ),
    (
        "per agent-step: population vs lazy agents",
        "agent_step_time",
        "in_process_warm",
        "steady",
        "lazy",
        "population",
    ),
)


def before_after(results: pd.DataFrame) -> pd.DataFrame:
    """One row per before/after figure measured in ``results`` (rows not measured are left out).

    Columns: ``label``, ``before`` and ``after`` (variant names), ``before_value``,
    ``after_value`` (medians, base unit), ``unit``, ``ratio`` (before / after), ``ratio_low``,
    ``ratio_high`` (conservative, from both medians' intervals) and ``shown`` (the ratio as text).
    Both sides are read at the largest ``n`` they share (else each at its largest: a tracemalloc
    slope is fitted over fewer eager agents than lazy ones).
    """
    rows = []
    for label, metric, method, stage, before, after in BEFORE_AFTER:
        mine = results[(results["method"] == method) & (results["stage"] == stage)]
        n = common_n(mine, metric, (before, after))  # None: each at its largest (a slope's N differ)
        pair = [
            estimate(results, metric=metric, variant=v, method=method, stage=stage, n=n)
            for v in (before, after)
        ]
        quotient = ratio(*pair)
        if not quotient.measured:
            continue
        rows.append(
            {
                "label": label,
                "before": before,
                "after": after,
                "before_value": pair[0].value,
                "after_value": pair[1].value,
                "unit": pair[0].unit,
                "ratio": quotient.value,
                "ratio_low": quotient.low,
                "ratio_high": quotient.high,
                "before_shown": pair[0].short(),
                "after_shown": pair[1].short(),
                "shown": f"{format_value(quotient.value, 'x')} [{format_value(quotient.low, 'x')}, "
                f"{format_value(quotient.high, 'x')}]",
            }
        )
    columns = ["label", "before", "after", "before_value", "after_value", "unit", "ratio", "ratio_low"]
    return pd.DataFrame(rows, columns=[*columns, "ratio_high", "before_shown", "after_shown", "shown"])


def scorecard_table(results: pd.DataFrame, *, intervals: bool = False) -> pd.DataFrame:
    """The scorecard for reading: one row per measured figure (``figure``: its plain name, such as
    "first action: import (timed inside)", see :func:`explorer.names.figure_name`),
    the eager, lazy, floor and population medians in their units (with each median's interval if
    ``intervals``), other variants in one ``others`` column, the ratios as ``"465x"``; no column or
    row without a measurement, so it fits a page. The engines' figures (throughput at each n, ratios,
    the machine's peak) are :func:`~explorer.measure.reading.engine_table.engine_table`'s, as in the bench:
    here they would be read at the one n every engine shares, a loop's small n.

    A difference from the bare interpreter whose interval reaches zero reads ``"≈ 0 (±x)"``.
    """
    results = results[~results["metric"].isin(ENGINE_METRICS)]
    card = scorecard(results)
    main = [v for v in (*_ORDER, "population") if v in card]
    others = [v for v in sorted(set(card.columns) & set(results["variant"]) - {*_ORDER, "population", ""})]
    rows = []
    for _, row in card.iterrows():
        shown = {"figure": figure_name(row["metric"], row["method"], row["stage"]), "n": row["n"]}
        texts = {}
        for variant in (*main, *others):
            floor = difference_from(row["method"], variant)
            value = row.get(variant)
            if value is None or pd.isna(value):
                texts[variant] = ""
                continue
            figure = Estimate(value, row[f"{variant}_low"], row[f"{variant}_high"], row["unit"], floor=floor)
            if pd.isna(figure.low):
                figure = replace(figure, low=row[f"{variant}_min"], high=row[f"{variant}_max"])
            text = figure.text() if intervals else figure.short()
            texts[variant] = text.replace("not distinguishable from the bare interpreter", "≈ 0")
        shown |= {variant: texts[variant] for variant in main}
        shown["others"] = "; ".join(f"{v} {texts[v]}" for v in others if texts[v])
        for column in ("eager/lazy", "lazy/floor"):
            shown[column] = "" if pd.isna(row[column]) else format_value(row[column], "x")
        rows.append(shown)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    keep = [c for c in table.columns if (table[c].astype(str) != "").any()]
    return table[keep]
