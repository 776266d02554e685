"""The throughput table in Markdown, from a run's record: figures, intervals, why a cell is empty."""

import pandas as pd
import pytest

from explorer.measure.reading.throughput import (
    blocks,
    figure,
    full_tables,
    replace_block,
    short_table,
    unexplained_errors,
)
from explorer.measure.results.stats import failed, frame, summarize


def _rows():
    common = {"metric": "throughput_table", "unit": "agent-steps/s", "method": "in_process_warm"}
    rows = [
        summarize([40_000.0, 48_800.0, 52_000.0], **common, variant="numba", stage="tmaze", n=100_000),
        summarize([900.0, 1_000.0, 1_100.0], **common, variant="numba", stage="tmaze", n=100),
        failed(**common, variant="lanes", stage="tmaze", n=100, repeats=3, error="not run: grid worlds only"),
        failed(
            **common, variant="lanes", stage="tmaze", n=100_000, repeats=3, error="not run: grid worlds only"
        ),
        summarize([12.0, 11.0, 13.0], **common, variant="legacy", stage="tmaze", n=100),
        failed(**common, variant="legacy", stage="tmaze", n=100_000, repeats=3, error="not measured: loops"),
        failed(
            **common, variant="jax", stage="tmaze", n=100_000, repeats=3, error="MemoryError: above the limit"
        ),
        summarize([500.0, 510.0, 520.0], **common, variant="jax", stage="tmaze", n=100),
    ]
    weigh = {"metric": "throughput_table_bytes", "unit": "B", "method": "tracemalloc"}
    rows += [
        summarize([378.0], **weigh, variant="numba", stage="tmaze", n=100_000),
        summarize([400.0], **weigh, variant="numba", stage="tmaze", n=100),
        summarize([5_225.0], **weigh, variant="legacy", stage="tmaze", n=100),
    ]
    return frame(
        rows,
        {
            "utc_time": "2026-11-29T22:00:00",
            "cpu_count": 2,
            "cpu_model": "Xeon",
            "load_average": [17.2, 5.7],
            "git_commit": "abcdef123",
            "duration_s": 3600.0,
        },
    )


def test_figures_keep_three_significant_digits():
    assert [figure(v) for v in (48_812.0, 7.514, 0.01234, float("nan"))] == ["48,800", "7.51", "0.0123", "-"]


def test_the_short_table_shows_each_engine_at_the_largest_n_it_ran_and_its_bytes_there():
    table = short_table(_rows())
    assert "| explorer, numba engine | 48,800 (100,000) | 378 B |" in table
    assert "| explorer, the grid's lanes engine | does not apply | - |" in table
    assert "| pymdp 1.0 batched JAX `Agent` | 510 (100) | - |" in table  # its 100,000 was over the limit
    assert "| loop of pymdp legacy `Agent`s | 12.0 (100) | 5,220 B |" in table


def test_the_full_table_gives_every_n_with_its_interval_and_why_a_cell_is_empty():
    table = full_tables(_rows())
    assert "| explorer, numba engine | 1,000 [900, 1,100] | 48,800 [40,000, 52,000] |" in table
    assert "| pymdp 1.0 batched JAX `Agent` | 510 [500, 520] | over the memory limit |" in table
    assert "| loop of pymdp legacy `Agent`s | 12.0 [11.0, 13.0] | not measured |" in table
    assert "| explorer, numba engine | 400 B | 378 B |" in table


def test_each_view_carries_its_machine_load_and_the_command_that_measures_it_again():
    views = blocks(_rows())
    for text in views.values():
        assert "load average 17.2 at the start and 5.70 at the end" in text
        assert "explorer bench --only throughput_table --json data/throughput_table.json" in text
    assert "Protocol." in views["full"] and "60 minutes" in views["full"]


def test_a_block_is_replaced_between_its_markers_only():
    text = "a\n<!-- t:start -->\nold\n<!-- t:end -->\nb"
    assert replace_block(text, "t", "new") == "a\n<!-- t:start -->\nnew\n<!-- t:end -->\nb"
    with pytest.raises(ValueError, match="no <!-- u:start -->"):
        replace_block(text, "u", "new")
    empty = "a\n<!-- t:start -->\n<!-- t:end -->\nb"  # as a page holds it before its first record
    assert replace_block(empty, "t", "new") == "a\n<!-- t:start -->\nnew\n<!-- t:end -->\nb"


def test_only_errors_no_row_explains_are_listed_as_broken():
    assert unexplained_errors(_rows()) == []  # not run, not measured, over the memory limit: said in the rows
    broke = failed(
        metric="throughput_table",
        variant="numpy",
        n=100,
        unit="agent-steps/s",
        repeats=3,
        error="ValueError: bad shape",
        stage="tmaze",
    )
    # the same "not run" from another instrument (the grid's population) is a failure, not the table's gap
    other = failed(
        metric="population_step_time",
        variant="population",
        n=100,
        unit="s",
        repeats=3,
        error="not run: grid worlds only",
    )
    both = pd.concat([_rows(), frame([broke, other])])
    assert unexplained_errors(both) == ["ValueError: bad shape", "not run: grid worlds only"]
