"""Repeats summarized into one tidy row: median, min, max, quartiles and a noisy flag.

Every measurement function builds its DataFrame from these rows, so all share the same columns.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

import pandas as pd

#: The columns of every results DataFrame, in order (measurement-specific columns follow them).
COLUMNS = (
    "metric",  # what is measured: import_time, spawn_time, memory_per_agent, ...
    "variant",  # eager, lazy, floor (or a reference such as numpy, pymdp_legacy)
    "n",  # size: agents spawned or weighed, steps taken, or 1
    "median",  # median over repeats, in `unit`
    "min",  # smallest repeat
    "max",  # largest repeat
    "q1",  # first quartile of the repeats
    "q3",  # third quartile of the repeats
    "ci_low",  # interval of the median: order statistics covering it with >= 95 % confidence
    "ci_high",  # (distribution-free; min and max below 6 repeats, which then cover less)
    "unit",  # base unit: "s" for times, "B" for bytes
    "repeats",  # number of repeats summarized (a failed measurement keeps the number asked for)
    "noisy",  # True when max - min > median: the spread is wider than the figure
    "method",  # how it was measured, e.g. in_process, process_wall, tracemalloc_slope, rss_delta
    "stage",  # which part is counted, e.g. spawned, after_first_step, import, first_step, total
    "error",  # empty, or why the measurement failed (then median/min/max are NaN)
    "note",  # what exactly was run, e.g. the statement imported or the N used in a fit
)


def summarize(
    values: Iterable[float],
    *,
    metric: str,
    variant: str,
    n: int,
    unit: str,
    method: str = "",
    stage: str = "",
    note: str = "",
) -> dict:
    """One row summarizing ``values`` (one per repeat); NaN values make it a failed row."""
    values = [float(v) for v in values]
    base = {"metric": metric, "variant": variant, "n": int(n), "unit": unit, "method": method}
    base |= {"stage": stage, "note": note}
    if not values or any(math.isnan(v) for v in values):
        return failed(
            **base, repeats=len(values), error="no valid repeat" if not values else "a repeat is NaN"
        )
    ordered = sorted(values)
    median = statistics.median(ordered)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    low, high = median_interval(ordered)
    spread = ordered[-1] - ordered[0]
    return base | {
        "median": median,
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
        "ci_low": low,
        "ci_high": high,
        "repeats": len(ordered),
        "noisy": bool(spread > abs(median)),
        "error": "",
    }


def median_interval(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float]:
    """The distribution-free interval of the median: the order statistics ``x(k)``, ``x(n+1-k)``.

    ``k`` is the largest rank whose interval covers the median with at least ``confidence``
    (binomial, p = 1/2): 7 repeats give min-max (98 %), 11 give the 2nd and 10th (99 %). Below 6
    repeats no rank reaches 95 % and min-max is returned (it covers less; few repeats say little).
    """
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    if n == 0:
        return math.nan, math.nan
    k = 1
    while k < n + 1 - k:
        below = sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n  # P(fewer than k + 1 below)
        if 1 - 2 * below < confidence:
            break
        k += 1
    return ordered[k - 1], ordered[n - k]


#: Bootstrap resamples for the interval of a ratio of medians.
BOOTSTRAP_RESAMPLES = 2000


def ratio_interval(
    a: Iterable[float], b: Iterable[float], level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Bootstrap interval of ``median(a) / median(b)``, each side resampled on its own (seeded).

    Two samples measured interleaved in one run (a gate's variants, compare's BASE and HEAD) have
    no order statistic for their ratio; each median's own interval is :func:`median_interval`.
    """
    import numpy as np

    a_arr, b_arr = np.asarray(list(a), dtype=float), np.asarray(list(b), dtype=float)
    rng = np.random.default_rng(seed)
    a_med = np.median(a_arr[rng.integers(0, a_arr.size, (BOOTSTRAP_RESAMPLES, a_arr.size))], axis=1)
    b_med = np.median(b_arr[rng.integers(0, b_arr.size, (BOOTSTRAP_RESAMPLES, b_arr.size))], axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(a_med / b_med, [tail, 100 - tail])
    return float(low), float(high)


def failed(
    *,
    metric: str,
    variant: str,
    n: int,
    unit: str,
    repeats: int,
    error: str,
    method: str = "",
    stage: str = "",
    note: str = "",
) -> dict:
    """A row for a measurement that broke: NaN figures and the error text, never 0 or a default."""
    nan = float("nan")
    return {
        "metric": metric,
        "variant": variant,
        "n": int(n),
        "median": nan,
        "min": nan,
        "max": nan,
        "q1": nan,
        "q3": nan,
        "ci_low": nan,
        "ci_high": nan,
        "unit": unit,
        "repeats": int(repeats),
        "noisy": False,
        "method": method,
        "stage": stage,
        "error": error or "failed",
        "note": note,
    }


def frame(rows: Iterable[dict], attrs: dict | None = None) -> pd.DataFrame:
    """The rows as a DataFrame with the standard columns first and ``attrs`` (metadata) attached."""
    df = pd.DataFrame(list(rows))
    for column in COLUMNS:
        if column not in df.columns:
            df[column] = pd.Series(dtype="object")
    df = df[list(COLUMNS) + [c for c in df.columns if c not in COLUMNS]]
    if attrs is not None:
        df.attrs = dict(attrs)
    return df


def rotated(items: tuple, shift: int) -> tuple:
    """``items`` rotated left by ``shift``, reversed every other cycle: over ``2 * len(items)``
    repeats each variant goes first, and each follows each other, equally often."""
    if not items:
        return items
    k = shift % len(items)
    order = items[k:] + items[:k]
    return order[::-1] if (shift // len(items)) % 2 else order


def error_text(exc: BaseException) -> str:
    """A one-line description of ``exc`` for the ``error`` column."""
    return f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:500]
