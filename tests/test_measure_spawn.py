"""Spawn time: one row per variant and size, seconds per agent, repeats honoured, failures as NaN."""

import math

import pytest

from explorer.measure import spawn_time
from explorer.measure.harness.variants import VARIANTS, Variant, agents_of, register_variant


def test_rows_per_variant_and_size_in_seconds():
    df = spawn_time(ns=(1, 5), repeats=3, variants=("lazy", "floor"))
    assert sorted(zip(df["variant"], df["n"], strict=True)) == [
        ("floor", 1),
        ("floor", 5),
        ("lazy", 1),
        ("lazy", 5),
    ]
    assert set(df["unit"]) == {"s"} and set(df["metric"]) == {"spawn_time"}
    assert (df["repeats"] == 3).all()
    assert (
        (df["median"] > 0).all() and (df["min"] <= df["median"]).all() and (df["median"] <= df["max"]).all()
    )
    assert set(df["stage"]) == {"constructor"}
    assert "python" in df.attrs and "git_commit" in df.attrs


def test_max_n_caps_a_slow_variant():
    df = spawn_time(ns=(1, 3), repeats=1, variants=("eager", "lazy"), max_n={"eager": 1})
    assert sorted(df.loc[df["variant"] == "eager", "n"]) == [1]
    assert sorted(df.loc[df["variant"] == "lazy", "n"]) == [1, 3]


@pytest.fixture
def broken_variant():
    def explode(agent_id, name, world):
        raise RuntimeError(f"cannot build agent {agent_id}")

    register_variant(Variant("broken", agents_of(lambda: explode), None, "Agent = None", "always fails"))
    yield "broken"
    del VARIANTS["broken"]


def test_a_failing_variant_records_nan_and_the_error(broken_variant):
    df = spawn_time(ns=(2,), repeats=2, variants=("lazy", broken_variant), isolate=False)
    row = df.set_index("variant").loc[broken_variant]
    assert math.isnan(row["median"]) and "cannot build agent" in row["error"]
    assert df.set_index("variant").loc["lazy", "error"] == ""


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ns": (0,)}, ValueError),
        ({"repeats": 0}, ValueError),
        ({"variants": ("nope",)}, ValueError),
        ({"ns": "10"}, TypeError),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error):
    with pytest.raises(error):
        spawn_time(**kwargs)


def test_workers_time_each_variant_in_its_own_process():
    df = spawn_time(ns=(3,), repeats=2, variants=("lazy", "floor"))
    assert df["note"].str.endswith("timed in a worker process of its own").all()
    assert df["error"].eq("").all() and (df["median"] > 0).all()


def test_a_variant_unknown_to_workers_fails_with_nan_not_a_default(broken_variant):
    df = spawn_time(ns=(2,), repeats=1, variants=(broken_variant,))
    assert math.isnan(df["median"].iloc[0]) and "variant must be one of" in df["error"].iloc[0]
