"""Before/after tables from results: eager, lazy and floor side by side, with ratios and spread."""

from __future__ import annotations

import math

import pandas as pd

from explorer.units import format_value

#: Whether a lower or a higher figure is better, per metric (times and bytes: lower).
DIRECTION = {
    "import_time": "lower",
    "spawn_time": "lower",
    "memory_per_agent": "lower",
    "first_action_time": "lower",
    "step_time": "lower",
    "cumulative_cost": "lower",
}

_ORDER = ("eager", "lazy", "floor")


def scorecard(results: pd.DataFrame) -> pd.DataFrame:
    """One row per metric, method, stage (and K for cumulative cost): each variant's median beside the others.

    Variants are compared at the largest ``n`` they all have (else each at its largest; ``n``
    then lists them). Columns: ``metric``, ``method``, ``stage``, ``unit``, ``direction``, ``n``;
    per variant ``V`` its median ``V``, ``V_min``, ``V_max`` and ``V_spread`` ((max - min) / median);
    ``eager/lazy`` and ``lazy/floor`` (ratios of medians) and ``lazy-floor`` (difference).
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
            row |= {
                variant: median,
                f"{variant}_min": float(chosen["min"]),
                f"{variant}_max": float(chosen["max"]),
            }
            row[f"{variant}_spread"] = (
                (row[f"{variant}_max"] - row[f"{variant}_min"]) / median if median else math.nan
            )
        row["n"] = str(max(common)) if common else ", ".join(f"{v} {n}" for v, n in used.items())
        row["eager/lazy"] = _ratio(row.get("eager"), row.get("lazy"))
        row["lazy/floor"] = _ratio(row.get("lazy"), row.get("floor"))
        lazy, floor = row.get("lazy"), row.get("floor")
        row["lazy-floor"] = lazy - floor if lazy is not None and floor is not None else math.nan
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs = dict(results.attrs)
    return df


def targets(results: pd.DataFrame) -> pd.DataFrame:
    """The issue's figures to reach, as measured: ``target``, ``value``, ``limit``, ``unit``, ``met``.

    Lazy spawn / floor spawn and lazy / floor memory (tracemalloc, before the first step) <= 2, and
    cold ``import explorer`` minus the bare interpreter (process wall, same rounds) <= 10 ms.
    """
    card = scorecard(results)

    def pick(metric: str, method: str, stage: str, column: str) -> float:
        match = card[(card["metric"] == metric) & (card["method"] == method) & (card["stage"] == stage)]
        if match.empty or column not in match:
            return math.nan
        return float(match[column].iloc[0])

    spawn = pick("spawn_time", "perf_counter_ns, gc disabled", "constructor", "lazy/floor")
    memory = pick("memory_per_agent", "tracemalloc_slope", "spawned", "lazy/floor")
    above = pick("import_time", "process_wall_above_floor", "import", "lazy")
    rows = [
        ("lazy spawn / floor spawn", spawn, 2.0, "x"),
        ("lazy memory per agent / floor (tracemalloc, before first step)", memory, 2.0, "x"),
        ("cold `import explorer` minus bare interpreter (process wall)", above, 0.010, "s"),
    ]
    df = pd.DataFrame(rows, columns=["target", "value", "limit", "unit"])
    df["met"] = df["value"] <= df["limit"]  # NaN (not measured) is never met
    return df


def render(results: pd.DataFrame) -> str:
    """The scorecard as plain text: median [min-max] per variant, ratios, then the targets."""
    overhead = results[results["metric"] == "monitor_overhead"]
    results = results[results["metric"] != "monitor_overhead"]
    card = scorecard(results)
    variants = [
        v for v in (*_ORDER, *sorted(set(card.columns) & set(results["variant"]) - set(_ORDER))) if v in card
    ]
    header = ["metric", "method / stage", "n", *variants, "eager/lazy", "lazy/floor"]
    lines = []
    for _, row in card.iterrows():
        cells = [row["metric"], f"{row['method']} / {row['stage']}", row["n"]]
        for variant in variants:
            median = row.get(variant)
            if median is None or (isinstance(median, float) and math.isnan(median)):
                cells.append("")
                continue
            low, high = row[f"{variant}_min"], row[f"{variant}_max"]
            noisy = " !" if high - low > abs(median) else ""
            cells.append(
                f"{format_value(median, row['unit'])} [{format_value(low, row['unit'])}-"
                f"{format_value(high, row['unit'])}]{noisy}"
            )
        for ratio in ("eager/lazy", "lazy/floor"):
            value = row[ratio]
            cells.append("" if math.isnan(value) else f"{value:.3g}x")
        lines.append(cells)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]
    text = [
        "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        for cells in [header, ["-" * w for w in widths], *lines]
    ]
    text.append("median [min-max] over repeats; ! = noisy (max - min > median); lower is better for all")
    paired = overhead[overhead["variant"] == "disabled_minus_hook_free"]
    if len(paired) and not math.isnan(paired["median"].iloc[0]):
        row = paired.iloc[0]
        text.append(
            f"lifecycle hooks, events disabled, per spawn: {format_value(row['median'], 's')} "
            f"[{format_value(row['min'], 's')} to {format_value(row['max'], 's')}] beside a hook-free copy"
        )
    text.append("")
    for _, target in targets(results).iterrows():
        value = (
            format_value(target["value"], target["unit"])
            if target["unit"] != "x"
            else f"{target['value']:.3g}x"
        )
        limit = (
            format_value(target["limit"], target["unit"])
            if target["unit"] != "x"
            else f"{target['limit']:.3g}x"
        )
        verdict = "met" if target["met"] else ("not measured" if math.isnan(target["value"]) else "NOT met")
        text.append(f"target: {target['target']}: {value} (limit {limit}) {verdict}")
    return "\n".join(text)


def _ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or not b:
        return math.nan
    return a / b
