"""The seed project's published figures beside ours, measured: what its audits called theatre."""

from __future__ import annotations

import math

import pandas as pd

from explorer.measure.reading.estimates import estimate
from explorer.measure.reading.tables import scorecard

#: The seed's claims (before -> after), in base units, and where ours come from:
#: (claim, seed before, seed after, unit, metric, method, stage).
SEED_CLAIMS = (
    ("import time", 9.0, 1.96, "s", "import_time", "process_wall_above_floor", "import"),
    ("agent spawn", 76e-3, 0.2e-3, "s", "spawn_time", "perf_counter_ns, gc disabled", "constructor"),
    ("memory per agent", 250 * 2**20, 3 * 2**20, "B", "memory_per_agent", "tracemalloc_slope", "spawned"),
)


def seed_comparison(results: pd.DataFrame) -> pd.DataFrame:
    """One row per seed claim: its before/after figures beside our eager and lazy medians.

    Columns: ``claim``, ``seed_before``, ``seed_after``, ``eager``, ``lazy``, ``floor`` (NaN
    where not measured), ``unit``, ``measured_as`` (metric / method / stage of our figure) and
    ``lazy_shown`` (the lazy figure as :class:`~explorer.measure.reading.estimates.Estimate` text: a
    difference from the bare interpreter that cannot be told from zero is said so, never negative).
    """
    card = scorecard(results)
    rows = []
    for claim, before, after, unit, metric, method, stage in SEED_CLAIMS:
        match = card[(card["metric"] == metric) & (card["method"] == method) & (card["stage"] == stage)]
        ours = {v: _value(match, v) for v in ("eager", "lazy", "floor")}
        lazy = estimate(results, metric=metric, variant="lazy", method=method, stage=stage)
        rows.append(
            {"claim": claim, "seed_before": before, "seed_after": after, **ours, "unit": unit}
            | {"measured_as": f"{metric} / {method} / {stage}", "lazy_shown": lazy.text()}
        )
    return pd.DataFrame(rows)


def _value(match: pd.DataFrame, column: str) -> float:
    if match.empty or column not in match:
        return math.nan
    return float(match[column].iloc[0])
