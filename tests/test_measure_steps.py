"""Step time in a warm process, the same actions from every variant, and the cumulative cost of K steps."""

import math

from explorer.measure import cumulative_cost, step_time
from explorer.measure.results.stats import failed, frame


def test_step_time_has_spawn_first_and_steady_rows_per_variant():
    df = step_time(steps=5, repeats=2, warmup=1)
    assert set(zip(df["variant"], df["stage"], strict=True)) == {
        (v, s) for v in ("eager", "lazy") for s in ("spawn", "first_step", "steady", "steady_cpu")
    }
    cpu = df[df["stage"] == "steady_cpu"]
    assert set(cpu["method"]) == {"process_time"} and (cpu["median"] > 0).all()
    assert df["error"].eq("").all(), df["error"]  # eager and lazy chose the same actions
    assert (df["repeats"] == 2).all() and set(df["unit"]) == {"s"}
    assert df.set_index(["variant", "stage"]).loc[("lazy", "steady"), "n"] == 4


def test_a_variant_that_cannot_step_records_the_error():
    df = step_time(steps=3, repeats=1, warmup=0, variants=("lazy", "floor"))
    floor = df[df["variant"] == "floor"]
    assert floor["median"].map(math.isnan).all() and floor["error"].str.contains("cannot step").all()


def test_cumulative_cost_adds_first_use_and_steady_steps():
    steps = step_time(steps=4, repeats=1, warmup=0, variants=("lazy",))
    df = cumulative_cost(steps, ks=(1, 10))
    parts = steps.set_index("stage")["median"]
    costs = df.set_index("n")["median"]
    assert math.isclose(costs[1], parts["spawn"] + parts["first_step"])
    assert math.isclose(costs[10], parts["spawn"] + parts["first_step"] + 9 * parts["steady"])
    assert set(df["method"]) == {"warm"}


def test_cumulative_cost_uses_the_cold_first_action_when_present():
    steps = step_time(steps=3, repeats=1, warmup=0, variants=("lazy",))
    cold = failed(
        metric="first_action_time",
        variant="lazy",
        n=1,
        unit="s",
        repeats=7,
        error="boom",
        method="in_process",
    ) | {"stage": "total"}
    both = frame([*steps.to_dict(orient="records"), cold])
    df = cumulative_cost(both, ks=(5,))
    row = df.set_index("method").loc["cold"]
    assert math.isnan(row["median"]) and "boom" in row["error"]  # a failed part fails the total
