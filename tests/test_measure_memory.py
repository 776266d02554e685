"""Memory per agent: the tracemalloc slope per variant and stage, and RSS from fresh processes."""

import math

from explorer.measure import memory_per_agent


def test_tracemalloc_rows_for_spawned_and_after_first_step():
    df = memory_per_agent(ns=(20, 40), built_ns=(2, 4), repeats=2, variants=("lazy", "floor"))
    cases = set(zip(df["variant"], df["stage"], strict=True))
    assert cases == {("lazy", "spawned"), ("floor", "spawned"), ("lazy", "after_first_step")}
    assert set(df["unit"]) == {"B"} and set(df["method"]) == {"tracemalloc_slope"}
    assert (df["repeats"] == 2).all() and (df["median"] > 0).all()
    after = df.set_index(["variant", "stage"]).loc[("lazy", "after_first_step")]
    assert after["n"] == 4  # built agents are fitted over built_ns


def test_rss_rows_come_from_fresh_processes():
    df = memory_per_agent(
        ns=(10, 20),
        repeats=1,
        variants=("lazy", "floor"),
        after_first_step=(),
        rss_agents=2000,
        rss_repeats=1,
    )
    rss = df[df["method"] == "rss_delta"]
    assert set(rss["variant"]) == {"lazy", "floor"}
    assert set(rss["stage"]) == {"spawned"} and (rss["n"] == 2000).all()
    assert rss["error"].eq("").all() and rss["median"].notna().all()


def test_a_variant_that_cannot_step_records_nan_for_after_first_step():
    df = memory_per_agent(ns=(5, 10), repeats=1, variants=("floor",), after_first_step=("floor",))
    row = df.set_index("stage").loc["after_first_step"]
    assert math.isnan(row["median"]) and "cannot step" in row["error"]
