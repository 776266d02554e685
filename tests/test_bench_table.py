"""The bench table fits a 100-column terminal; the details it leaves out are in the JSON/CSV."""

import math

import pandas as pd

from explorer.measure.reading.tables import TABLE_WIDTH, render
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
    assert sum(line.startswith(("  met: ", "  NOT met: ", "  not measured: ")) for line in lines) == 3


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


def test_throughput_reads_per_second_and_the_legend_says_higher_is_better():
    row = {"metric": "population_throughput", "variant": "population", "n": 100_000, "median": 3.5e6}
    row |= {"min": 3.0e6, "max": 3.9e6, "unit": "agent-steps/s", "repeats": 5, "method": "warm"}
    row |= {"stage": "steady", "q1": math.nan, "q3": math.nan, "noisy": False, "error": "", "note": ""}
    text = render(pd.DataFrame([row]))
    assert "3,500,000/s" in text and "agent-steps/s" not in text.splitlines()[2]
    assert "except /s (agent-steps per second, higher is better)" in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 100
