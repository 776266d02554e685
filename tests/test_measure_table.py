"""The throughput table: every engine x task x n interleaved, what cannot run said, never extrapolated."""

import math

import numpy as np
import pytest

from explorer.limits import using_memory_limit
from explorer.measure.harness.declared import random3, tmaze, world_of
from explorer.measure.instruments.population.table import (
    throughput_json,
    throughput_pivot,
    throughput_protocol,
    throughput_table,
)

SMALL = {"steps": 1, "repeats": 2, "loop_max_n": 4, "bytes_max_n": 8, "cold_repeats": 0}


@pytest.fixture(scope="module")
def results():
    return throughput_table(
        tasks=("random3", "grid5"), engines=("numpy", "lanes", "sparse", "legacy", "lazy"), ns=(4, 8), **SMALL
    )


def _row(df, metric, engine, task, n=None, method=None):
    rows = df[(df["metric"] == metric) & (df["variant"] == engine) & (df["stage"] == task)]
    if n is not None:
        rows = rows[rows["n"] == n]
    if method is not None:
        rows = rows[rows["method"] == method]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_every_engine_that_applies_is_measured_at_every_n(results):
    for task in ("random3", "grid5"):
        for n in (4, 8):
            row = _row(results, "throughput_table", "numpy", task, n)
            assert row["error"] == "" and row["median"] > 0 and row["repeats"] == 2
    assert _row(results, "throughput_table", "lazy", "random3", 4)["median"] > 0
    assert _row(results, "throughput_table", "legacy", "grid5", 4)["median"] > 0


def test_what_cannot_run_says_why_and_loops_are_not_extrapolated(results):
    for grid_only in ("lanes", "sparse"):
        row = _row(results, "throughput_table", grid_only, "random3", 4)
        assert math.isnan(row["median"]) and "grid worlds only" in row["error"]
    assert _row(results, "throughput_table", "lanes", "grid5", 8)["median"] > 0
    loop = _row(results, "throughput_table", "legacy", "random3", 8)
    assert math.isnan(loop["median"]) and "not extrapolated" in loop["error"]


def test_bytes_per_agent_and_largest_n(results):
    numpy_bytes = _row(results, "throughput_table_bytes", "numpy", "random3", 8)
    legacy_bytes = _row(results, "throughput_table_bytes", "legacy", "random3", 4)
    assert 0 < numpy_bytes["median"] < legacy_bytes["median"]  # arrays beside Python objects
    assert _row(results, "throughput_table_largest_n", "numpy", "random3", method="measured")["median"] == 8
    estimate = _row(results, "throughput_table_largest_n", "numpy", "random3", method="limit_over_bytes")
    assert estimate["median"] > 8


def test_bytes_per_agent_are_weighed_at_every_n_loops_only_up_to_their_small_n(results):
    numpy_bytes = throughput_pivot(results, "throughput_table_bytes").loc[("random3", "numpy")]
    assert list(numpy_bytes.index) == [4, 8] and (numpy_bytes > 0).all()
    legacy = results[(results["metric"] == "throughput_table_bytes") & (results["variant"] == "legacy")]
    assert set(legacy["n"]) == {4}  # loop_max_n: never weighed (nor extrapolated) beyond it


def test_the_table_view_and_its_protocol(results):
    pivot = throughput_pivot(results)
    assert list(pivot.columns) == [4, 8]
    assert pivot.loc[("random3", "numpy"), 8] > 0
    assert ("random3", "sparse") not in pivot.index  # nothing measured, no cell
    words = throughput_protocol(results)
    assert (
        "random3: random model (seed 0): 3 factors" in words
        and "2 repeats" in words
        and "load average" in words
    )
    assert '"numpy"' in throughput_json(results)


def test_the_memory_limit_ends_an_engines_larger_n():
    with using_memory_limit("2MiB"):
        df = throughput_table(tasks=("random3",), engines=("numpy",), ns=(2, 100_000), **SMALL)
    refused = _row(df, "throughput_table", "numpy", "random3", 100_000)
    assert math.isnan(refused["median"]) and refused["error"].startswith("MemoryError")
    held = _row(df, "throughput_table_largest_n", "numpy", "random3", method="measured")
    assert held["median"] == 2 and "refused from n = 100,000" in held["note"]


