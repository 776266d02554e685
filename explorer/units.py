"""Human units for reading figures: ns/µs/ms/s, B/KiB/MiB/GiB, agent-steps/s, ratios.

Results stay tidy in base units (seconds ``"s"``, bytes ``"B"``); this module only chooses how to
show them: one number with three significant figures and its unit in a table cell, or one scale
per plot axis. It imports nothing heavy, so the CLI and the bench can use it too.
"""

from __future__ import annotations

import math

TYPE_CHECKING = False  # typing costs ~20 ms to import; the CLI imports this module
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import pandas as pd

#: (factor, label), largest first: seconds and bytes shown in the largest unit that keeps >= 1.
TIME_SCALES = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
BYTE_SCALES = ((2.0**30, "GiB"), (2.0**20, "MiB"), (2.0**10, "KiB"), (1.0, "B"))
SCALES = {"s": TIME_SCALES, "B": BYTE_SCALES}
#: Throughput: agent-steps per second, shown in full with thousands separators.
RATE = "agent-steps/s"
#: A ratio of two figures of the same unit.
RATIO = "x"
#: The columns of a tidy results frame that hold figures in the row's ``unit``.
FIGURE_COLUMNS = ("median", "min", "max", "q1", "q3", "ci_low", "ci_high")


def scale_for(unit: str, values: Iterable[float] = ()) -> tuple[float, str]:
    """The divisor and label showing ``values`` (in base ``unit``) with 1-3 digits before the point.

    The scale fits the median of the absolute values, so one axis or column has one unit.
    Units without scales (``x``, ``agent-steps/s``) come back as ``(1.0, unit)``.
    """
    scales = SCALES.get(unit)
    if scales is None:
        return 1.0, unit
    finite = sorted(abs(float(v)) for v in values if v is not None and math.isfinite(float(v)))
    typical = finite[len(finite) // 2] if finite else 0.0
    for factor, label in scales:
        if typical >= factor:
            return factor, label
    return scales[-1]


def number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant figures; 1,000 and above in full with separators."""
    if not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.{digits}g}")
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    return f"{rounded:.{digits}g}"


def format_value(value: float | None, unit: str, *, digits: int = 3, missing: str = "n/a") -> str:
    """One figure in a readable unit: ``"4.64 ms"``, ``"105 B"``, ``"256,000 agent-steps/s"``, ``"465x"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    value = float(value)
    if unit == RATIO:
        return f"{number(value, digits)}x"
    scales = SCALES.get(unit)
    if scales is None:
        return f"{number(value, digits)} {unit}".rstrip()
    # pick the scale after rounding, so 999.7 ms reads "1 s", not "1,000 ms"
    index = next((i for i, (factor, _) in enumerate(scales) if abs(value) >= factor), len(scales) - 1)
    if index > 0 and abs(float(f"{value / scales[index][0]:.{digits}g}")) >= 1000:
        index -= 1
    factor, label = scales[index]
    return f"{number(value / factor, digits)} {label}"


def format_interval(low: float, high: float, unit: str, *, digits: int = 3) -> str:
    """An interval as ``"[1.2 ms, 3.4 ms]"`` (each end in its own readable unit)."""
    return f"[{format_value(low, unit, digits=digits)}, {format_value(high, unit, digits=digits)}]"


def format_spread(low: float, high: float, unit: str, *, digits: int = 3) -> str:
    """The spread of the repeats as ``"(2.8 to 2.97 ms)"``, the unit once when both ends share it.

    "to", never a hyphen: a negative end then reads plainly, ``"(-17.4 ms to -895 µs)"``; brackets
    are kept for intervals (:func:`format_interval`). ``"(every repeat alike)"`` when both ends read the same.
    """
    low_text, high_text = (format_value(v, unit, digits=digits) for v in (low, high))
    if low_text == high_text:
        return "(every repeat alike)"
    (low_number, _, low_unit), (high_number, _, high_unit) = low_text.partition(" "), high_text.partition(" ")
    if low_unit and low_unit == high_unit:
        return f"({low_number} to {high_number} {low_unit})"
    return f"({low_text} to {high_text})"


def readable(
    df: pd.DataFrame,
    units: Mapping[str, str] | str | None = None,
    *,
    columns: Iterable[str] = FIGURE_COLUMNS,
    digits: int = 3,
    missing: str = "",
) -> pd.DataFrame:
    """A copy of ``df`` for display, figures as text with their units; ``df`` itself is untouched.

    Without ``units``, a tidy results frame's figure ``columns`` (median, min, max, ...) are
    formatted in each row's ``unit`` and the ``unit`` column is dropped (every cell names its unit). With
    ``units`` a mapping ``{column: unit}`` formats those columns; a single unit string formats every
    numeric column (e.g. a pivot of medians in seconds).
    """
    import pandas as pd

    shown = df.copy()
    if units is None:
        if "unit" not in df.columns:
            raise ValueError("units must be given for a frame without a 'unit' column")
        for column in (c for c in columns if c in df.columns):
            shown[column] = [
                format_value(value, unit, digits=digits, missing=missing)
                for value, unit in zip(df[column], df["unit"], strict=True)
            ]
        return shown.drop(columns="unit")
    if isinstance(units, str):
        units = {c: units for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    for column, unit in units.items():
        if column not in df.columns:
            raise ValueError(f"units names column {column!r}, not in the frame's {list(df.columns)}")
        shown[column] = [format_value(v, unit, digits=digits, missing=missing) for v in df[column]]
    return shown


def axis_label(quantity: str, unit: str, values: Iterable[float] = (), *, per: str | None = None) -> str:
    """An axis label naming the display unit chosen for ``values``: ``"spawn time (µs per agent)"``."""
    label = scale_for(unit, values)[1]
    if per:
        return f"{quantity} ({label} per {per})" if label else f"{quantity} (per {per})"
    return f"{quantity} ({label})" if label else quantity
