"""The bench table fits a 100-column terminal; the details it leaves out are in the JSON/CSV."""

import math

import pandas as pd
import pytest

from explorer.measure.reading.engine_table import engine_table
from explorer.measure.reading.estimates import Estimate
from explorer.measure.reading.tables import TABLE_WIDTH, render
from explorer.measure.reading.targets import target_verdict
from explorer.measure.results.stats import failed, frame, summarize
from explorer.measure.results.storage import load_results
from explorer.paths import ROOT


def test_a_full_run_renders_within_100_columns():
    results = load_results(ROOT / "data" / "baseline.json")  # a real full run, every metric
    text = render(results)
    assert TABLE_WIDTH == 100
    assert max(len(line) for line in text.splitlines()) <= 100
    lines = text.splitlines()
    assert lines[0].split() == ["eager", "lazy", "floor", "population", "eager/lazy", "lazy/floor"]
    assert "spawn_time (N = 10,000)" in lines
    assert any(line.startswith("  perf_counter / constructor") and "µs" in line for line in lines)
    verdicts = ("  met: ", "  NOT met: ", "  undecided: ", "  not measured: ")
    assert sum(line.startswith(verdicts) for line in lines) == 3


def test_long_labels_and_noisy_cells_still_fit():
    rows = [
        {
            "metric": "step_time",
            "variant": variant,
            "n": 1,
            "median": median,
            "min": median / 10,
            "max": median * 3,  # spread above the median: marked noisy
            "unit": "s",
            "repeats": 5,
            "method": "a method whose name nobody shortened, with details",
            "stage": "a stage with a long name as well",
        }
        for variant, median in (("eager", 1.234567), ("lazy", 0.000123), ("floor", 9.9e-8))
    ]
    text = render(pd.DataFrame(rows).assign(q1=math.nan, q3=math.nan, noisy=True, error="", note=""))
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "1.23 s!" in text and "123 µs!" in text
    assert "  a method whose name nobody shortened, with details / a stage with a long name as well" in text


def test_population_throughput_reads_per_second_in_the_engines_table():
    row = {"metric": "population_throughput", "variant": "population", "n": 100_000, "median": 3.5e6}
    row |= {"min": 3.0e6, "max": 3.9e6, "unit": "agent-steps/s", "repeats": 5, "method": "warm"}
    row |= {"stage": "steady", "q1": math.nan, "q3": math.nan, "noisy": False, "error": "", "note": ""}
    text = render(pd.DataFrame([row]))
    assert "higher is better" in " ".join(text.split())
    (line,) = [line for line in text.splitlines() if line.startswith("  population ")]
    assert line.split() == ["population", "3,500,000"]
    assert max(len(line) for line in text.splitlines()) <= 100


def _model_run(task: str = "mymodel.build") -> pd.DataFrame:
    """The rows a quick bench of a model writes for its engines: throughput_table and model_throughput."""
    rate = {"metric": "throughput_table", "unit": "agent-steps/s", "method": "in_process_warm", "stage": task}
    rows = [
        summarize([0.9 * value, value, 1.1 * value], **rate, variant=engine, n=n)
        for engine, n, value in (
            ("numpy", 100, 139_000.0),
            ("numpy", 1000, 304_000.0),
            ("numpy", 100_000, 333_000.0),
            ("numba", 100, 1_180_000.0),
            ("numba", 100_000, 2_660_000.0),
            ("jax", 100_000, 168_000.0),
            ("legacy", 20, 232.0),
            ("lazy", 100, 224.0),
        )
    ]
    rows.append(failed(**rate, variant="lazy", n=1000, repeats=3, error="not measured: per-object loops"))
    weigh = {"metric": "throughput_table_bytes", "unit": "B", "method": "tracemalloc", "stage": task}
    rows += [
        summarize([b], **weigh, variant=e, n=n) for e, n, b in (("numba", 100, 347.0), ("numba", 1000, 267.0))
    ]
    largest = {"metric": "throughput_table_largest_n", "unit": "agents", "method": "measured", "stage": task}
    rows += [summarize([n], **largest, variant="numba", n=n) for n in (1000, 100_000)]
    note = "numba / jax at n = 100,000; target >= 20x"
    rows.append(
        summarize(
            [15.8], metric="throughput_ratio", variant="jax", n=100_000, unit="x", stage=task, note=note
        )
    )
    rows.append(
        summarize(
            [0.151],
            metric="limit_fraction",
            variant="numba",
            n=100_000,
            unit="x",
            stage="flops / matmul peak",
        )
    )
    rows.append(
        summarize([5e10], metric="machine_peak", variant="matmul", n=1, unit="FLOP/s", stage="matmul")
    )
    rows.append(summarize([2842.0], metric="step_work", variant="numba", n=1, unit="FLOP", stage="flops"))
    rows.append(  # one of the variants' own rows: the first table keeps them
        summarize([1e-4, 1.2e-4, 1.1e-4], metric="step_time", variant="lazy", n=1, unit="s", stage="steady")
    )
    return frame(rows)


