"""Before/after tables from results: eager, lazy and floor side by side, with ratios and spread."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from explorer.measure.estimates import BARE_INTERPRETER, Estimate, estimate, import_cost, ratio
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
    per variant ``V`` its median ``V``, ``V_min``, ``V_max``, ``V_low``, ``V_high`` (the median's
    interval, see :mod:`explorer.measure.estimates`) and ``V_spread`` ((max - min) / median);
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
        lazy, floor = row.get("lazy"), row.get("floor")
        row["lazy-floor"] = lazy - floor if lazy is not None and floor is not None else math.nan
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs = dict(results.attrs)
    return df


#: The issue's figures to reach: (target, limit, unit), limits in base units or "x" for ratios.
TARGETS = (
    ("spawn: lazy agent's constructor / the floor object's (same run, largest N both measured)", 2.0, "x"),
    ("memory: lazy agent / floor object, tracemalloc bytes per agent before the first step", 2.0, "x"),
    (
        "import: cold `import explorer` above the bare interpreter (paired per-process differences)",
        0.010,
        "s",
    ),
)


def target_estimates(results: pd.DataFrame) -> list[tuple[str, Estimate, float]]:
    """Each target's name, its measured :class:`Estimate` and its limit."""
    spawn_n = _common_n(results, "spawn_time", ("lazy", "floor"))
    spawn = {
        v: estimate(
            results,
            metric="spawn_time",
            variant=v,
            method="perf_counter_ns, gc disabled",
            stage="constructor",
            n=spawn_n,
        )
        for v in ("lazy", "floor")
    }
    memory = {
        v: estimate(
            results, metric="memory_per_agent", variant=v, method="tracemalloc_slope", stage="spawned"
        )
        for v in ("lazy", "floor")
    }
    figures = (
        ratio(spawn["lazy"], spawn["floor"]),
        ratio(memory["lazy"], memory["floor"]),
        import_cost(results),
    )
    return [(name, figure, limit) for (name, limit, _), figure in zip(TARGETS, figures, strict=True)]


def targets(results: pd.DataFrame) -> pd.DataFrame:
    """The issue's figures to reach, as measured: ``target``, ``value`` (median), ``low``, ``high``
    (its interval), ``limit``, ``unit``, ``met`` (the interval's upper end within the limit) and
    ``figure`` (the value as text; "not distinguishable from ..." when a difference's interval
    reaches zero). A figure not measured is never met."""
    rows = [
        {
            "target": name,
            "value": figure.value,
            "low": figure.low,
            "high": figure.high,
            "limit": limit,
            "unit": unit,
            "met": figure.within(limit),
            "figure": figure.text(),
        }
        for (name, figure, limit), (_, _, unit) in zip(target_estimates(results), TARGETS, strict=True)
    ]
    return pd.DataFrame(rows)


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
            if str(row["method"]).endswith("_above_floor"):  # a difference: never a negative time
                figure = Estimate(median, row[f"{variant}_low"], row[f"{variant}_high"], row["unit"])
                figure = replace(figure, floor=BARE_INTERPRETER)
                if not figure.distinguishable:
                    cells.append(figure.short())
                    continue
            cells.append(
                f"{format_value(median, row['unit'])} [{format_value(low, row['unit'])}-"
                f"{format_value(high, row['unit'])}]{noisy}"
            )
        for column in ("eager/lazy", "lazy/floor"):
            value = row[column]
            cells.append("" if math.isnan(value) else f"{value:.3g}x")
        lines.append(cells)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]
    text = [
        "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        for cells in [header, ["-" * w for w in widths], *lines]
    ]
    text.append(
        "median [min-max] over repeats; ! = noisy (max - min > median); lower is better for all; "
        "≈ 0 (±x): above the bare interpreter by less than the interval can tell"
    )
    paired = overhead[overhead["variant"] == "disabled_minus_hook_free"]
    if len(paired) and not math.isnan(paired["median"].iloc[0]):
        row = paired.iloc[0]
        text.append(
            f"lifecycle hooks, events disabled, per spawn: {format_value(row['median'], 's')} "
            f"[{format_value(row['min'], 's')} to {format_value(row['max'], 's')}] beside a hook-free copy"
        )
    text.append("")
    for name, figure, limit in target_estimates(results):
        verdict = "met" if figure.within(limit) else ("not measured" if not figure.measured else "NOT met")
        text.append(f"target: {name}: {figure.text()} (limit {format_value(limit, figure.unit)}) {verdict}")
    return "\n".join(text)


def _common_n(results: pd.DataFrame, metric: str, variants: tuple[str, ...]) -> int | None:
    """The largest n every variant in ``variants`` has a measured ``metric`` at (None if none)."""
    rows = results[(results["metric"] == metric) & results["median"].notna()]
    sizes = [set(rows.loc[rows["variant"] == v, "n"]) for v in variants]
    common = set.intersection(*sizes) if sizes else set()
    return int(max(common)) if common else None


def _ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or not b:
        return math.nan
    return a / b
