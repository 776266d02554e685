"""Summaries of repeats: the standard columns, the noisy flag, and NaN for failures."""

import math

import pytest

from explorer.measure.results.stats import COLUMNS, failed, frame, median_interval, rotated, summarize


def test_summary_holds_median_min_max_quartiles_and_repeats():
    row = summarize([3.0, 1.0, 2.0, 4.0, 5.0], metric="spawn_time", variant="lazy", n=10, unit="s")
    assert (row["median"], row["min"], row["max"], row["repeats"]) == (3.0, 1.0, 5.0, 5)
    assert row["q1"] == 2.0 and row["q3"] == 4.0
    assert row["error"] == ""


def test_spread_wider_than_the_median_is_flagged_noisy():
    assert summarize([1.0, 1.0, 5.0], metric="m", variant="v", n=1, unit="s")["noisy"]
    assert not summarize([1.0, 1.1, 1.2], metric="m", variant="v", n=1, unit="s")["noisy"]


def test_nan_repeat_gives_a_failed_row_not_a_number():
    row = summarize([1.0, float("nan")], metric="m", variant="v", n=1, unit="s")
    assert math.isnan(row["median"]) and row["error"]


def test_failed_row_records_nan_and_the_error():
    row = failed(metric="m", variant="v", n=1, unit="B", repeats=5, error="boom")
    assert all(math.isnan(row[k]) for k in ("median", "min", "max", "q1", "q3"))
    assert row["error"] == "boom" and row["repeats"] == 5


def test_frame_puts_the_standard_columns_first_and_keeps_attrs():
    df = frame([summarize([1.0], metric="m", variant="v", n=1, unit="s") | {"extra": 1}], {"python": "3"})
    assert list(df.columns) == [*COLUMNS, "extra"]
    assert df.attrs == {"python": "3"}


@pytest.mark.parametrize(
    ("shift", "expected"),
    [(0, ("a", "b", "c")), (1, ("b", "c", "a")), (3, ("c", "b", "a")), (5, ("b", "a", "c"))],
)
def test_rotated_changes_which_variant_goes_first_and_which_follows(shift, expected):
    assert rotated(("a", "b", "c"), shift) == expected


@pytest.mark.parametrize(
    ("n", "ranks"),
    [(1, (1, 1)), (5, (1, 5)), (7, (1, 7)), (9, (2, 8)), (11, (2, 10)), (15, (4, 12))],
)
def test_median_interval_takes_the_order_statistics_covering_95_percent(n, ranks):
    values = [10.0 * i for i in range(n, 0, -1)]  # unsorted on purpose
    assert median_interval(values) == (10.0 * ranks[0], 10.0 * ranks[1])


def test_summarize_keeps_the_medians_interval():
    row = summarize([5, 1, 3, 2, 4, 7, 6], metric="m", variant="v", n=1, unit="s")
    assert (row["ci_low"], row["median"], row["ci_high"]) == (1, 4, 7)
