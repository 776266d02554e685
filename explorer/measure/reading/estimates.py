"""One definition per headline quantity: the median with its interval, read from the results rows.

The bench, every notebook, the targets and the scorecard call these functions, so a figure means
the same thing and reads the same wherever it is shown. A difference from a floor whose interval
reaches zero is "not distinguishable from" that floor, never a negative time; a limit is met only
when the interval's upper end is within it (docs/methodology.md#negative-differences).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from explorer.units import format_value

#: What a cold figure is measured above: the same round's ``python -c pass``.
BARE_INTERPRETER = "the bare interpreter"
#: What the lifecycle hooks' paired figure is measured above: a hook-free copy of the constructor.
HOOK_FREE = "a hook-free constructor"


def difference_from(method: str, variant: str = "") -> str:
    """What a results row's figure is a difference from (empty for a plain figure).

    A difference can be told from zero only when its whole interval lies above it; the bench,
    the scorecard and every page ask this one function which rows are differences.
    """
    if str(method).endswith("_above_floor"):
        return BARE_INTERPRETER
    if variant == "disabled_minus_hook_free":
        return HOOK_FREE
    return ""


@dataclass(frozen=True)
class Estimate:
    """A measured figure: ``value`` (median) and its interval ``low``-``high``, in base ``unit``.

    ``floor`` names what the figure is a difference from (empty for a plain figure); ``source``
    says which results row it was read from.
    """

    value: float
    low: float
    high: float
    unit: str
    repeats: int = 0
    floor: str = ""
    source: str = ""

    @property
    def measured(self) -> bool:
        """Whether there is a figure at all (a failed or missing measurement is NaN)."""
        return not math.isnan(self.value)

    @property
    def distinguishable(self) -> bool:
        """For a difference from a floor: whether the whole interval lies above zero."""
        return self.measured and (not self.floor or self.low > 0)

    def within(self, limit: float) -> bool:
        """Whether the limit is met: the interval's upper end is at most ``limit``."""
        return self.measured and self.high <= limit

    def text(self) -> str:
        """The figure as a reader should see it: ``"4.64 ms [2.1 ms, 7.2 ms]"``, or for a difference
        whose interval reaches zero ``"not distinguishable from the bare interpreter (±8.5 ms)"``."""
        if not self.measured:
            return "not measured"
        if not self.distinguishable:
            bound = max(abs(self.low), abs(self.high))
            return f"not distinguishable from {self.floor} (±{format_value(bound, self.unit)})"
        return f"{self.short()} [{format_value(self.low, self.unit)}, {format_value(self.high, self.unit)}]"

    def short(self) -> str:
        """The figure alone, for a table cell: the median, or ``"≈ 0 (±8.5 ms)"`` when not distinguishable."""
        if not self.measured:
            return "not measured"
        if not self.distinguishable:
            return f"≈ 0 (±{format_value(max(abs(self.low), abs(self.high)), self.unit)})"
        return format_value(self.value, self.unit)


def estimate(
    results: pd.DataFrame, *, metric: str, variant: str, method: str, stage: str, n: int | None = None
) -> Estimate:
    """The row ``metric/variant/method/stage`` (at ``n``, else the largest measured ``n``) as an Estimate.

    The interval is the row's ``ci_low``-``ci_high`` (the median's order-statistics interval), or
    its min-max for results saved before those columns existed. Missing or failed: NaN.
    """
    rows = results[
        (results["metric"] == metric)
        & (results["variant"] == variant)
        & (results["method"] == method)
        & (results["stage"] == stage)
        & results["median"].notna()
    ]
    if n is not None:
        rows = rows[rows["n"] == n]
    source = f"{metric} / {variant} / {method} / {stage}"
    floor = difference_from(method, variant)
    unit = str(rows["unit"].iloc[0]) if len(rows) else ""
    if rows.empty:
        return Estimate(math.nan, math.nan, math.nan, unit, floor=floor, source=source)
    row = rows.loc[rows["n"].idxmax()]
    low, high = _interval(row)
    return Estimate(
        float(row["median"]), low, high, unit, int(row["repeats"]), floor, f"{source} / n = {int(row['n'])}"
    )


def import_cost(results: pd.DataFrame, variant: str = "lazy") -> Estimate:
    """Cold import cost above the interpreter: the median of per-round differences between a fresh
    process importing ``variant``'s statement and the bare interpreter run in the same round."""
    return estimate(
        results, metric="import_time", variant=variant, method="process_wall_above_floor", stage="import"
    )


def first_action(results: pd.DataFrame, variant: str = "lazy") -> Estimate:
    """Time to first action: import + spawn + first step, timed inside a fresh process."""
    return estimate(results, metric="first_action_time", variant=variant, method="in_process", stage="total")


def ratio(numerator: Estimate, denominator: Estimate) -> Estimate:
    """``numerator / denominator`` with a conservative interval: from the ends of both intervals."""
    if not (numerator.measured and denominator.measured) or denominator.value <= 0 or denominator.low <= 0:
        return Estimate(
            math.nan, math.nan, math.nan, "x", source=f"{numerator.source} over {denominator.source}"
        )
    return Estimate(
        numerator.value / denominator.value,
        numerator.low / denominator.high,
        numerator.high / denominator.low,
        "x",
        min(numerator.repeats, denominator.repeats),
        source=f"{numerator.source} over {denominator.source}",
    )


def _interval(row: pd.Series) -> tuple[float, float]:
    low, high = row.get("ci_low", math.nan), row.get("ci_high", math.nan)
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return float(row["min"]), float(row["max"])
    return float(low), float(high)


def common_n(results: pd.DataFrame, metric: str, variants: tuple[str, ...]) -> int | None:
    """The largest n every variant in ``variants`` has a measured ``metric`` at (None if none)."""
    rows = results[(results["metric"] == metric) & results["median"].notna()]
    sizes = [set(rows.loc[rows["variant"] == v, "n"]) for v in variants]
    common = set.intersection(*sizes) if sizes else set()
    return int(max(common)) if common else None
