"""Human units: one formatter for tables, the CLI and plot axes; tidy frames keep base units."""

import math

import pandas as pd
import pytest

from explorer import units


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (2.5e-3, "s", "2.5 ms"),
        (4.2e-7, "s", "420 ns"),
        (8.21e-7, "s", "821 ns"),
        (1e-6, "s", "1 µs"),
        (3.0, "s", "3 s"),
        (0.9997, "s", "1 s"),  # rounding never gives "1,000 ms"
        (-2.29e-4, "s", "-229 µs"),
        (5120.0, "B", "5 KiB"),
        (96.0, "B", "96 B"),
        (3 * 2**20, "B", "3 MiB"),
        (2.5 * 2**30, "B", "2.5 GiB"),
        (256_123.0, "agent-steps/s", "256,000 agent-steps/s"),
        (465.2, "x", "465x"),
        (2130.0, "x", "2,130x"),
        (math.nan, "s", "n/a"),
        (None, "B", "n/a"),
    ],
)
def test_format_value_gives_three_figures_and_a_unit(value, unit, text):
    assert units.format_value(value, unit) == text


@pytest.mark.parametrize(
    ("unit", "values", "label"),
    [("s", [2e-3, 3e-3], "ms"), ("s", [5e-7], "ns"), ("B", [3000, 6000], "KiB"), ("x", [1], "x")],
)
def test_scale_for_picks_one_unit_per_axis(unit, values, label):
    factor, name = units.scale_for(unit, values)
    assert name == label
    assert 1 <= values[len(values) // 2] / factor < 1000 or unit == "x"


def test_readable_formats_a_tidy_frame_by_each_rows_unit_and_leaves_it_untouched():
    tidy = pd.DataFrame(
        {"variant": ["eager", "lazy"], "median": [4.24e-4, 475.0], "min": [4e-4, 470.0], "unit": ["s", "B"]}
    )
    shown = units.readable(tidy)
    assert shown["median"].tolist() == ["424 µs", "475 B"]
    assert "unit" not in shown.columns
    assert tidy["median"].tolist() == [4.24e-4, 475.0]  # base units kept


def test_readable_with_one_unit_formats_every_numeric_column():
    wide = pd.DataFrame({"eager": [4.2e-4], "lazy": [4.7e-7], "label": ["n = 1"]})
    shown = units.readable(wide, "s")
    assert shown.iloc[0].tolist() == ["420 µs", "470 ns", "n = 1"]


def test_readable_names_a_missing_column():
    with pytest.raises(ValueError, match="units names column 'nope'"):
        units.readable(pd.DataFrame({"a": [1.0]}), {"nope": "s"})
    with pytest.raises(ValueError, match="units must be given"):
        units.readable(pd.DataFrame({"a": [1.0]}))


def test_axis_label_names_the_display_unit():
    assert units.axis_label("spawn time", "s", [4e-7], per="agent") == "spawn time (ns per agent)"
    assert units.axis_label("throughput", "agent-steps/s") == "throughput (agent-steps/s)"


@pytest.mark.parametrize(
    ("low", "high", "unit", "text"),
    [
        (2.80e-3, 2.97e-3, "s", "(2.8 to 2.97 ms)"),
        # a negative end (a figure above a floor): no hyphen that reads as a minus sign
        (-17.4e-3, -895e-6, "s", "(-17.4 ms to -895 µs)"),
        (-33.8e-3, 39.6e-3, "s", "(-33.8 to 39.6 ms)"),
        (104.0, 104.0, "B", "(every repeat alike)"),
    ],
)
def test_format_spread_writes_to_between_the_ends(low, high, unit, text):
    assert units.format_spread(low, high, unit) == text
