"""The suite: every measurement under a profile, cumulative cost derived, scorecard and targets."""

import math

import pandas as pd
import pytest

from explorer.measure import PROFILES, run_suite, scorecard
from explorer.measure.reading.tables import format_value, render
from explorer.measure.reading.targets import targets
from explorer.measure.suite import MEASUREMENTS

TINY = {
    "import_time": {"statements": {"lazy": "import explorer"}, "repeats": 1, "warmup": 0},
    "spawn_time": {"ns": (1, 4), "repeats": 1},
    "memory_per_agent": {"ns": (10, 20), "built_ns": (1, 2), "repeats": 1},
    "first_action_time": {"repeats": 1, "warmup": 0, "rss_agents": 100, "rss_built_agents": 1},
    "step_time": {"steps": 3, "repeats": 1, "warmup": 0},
    "monitor_overhead": {"n": 10, "repeats": 1},
    "population_throughput": {"n": 50, "jax_n": 0, "steps": 1, "repeats": 1},
    "throughput_table": {
        "tasks": ("tmaze",),
        "engines": ("numpy", "legacy"),
        "ns": (2,),
        "steps": 1,
        "repeats": 1,
        "loop_max_n": 2,
        "bytes_max_n": 2,
        "cold_repeats": 0,
    },
    "model_throughput": {
        "ns": (2,),
        "steps": 1,
        "repeats": 1,
        "loop_n": 2,
        "engines": ("numba", "legacy"),
        "peak": {"matmul_size": 32, "copy_bytes": 2**20, "logs": 2**10, "repeats": 1},
    },
}


@pytest.fixture(scope="module")
def results():
    return run_suite("quick", variants=("lazy", "floor"), overrides=TINY, progress=False, ks=(1, 10))


def test_profiles_give_arguments_for_every_measurement():
    for profile in ("quick", "full"):
        assert set(MEASUREMENTS) <= set(PROFILES[profile])
    assert PROFILES["quick"]["first_action_time"]["repeats"] >= 7  # cold starts: 7 at least
    assert all(PROFILES["quick"][m]["repeats"] >= 5 for m in ("spawn_time", "memory_per_agent", "step_time"))
    assert max(PROFILES["full"]["spawn_time"]["ns"]) == 10000


def test_suite_runs_every_metric_and_derives_cumulative_cost(results):
    # a measurement may write metrics of its own beside its name (the table's bytes, the T-maze's ratios)
    derived = {"throughput_table_bytes", "throughput_table_largest_n", "throughput_table_first_action"}
    derived |= {"machine_peak", "step_work", "throughput_ratio", "limit_fraction"}
    # model_throughput writes only the table's rows and derived ones (ratios, limit fractions)
    named = {*MEASUREMENTS, "cumulative_cost"} - {"model_throughput"}
    assert named <= set(results["metric"]) <= {*MEASUREMENTS, "cumulative_cost", *derived}
    assert {"throughput_ratio", "limit_fraction"} <= set(results["metric"])
    assert results["error"].eq("").all(), results.loc[results["error"] != "", ["metric", "error"]]
    assert results.attrs["profile"] == "quick" and results.attrs["duration_s"] > 0
    assert "git_commit" in results.attrs and "cpu_model" in results.attrs


def test_a_measurement_that_raises_becomes_a_nan_row():
    df = run_suite("quick", only=("spawn_time",), overrides={"spawn_time": {"ns": (0,)}}, progress=False)
    assert len(df) == 1 and math.isnan(df["median"].iloc[0]) and "ns[...]" in df["error"].iloc[0]


def test_scorecard_puts_variants_side_by_side_with_ratios(results):
    card = scorecard(results)
    spawn = card[card["metric"] == "spawn_time"].iloc[0]
    assert spawn["n"] == "4" and spawn["direction"] == "lower"
    assert math.isclose(spawn["lazy/floor"], spawn["lazy"] / spawn["floor"])
    assert {"lazy_min", "lazy_max", "lazy_spread", "eager/lazy", "lazy-floor"} <= set(card.columns)


def test_targets_and_the_rendered_table(results):
    table = targets(results)
    assert list(table.columns) == ["target", "value", "low", "high", "limit", "unit", "met", "figure"]
    assert table["value"].notna().all()
    assert (table["met"] == (table["high"] <= table["limit"])).all()  # the upper end decides
    text = render(results)
    assert "lazy/floor" in text and "met: spawn: lazy agent's constructor / the floor object's" in text
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    engines = lines[lines.index("tmaze") + 1 :]  # the second table: the T-maze's engines at n = 2
    assert {line.split()[0] for line in engines[:3]} == {"numpy", "numba", "legacy"}
    assert all(line.split()[1][0].isdigit() for line in engines[:3]), engines[:3]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (2.5e-3, "s", "2.5 ms"),
        (4.2e-7, "s", "420 ns"),
        (3.0, "s", "3 s"),
        (5120.0, "B", "5 KiB"),
        (96.0, "B", "96 B"),
    ],
)
def test_values_are_shown_in_readable_units(value, unit, text):
    assert format_value(value, unit) == text


