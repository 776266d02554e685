"""seed_comparison: the seed's claims beside our medians, taken from the right rows."""

import math

import pandas as pd

from explorer.measure.reading.seed_claims import seed_comparison


def row(metric, variant, method, stage, median, unit="s", n=1):
    return {
        "metric": metric,
        "variant": variant,
        "n": n,
        "median": median,
        "min": median * 0.9,
        "max": median * 1.1,
        "q1": median,
        "q3": median,
        "unit": unit,
        "repeats": 7,
        "noisy": False,
        "method": method,
        "stage": stage,
        "error": "",
        "note": "",
    }


def test_claims_take_our_eager_lazy_and_floor_medians():
    results = pd.DataFrame(
        [
            row("spawn_time", "eager", "perf_counter_ns, gc disabled", "constructor", 4e-4, n=100),
            row("spawn_time", "lazy", "perf_counter_ns, gc disabled", "constructor", 3e-7, n=100),
            row("spawn_time", "floor", "perf_counter_ns, gc disabled", "constructor", 2e-7, n=100),
            row("memory_per_agent", "lazy", "tracemalloc_slope", "spawned", 72.0, unit="B"),
            row("memory_per_agent", "lazy", "tracemalloc_slope", "after_first_step", 5000.0, unit="B"),
        ]
    )
    table = seed_comparison(results).set_index("claim")
    assert table.loc["agent spawn", ["eager", "lazy", "floor"]].tolist() == [4e-4, 3e-7, 2e-7]
    assert table.loc["agent spawn", "seed_after"] == 0.2e-3
    assert table.loc["memory per agent", "lazy"] == 72.0
    assert math.isnan(table.loc["memory per agent", "eager"])
    assert math.isnan(table.loc["import time", "lazy"])  # not measured: NaN, never a default