def test_a_fresh_process_rebuilds_the_model_from_its_factory_for_the_cold_first_action():
    df = throughput_table(tasks=("random3",), engines=("numpy",), ns=(2,), **(SMALL | {"cold_repeats": 1}))
    total = _row(df, "throughput_table_first_action", "numpy", "random3", method="in_child_total")
    model = _row(df, "throughput_table_first_action", "numpy", "random3", method="in_child_model")
    assert total["error"] == "" and 0 < model["median"] < total["median"]


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="tasks must hold names of"):
        throughput_table(tasks=("mars",))
    with pytest.raises(ValueError, match="engines must hold some of"):
        throughput_table(engines=("warp",))
    with pytest.raises(ValueError, match="ns"):
        throughput_table(ns=(0,))


def test_the_model_world_draws_what_the_model_says():
    model = tmaze()
    world = world_of(model, 2000, seed=1)
    observations = world.reset()
    assert (observations[:, 0] == 0).all()  # every agent starts in the centre, observed exactly
    assert 0.4 < observations[:, 2].mean() < 0.6  # the cue is a coin flip outside the cue arm
    moved = world.step(np.tile([3, 0], (2000, 1)))  # everyone to the cue arm: the cue shows the context
    assert (moved[:, 0] == 3).all() and (moved[:, 2] == world.states[:, 1]).all()
    again = world_of(random3(), 5, seed=1)
    assert again.reset().shape == (5, 3)


# pymdp 1.0.4's rollout hands its environment's float observations to jax.nn.one_hot (pymdp's own code)
@pytest.mark.filterwarnings("ignore:jax.nn.one_hot input should be integer-typed:DeprecationWarning")
def test_a_rollout_is_checked_against_what_xla_says_it_holds_not_its_arrays_alone():
    from explorer.measure.instruments.population.engines import (
        build,
        rollout_bytes_per_agent,
        rollout_xla_bytes_per_agent,
    )

    model = tmaze()
    arrays, counted = rollout_bytes_per_agent(model), rollout_xla_bytes_per_agent(model, 1)
    assert counted > 2 * arrays  # the batched agent's arrays, its world's and the scan's temporaries
    n = 1000
    between = int(n * (arrays + counted) / 2)  # enough for the arrays alone, not for the rollout
    with using_memory_limit(between), pytest.raises(MemoryError, match="XLA's count"):
        build("rollout", model, n, 0, steps=1)


def test_the_jax_engine_is_checked_against_what_xla_says_a_step_holds_not_its_arrays_alone():
    from explorer.population import Population
    from explorer.population.jax_engine import JaxEngine

    model = tmaze()
    held = Population(model, 4, backend="jax").nbytes / 4  # the arrays the agents keep between steps
    counted = JaxEngine.bytes_per_agent(model)
    assert counted > 1.5 * held  # the step's temporaries beside the agent's copies of the model
    n = 1000
    with using_memory_limit(int(n * (held + counted) / 2)), pytest.raises(MemoryError, match="jax engine"):
        Population(model, n, backend="jax")


def test_an_n_whose_run_would_pass_the_time_budget_is_not_measured_nor_extrapolated():
    table = throughput_table(tasks=("random3",), engines=("numpy",), ns=(4, 8), run_budget=1e-9, **SMALL)
    assert _row(table, "throughput_table", "numpy", "random3", 4)["median"] > 0
    over = _row(table, "throughput_table", "numpy", "random3", 8)
    assert math.isnan(over["median"]) and over["error"].startswith("not measured")
    assert "budget" in over["error"]
    weighed = _row(table, "throughput_table_bytes", "numpy", "random3", 8)
    assert math.isnan(weighed["median"]) and "budget" in weighed["error"]
    assert table.attrs["run_budget_s"] == 1e-9 and table.attrs["peak_rss_bytes"] > 0
