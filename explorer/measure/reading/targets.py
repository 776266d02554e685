"""explorer's own targets (the issue's limits on its lazy agent and its import), as measured and read."""

from __future__ import annotations

import textwrap

import pandas as pd

from explorer.measure.reading.estimates import Estimate, common_n, estimate, import_cost, ratio
from explorer.units import format_value

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
    spawn_n = common_n(results, "spawn_time", ("lazy", "floor"))
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


def target_verdict(figure: Estimate, limit: float) -> str:
    """``met`` (the interval's upper end within ``limit``), ``NOT met`` (its lower end above: measured
    over), ``undecided`` (the interval reaches both sides: not a measured regression) or ``not measured``."""
    if not figure.measured:
        return "not measured"
    if figure.within(limit):
        return "met"
    return "NOT met" if figure.low > limit else "undecided"


def _targets_heading(results: pd.DataFrame) -> str:
    """What the targets are: explorer's own gates, whatever model is measured, and how to read them."""
    load = results.attrs.get("load_average_1_5_15") or []
    loaded = f"; 1-minute load average {load[0]:.1f} at the start" if load else ""
    return (
        "explorer's own targets, whichever model is measured: its lazy agent against a bare object with "
        "the same fields, and `import explorer`. met: the interval's upper end is within the limit; NOT "
        "met: its lower end is above; undecided: it reaches both sides (intervals widen under load"
        f"{loaded}), not a measured regression: re-measure on an idle machine."
    )


def target_lines(results: pd.DataFrame, width: int) -> list[str]:
    """The bench's targets section within ``width`` columns: what they are, then each verdict and figure."""
    lines = [textwrap.fill(_targets_heading(results), width)]
    units = {name: unit for name, _, unit in TARGETS}
    for name, figure, limit in target_estimates(results):
        verdict = target_verdict(figure, limit)
        lines.append(
            textwrap.fill(f"{verdict}: {name}", width, initial_indent="  ", subsequent_indent="    ")
        )
        lines.append(
            textwrap.fill(
                f"{figure.text()}, limit {format_value(limit, units[name])}",
                width,
                initial_indent="    ",
                subsequent_indent="    ",
            )
        )
    return lines
