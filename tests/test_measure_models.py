"""Every instrument measures agents of any Model (LazyAgent, EagerAgent, Population), given or by factory."""

import pytest

from explorer.measure.harness.declared import random3, tmaze
from explorer.measure.instruments.first_actions import first_action_time
from explorer.measure.instruments.memory import memory_per_agent
from explorer.measure.instruments.spawn import spawn_time
from explorer.measure.instruments.steps import observations_for, step_time
from explorer.measure.suite import run_suite

TMAZE = "explorer.measure.harness.declared:tmaze"
#: numpy only: a fresh process that builds it imports no pymdp
RANDOM3 = "explorer.measure.harness.declared:random3"


def _ok(df):
    assert (df["error"] == "").all(), df[df["error"] != ""][["variant", "stage", "error"]].to_string()
    return df


def test_spawn_time_of_lazy_agents_of_a_model_in_this_process_and_in_a_worker():
    here = _ok(spawn_time(ns=(1, 10), repeats=1, variants=("lazy", "floor"), world=random3(), isolate=False))
    assert set(here["variant"]) == {"lazy", "floor"} and (here["median"] > 0).all()
    worker = _ok(spawn_time(ns=(10,), repeats=1, variants=("lazy",), world=RANDOM3))
    assert "worker process" in worker["note"].iloc[0]


def test_memory_per_agent_of_a_model_spawned_and_after_the_first_step():
    df = _ok(
        memory_per_agent(
            ns=(20, 40),
            built_ns=(2, 4),
            repeats=1,
            variants=("lazy",),
            after_first_step=("lazy",),
            world=random3(),
        )
    )
    spawned = df[df["stage"] == "spawned"]["median"].iloc[0]
    built = df[df["stage"] == "after_first_step"]["median"].iloc[0]
    assert 0 < spawned < built  # a reference at spawn; pymdp's Agent after the first step


def test_step_time_feeds_every_variant_the_same_model_observations_and_they_agree():
    observations = observations_for(tmaze(), 4)
    assert len(observations) == 4 and all(len(o) == 3 for o in observations)
    df = _ok(step_time(steps=4, repeats=1, warmup=1, variants=("eager", "lazy", "population"), world=TMAZE))
    assert "tmaze" in df["note"].iloc[0]


def test_first_action_of_a_model_rebuilds_it_in_a_fresh_process():
    df = _ok(first_action_time(variants=("population",), repeats=1, warmup=0, world=RANDOM3))
    total = df[(df["variant"] == "population") & (df["method"] == "in_process") & (df["stage"] == "total")]
    assert total["median"].iloc[0] > 0
    with pytest.raises(TypeError, match="rebuild the model from its factory"):
        first_action_time(variants=("lazy",), repeats=1, warmup=0, world=random3())


def test_the_suite_points_every_measurement_at_the_model_and_leaves_the_grid_only_ones_out():
    df = run_suite(
        "quick",
        only=("spawn_time", "monitor_overhead"),
        overrides={"spawn_time": {"ns": (5,), "repeats": 1, "isolate": False}},
        progress=False,
        model=RANDOM3,
    )
    assert set(df["metric"]) == {"spawn_time"} and df.attrs["model"] == RANDOM3
    assert (df["error"] == "").all()