def _cells(header: str, rows: list[str]) -> dict[str, dict[str, str]]:
    """Each row's non-empty cells by column name, read from the header's right-aligned columns."""
    names = [name.strip() for name in header.split("  ") if name.strip()]
    ends = [header.index(name) + len(name) for name in names]
    starts = [len(header) - len(header.lstrip()), *ends[:-1]]
    return {
        row.split()[0]: {
            name: row[start:end].strip()
            for name, start, end in zip(names, starts, ends, strict=True)
            if row[start:end].strip()
        }
        for row in rows
    }


def test_a_models_engines_show_their_figures_in_a_second_table_within_100_columns():
    text = render(_model_run())
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    first = lines[: lines.index(next(line for line in lines if line.startswith("Engines:")))]
    assert "step_time" in first and not any("throughput" in line or "build" in line for line in first)
    header = lines[lines.index("mymodel.build") - 1]
    cells = _cells(header, lines[lines.index("mymodel.build") + 1 : lines.index("mymodel.build") + 6])
    assert cells["numba"] == {"n = 100": "1,180,000", "n = 100,000": "2,660,000", "bytes/agent": "267 B"} | {
        "largest n": "100,000"
    }
    assert cells["numpy"] == {"n = 100": "139,000", "n = 1,000": "304,000", "n = 100,000": "333,000"}
    assert cells["jax"] == {"n = 100,000": "168,000"} and cells["legacy"] == {"n = 20": "232"}
    assert cells["lazy"] == {"n = 100": "224", "n = 1,000": "-"}  # "-": not measured, the CSV says why
    figures = {
        line.rsplit("  ", 1)[0].strip(): line.rsplit("  ", 1)[1].strip()
        for line in lines[-40:]
        if "  " in line
    }
    assert figures["mymodel.build: numba / jax at n = 100,000 (explorer's target >= 20x)"].startswith("15.8x")
    assert figures["limit fraction, numba at n = 100,000: flops / matmul peak"] == "0.151"
    assert figures["machine peak: matmul"] == "50 GFLOP/s"
    assert figures["work per agent-step (numba, counted): flops"] == "2,840 FLOP"


def test_the_full_throughput_record_fits_100_columns_with_every_engine_and_task():
    results = load_results(ROOT / "data" / "throughput_table.json")  # a real full run of the table
    text = engine_table(results, TABLE_WIDTH)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    tasks = list(dict.fromkeys(results.loc[results["metric"] == "throughput_table", "stage"]))
    assert len(tasks) == 4 and all(task in lines for task in tasks)
    engines = set(results.loc[results["metric"] == "throughput_table", "variant"])
    shown = [line.split()[0] for line in lines[lines.index(tasks[0]) :] if line.startswith("  ")]
    assert set(shown) == engines and len(shown) == sum(
        results[results["metric"] == "throughput_table"].groupby("stage")["variant"].nunique()
    )


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.8, 1.9, "met"),
        (0.85, 3.18, "undecided"),
        (2.1, 3.0, "NOT met"),
        (math.nan, math.nan, "not measured"),
    ],
)
def test_a_target_is_undecided_not_failed_when_its_interval_reaches_both_sides(low, high, verdict):
    value = (low + high) / 2
    assert target_verdict(Estimate(value, low, high, "x"), 2.0) == verdict


def test_the_targets_say_they_are_explorers_own_and_what_an_undecided_one_means():
    text = " ".join(render(load_results(ROOT / "data" / "baseline.json")).split())
    assert "explorer's own targets, whichever model is measured" in text
    assert "undecided: it reaches both sides" in text and "not a measured regression" in text
