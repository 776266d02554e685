"""Time to first action in fresh processes, beside the bare interpreter; RSS from the same processes."""

from explorer.measure import first_action_time


def test_first_action_rows_per_stage_with_rss_from_the_same_processes():
    df = first_action_time(
        variants=("lazy", "floor"), repeats=1, warmup=0, rss_agents=500, rss_built_agents=2
    )
    first = df[df["metric"] == "first_action_time"]
    lazy = first[first["variant"] == "lazy"]
    assert set(zip(lazy["method"], lazy["stage"], strict=True)) == {
        ("in_process", "import"),
        ("in_process", "spawn"),
        ("in_process", "first_step"),
        ("in_process", "total"),
        ("process_wall", "total"),
        ("process_wall_above_floor", "total"),
    }
    assert first["error"].eq("").all() and (first["repeats"] == 1).all()
    bare = first[first["variant"] == "floor"]
    assert list(bare["stage"]) == ["bare_interpreter"]
    parts = lazy.set_index("stage")
    parts = parts[parts["method"] == "in_process"]["median"]
    assert abs(parts["total"] - (parts["import"] + parts["spawn"] + parts["first_step"])) < 1e-12
    rss = df[df["metric"] == "memory_per_agent"]
    assert set(zip(rss["variant"], rss["stage"], strict=True)) == {
        ("lazy", "spawned"),
        ("lazy", "after_first_step"),
        ("floor", "spawned"),
    }
    assert set(rss["unit"]) == {"B"} and set(rss["method"]) == {"rss_delta"}
