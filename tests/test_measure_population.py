"""Measuring the population: tidy rows, agreement checked where timed, the population as a variant."""

import math

import numpy as np
import pytest

from explorer import GridWorld
from explorer.measure.harness.variants import get_variant
from explorer.measure.instruments.population import (
    _disagreement,
    _Outcome,
    jax_step_time,
    population_memory,
    population_scaling,
    population_step_time,
)
from explorer.measure.profiles import PROFILES
from explorer.measure.results.stats import COLUMNS


def test_step_time_compares_population_and_lazy_agents_with_a_paired_speedup():
    df = population_step_time(n=20, steps=3, repeats=2)
    assert list(df.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert df["error"].eq("").all(), df["error"]
    times = df[df["metric"] == "agent_step_time"]
    assert set(zip(times["variant"], times["stage"], strict=True)) == {
        (v, s) for v in ("population", "lazy") for s in ("spawn", "first_step", "steady")
    }
    assert set(times["unit"]) == {"s"} and (df["n"] == 20).all() and (df["repeats"] == 2).all()
    speedup = df[df["metric"] == "speedup"].iloc[0]
    assert speedup["unit"] == "x" and speedup["median"] > 1
    assert "python" in df.attrs and "git_commit" in df.attrs


def test_disagreeing_beliefs_are_reported_not_hidden():
    actions = np.zeros((2, 3), dtype=int)
    ours = _Outcome({}, actions, np.full((3, 4), 0.25))
    reference = _Outcome({}, actions, np.array([[0.25] * 4, [0.25] * 4, [0.5, 0.5, 0, 0]]))
    problem, share = _disagreement(ours, reference, 1e-8)
    assert "beliefs differ from the reference by 0.25" in problem and share == 1.0
    other = _Outcome({}, actions + 1, reference.beliefs)
    assert _disagreement(ours, other, 1e-8)[0].startswith("no agent took the same actions")


def test_memory_has_slope_peak_and_lazy_reference_rows():
    df = population_memory(ns=(1000, 2000, 4000), repeats=1, lazy_built_ns=(5, 10))  # all lanes
    assert df["error"].eq("").all(), df["error"]
    rows = df.set_index(["variant", "stage", "method"])["median"]
    spawned = rows[("population", "spawned", "tracemalloc_slope")]
    # qs and q_pi (float64), observations, last and argmax actions and tie masks (int64), in blocks
    # of 128 agent slots at 5x5 (the slope over 1,000-4,000 agents carries the last block's spare slots)
    assert spawned == pytest.approx(30 * 8 + 4 * 8, rel=0.05)
    assert rows[("population", "after_first_step", "tracemalloc_slope")] <= 1024
    assert rows[("population", "during_step", "tracemalloc_peak")] > 0
    assert rows[("lazy", "after_first_step", "tracemalloc_slope")] > spawned
    assert set(df["unit"]) == {"B"}


def test_scaling_caps_the_per_object_agents():
    df = population_scaling(ns=(1, 30), per_object_max=1, backends=("lanes", "dense"), steps=2, repeats=2)
    assert df["error"].eq("").all(), df["error"]
    assert set(zip(df["variant"], df["n"], strict=True)) == {
        ("population", 1),
        ("population_dense", 1),
        ("lazy", 1),
        ("population", 30),
        ("population_dense", 30),
    }
    assert (df["median"] > 0).all() and set(df["stage"]) == {"steady"}


def test_jax_step_time_separates_compile_from_steady_steps():
    df = jax_step_time(n=4, steps=3, repeats=1)
    assert df["error"].eq("").all(), df["error"]
    rows = df.set_index(["variant", "stage"])["median"]
    assert rows[("population_jax", "first_step")] > rows[("population_jax", "steady")]
    assert math.isclose(
        rows[("population_jax", "compile")],
        rows[("population_jax", "first_step")] - rows[("population_jax", "steady")],
    )
    assert ("population", "steady") in rows.index


def test_population_is_a_registered_variant_that_steps_n_agents():
    variant = get_variant("population")
    population = variant.spawn(7, GridWorld())
    actions = variant.step(population, 0)
    assert len(population) == 7 and len(actions) == 7 and set(actions) <= {1, 3}


def test_profiles_name_every_function_with_valid_keywords():
    import inspect

    from explorer import measure

    assert set(PROFILES) == {"quick", "full"}
    assert set(PROFILES["quick"]) == set(PROFILES["full"])
    for profile in PROFILES.values():
        for name, kwargs in profile.items():
            assert set(kwargs) <= set(inspect.signature(getattr(measure, name)).parameters)


def test_throughput_times_the_engines_side_by_side_with_a_paired_speedup():
    from explorer.measure.instruments.population import population_throughput

    df = population_throughput(n=300, jax_n=0, steps=2, repeats=2)
    assert df["error"].eq("").all(), df["error"]
    assert set(df["metric"]) == {"population_throughput"}
    rows = df.set_index(["stage", "variant"])
    engines = {"population", "population_float32", "population_sparse", "population_dense"}
    assert set(rows.loc["steady"].index) == engines
    assert (rows.loc["steady", "median"] > 0).all() and set(rows.loc["steady", "unit"]) == {"agent-steps/s"}
    for stage, variant in (
        ("speedup_over_dense", "population"),
        ("speedup_over_sparse", "population"),
        ("float32_gain", "population_float32"),
    ):
        assert rows.loc[(stage, variant), "median"] > 0 and rows.loc[(stage, variant), "unit"] == "x"
    assert "load average" in rows.loc[("speedup_over_dense", "population"), "note"]
    with pytest.raises(ValueError, match="variants must hold"):
        population_throughput(n=3, variants=("lazy",))


def test_world_scaling_gives_states_per_row_and_a_slope():
    from explorer.measure.instruments.population import scaling_slope, states_of, world_scaling

    df = world_scaling(sides=(3, 6, 12), n=20, dense_max_side=6, steps=1, repeats=2)
    assert df["error"].eq("").all(), df["error"]
    assert list(states_of(df[df["variant"] == "population"])) == [9, 36, 144]
    assert set(df.loc[df["variant"] == "population_dense", "note"].str.extract(r"states=(\d+)")[0]) == {
        "9",
        "36",
    }
    assert math.isfinite(scaling_slope(df))  # noisy at these sizes; the notebook fits sides 5-100
    synthetic = df[df["variant"] == "population"].assign(median=lambda d: 3e-9 * states_of(d) ** 1.5)
    assert scaling_slope(synthetic) == pytest.approx(1.5)


def test_thread_scaling_and_kernel_profile_rows():
    from explorer.measure.instruments.population import PROFILE_STAGES, kernel_profile, thread_scaling

    threads = thread_scaling(n=500, threads=(1,), steps=1, repeats=2)
    assert threads["error"].eq("").all() and set(threads["stage"]) == {"threads=1"}
    profile = kernel_profile(n=300, repeats=2)
    assert profile["error"].eq("").all() and list(profile["stage"]) == list(PROFILE_STAGES)


def test_limit_table_divides_counted_work_by_the_measured_peak():
    from explorer.measure.instruments.population import limit_table, machine_peak, step_work

    peak = machine_peak(matmul_size=64, copy_bytes=2**20, logs=2**12, repeats=1)
    assert set(peak["variant"]) == {"matmul", "copy", "log"} and (peak["median"] > 0).all()
    work = step_work(GridWorld(side=4, obs_noise=0.2), n=10, steps=2).set_index("stage")["median"]
    assert work["bytes_streamed"] == 16 * 16 + 8 * 5 + 24
    assert work["flops"] > 5 * 16 + 5 * 2 * 16 and work["logs"] >= 5
    table = limit_table(peak, step_work(n=10, steps=1), 1e-6)
    assert table["resource"].iloc[0] == "flops / matmul peak"
    assert (table["fraction_of_limit"] == table["floor_s"] / 1e-6).all()


def test_big_world_memory_runs_a_fresh_process_and_reports_its_peak():
    from explorer.measure.instruments.population import big_world_memory

    df = big_world_memory(side=10, n=20, steps=2).set_index("metric")
    assert df["error"].eq("").all(), df["error"]
    assert 20e6 < df.loc["memory_total", "median"] < 1e9  # interpreter, numpy and numba, at least
    # the lanes engine: one block of 128 agent slots (20 used), each 100 beliefs, 5 policies, 4 ints
    assert df.loc["population_nbytes", "median"] == 128 * (100 + 5 + 4) * 8


def test_engine_first_action_times_fresh_processes_with_numba_apart():
    from explorer.measure.instruments.population import engine_first_action

    df = engine_first_action(repeats=1, compile_runs=0)
    assert df["error"].eq("").all(), df["error"]
    assert set(df["metric"]) == {"engine_first_action"}
    rows = df.set_index(["variant", "stage"])["median"]
    assert rows[("population_sparse", "numba_import")] > 0.05  # numba really imported, and timed
    # the lanes engine loads its kernel's object code without numba (the child asserts it is not loaded)
    assert rows[("population_lanes", "numba_import")] < 0.01
    assert rows[("population", "numba_import")] < 0.01  # the default for one agent never imports it
    assert rows[("population", "total")] < rows[("population", "process_wall")]
    assert ("bare", "process_wall") in rows.index


def test_each_repeat_steps_once_untimed_before_its_timed_steps():
    from explorer.measure.instruments.population.timed_runs import _time_steps

    class Walker:  # times itself: its first step is slow, as after another engine ran
        self_timed = True

        def __init__(self):
            self.seconds = [5.0, 1.0, 1.0, 1.0]

        def step(self, _observation):
            return self.seconds.pop(0)

    walker = Walker()
    assert _time_steps(walker, [None, None, None]) == 1.0
    assert walker.seconds == []  # four steps: one untimed, three timed


def test_a_first_action_on_an_empty_cache_may_import_numba_a_warm_one_may_not():
    from explorer.measure.instruments.population.footprint import first_action_code

    warm, cold = first_action_code("lanes"), first_action_code("lanes", cold_cache=True)
    # a warm cache's lanes child proves numba stays out; an empty cache's compiles with it (the full
    # profile's compile_first_run failed on that assertion before)
    assert 'assert False or "numba" not in sys.modules' in warm
    assert 'assert True or "numba" not in sys.modules' in cold
    assert "assert True or" in first_action_code("sparse", pre_import="import numba")
