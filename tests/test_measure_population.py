"""Measuring the population: tidy rows, agreement checked where timed, the population as a variant."""

import math

import numpy as np
import pytest

from explorer import GridWorld
from explorer.measure.population import (
    PROFILES,
    _disagreement,
    _Outcome,
    jax_step_time,
    population_memory,
    population_scaling,
    population_step_time,
)
from explorer.measure.stats import COLUMNS
from explorer.measure.variants import get_variant


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
    df = population_memory(ns=(500, 1000, 2000), repeats=1, lazy_built_ns=(5, 10))
    assert df["error"].eq("").all(), df["error"]
    rows = df.set_index(["variant", "stage", "method"])["median"]
    spawned = rows[("population", "spawned", "tracemalloc_slope")]
    assert spawned == pytest.approx(55 * 8, rel=0.05)  # qs, q_pi and the next prior, float64
    assert rows[("population", "after_first_step", "tracemalloc_slope")] <= 1024
    assert rows[("population", "during_step", "tracemalloc_peak")] > 0
    assert rows[("lazy", "after_first_step", "tracemalloc_slope")] > spawned
    assert set(df["unit"]) == {"B"}


def test_scaling_caps_the_per_object_agents():
    df = population_scaling(ns=(1, 30), per_object_max=1, backends=("numpy",), steps=2, repeats=2)
    assert df["error"].eq("").all(), df["error"]
    assert set(zip(df["variant"], df["n"], strict=True)) == {
        ("population", 1),
        ("lazy", 1),
        ("population", 30),
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

    import explorer.measure.population as module

    assert set(PROFILES) == {"quick", "full"}
    for profile in PROFILES.values():
        for name, kwargs in profile.items():
            assert set(kwargs) <= set(inspect.signature(getattr(module, name)).parameters)