def test_unknown_profile_is_rejected():
    with pytest.raises(ValueError, match="profile"):
        run_suite("slow")


def test_every_profile_entry_fits_the_measure_function_it_names():
    import inspect

    from explorer import measure

    assert set(PROFILES["quick"]) == set(PROFILES["full"])
    for profile in ("quick", "full"):
        for name, kwargs in PROFILES[profile].items():
            inspect.signature(getattr(measure, name)).bind(**kwargs)  # raises TypeError if not


def test_before_after_and_the_readable_scorecard(results):
    from explorer.measure.reading.tables import before_after, scorecard_table
    from explorer.measure.results.stats import frame, summarize

    eager = summarize(
        [4e-4, 5e-4, 6e-4],
        metric="spawn_time",
        variant="eager",
        n=4,
        unit="s",
        method="perf_counter_ns, gc disabled",
        stage="constructor",
    )
    ratios = before_after(pd.concat([results, frame([eager])], ignore_index=True))
    spawn = ratios[ratios["label"] == "spawn per agent (constructor)"].iloc[0]
    assert spawn["ratio_low"] <= spawn["ratio"] <= spawn["ratio_high"]
    assert spawn["shown"].endswith("x]") and spawn["before"] == "eager" and spawn["after"] == "lazy"
    table = scorecard_table(results)
    assert not table.isna().any().any()  # empty cells, never NaN
    assert all((table[c] != "").any() for c in table.columns)  # no column without a measurement
    assert not table.drop(columns=["figure", "n"]).map(lambda v: v.startswith("-")).any().any()
    assert not table["figure"].str.contains("_| · ").any(), table["figure"].tolist()  # plain names
    assert "spawn" in set(table["figure"])  # not "spawn_time · perf_counter_ns, gc disabled · constructor"


def test_a_difference_that_cannot_be_told_from_zero_is_never_shown_negative():
    from explorer.measure.reading.tables import render, scorecard_table
    from explorer.measure.results.stats import frame, summarize

    hooks = summarize(
        [-5e-9, -1e-9, 2e-9, 4e-9, -3e-9],  # the hooks' paired difference, around zero
        metric="monitor_overhead",
        variant="disabled_minus_hook_free",
        n=300,
        unit="s",
        method="paired difference per repeat",
        stage="constructor",
    )
    spawn = summarize([5e-7, 6e-7, 7e-7], metric="spawn_time", variant="lazy", n=300, unit="s")
    results = frame([spawn, hooks])
    assert hooks["median"] < 0
    table = scorecard_table(results)
    assert not table.drop(columns=["figure", "n"]).map(lambda v: v.startswith("-")).any().any()
    assert "≈ 0 (±" in " ".join(table["others"])
    text = render(results)
    assert "Lifecycle hooks, events disabled, per spawn: not distinguishable from a hook-free" in text
    assert "-1" not in text and "-3" not in text


def test_the_full_profile_gives_the_spawn_target_an_interval_inside_min_max():
    from explorer.measure.results.stats import median_interval

    repeats = PROFILES["full"]["spawn_time"]["repeats"]
    values = [*range(repeats - 1), 1000.0]  # one outlying repeat
    low, high = median_interval(values)
    assert high < 1000.0 and low > 0  # one slow repeat no longer sets the interval


def test_the_scorecard_leaves_the_engines_to_their_own_table():
    # 07 under --model showed the model's engines at n = 20, the one n they share with the legacy loop,
    # not the n = 100,000 they ran at: engines are read per n, in the engine table
    from explorer.measure.reading.engine_table import engine_table
    from explorer.measure.reading.tables import scorecard_table
    from explorer.measure.results.stats import frame, summarize

    common = {"metric": "throughput_table", "unit": "agent-steps/s", "method": "in_process_warm"}
    rows = [
        summarize([5e5, 5.2e5, 5.4e5], **common, variant="numba", stage="mine.build", n=20),
        summarize([3.8e6, 3.9e6, 4e6], **common, variant="numba", stage="mine.build", n=100_000),
        summarize([350.0, 360.0, 370.0], **common, variant="legacy", stage="mine.build", n=20),
        summarize([5e-7, 6e-7, 7e-7], metric="spawn_time", variant="lazy", n=300, unit="s"),
    ]
    results = frame(rows)
    assert scorecard_table(results)["figure"].tolist() == ["spawn"]
    lines = engine_table(results, 100).splitlines()
    assert lines[lines.index("mine.build") + 1].split() == ["numba", "520,000", "3,900,000"]
