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


def test_rss_rows_are_kept_only_where_rss_resolves_them():
    from explorer.measure.instruments.memory import rss_resolved
    from explorer.measure.results.stats import frame, summarize

    def row(variant, stage, method, values, n):
        return summarize(
            values, metric="memory_per_agent", variant=variant, n=n, unit="B", method=method, stage=stage
        )

    results = frame(
        [
            row("eager", "spawned", "tracemalloc_slope", [5800, 5810, 5820], 400),
            row("eager", "spawned", "rss_delta", [2200, 2210, 2230], 500),  # below tracemalloc: reused memory
            row("lazy", "spawned", "tracemalloc_slope", [104, 105, 106], 10000),
            row("lazy", "spawned", "rss_delta", [120, 122, 125], 20000),  # resolved: 20,000 agents
            row("lazy", "after_first_step", "rss_delta", [300, 310, 320], 50),  # under 10 pages over 50
            row("floor", "spawned", "rss_delta", [10, 100, 300], 20000),  # spread wider than the median
        ],
        {"run_id": "r"},
    )
    kept, omitted = rss_resolved(results)
    rss = kept[kept["method"] == "rss_delta"]
    assert list(zip(rss["variant"], rss["stage"], strict=True)) == [("lazy", "spawned")]
    assert len(kept) == 3 and kept.attrs == {"run_id": "r"}
    why = dict(zip(omitted["variant"] + " " + omitted["stage"], omitted["why"], strict=True))
    assert "below tracemalloc's 5.67 KiB" in why["eager spawned"]
    assert "under 10 pages over 50 agents" in why["lazy after_first_step"]
    assert "wider than the median" in why["floor spawned"]


def test_rss_resolved_takes_the_largest_n_when_tracemalloc_has_several():
    from explorer.measure.instruments.memory import rss_resolved
    from explorer.measure.results.stats import frame, summarize

    rows = [
        summarize(
            [v] * 3,
            metric="memory_per_agent",
            variant="population",
            n=n,
            unit="B",
            method=method,
            stage="spawned",
        )
        for v, n, method in (
            (500, 1000, "tracemalloc_slope"),
            (440, 20000, "tracemalloc_slope"),
            (380, 20000, "rss_delta"),
        )
    ]
    kept, omitted = rss_resolved(frame(rows))
    assert omitted.empty and len(kept) == 3  # 380 B is judged against 440 B (N = 20,000), not 500 B
