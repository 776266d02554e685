"""Profiles of the step path as DataFrames: line_profiler, cProfile, memory_profiler."""

from explorer.measure import function_profile, line_profile, memory_samples


def test_line_profile_has_a_row_per_line_with_source():
    df = line_profile(steps=3)
    assert list(df.columns) == [
        "function",
        "file",
        "line",
        "hits",
        "time_s",
        "per_hit_s",
        "percent",
        "function_total_s",
        "source",
    ]
    step = df[df["function"] == "legacy_step"]
    assert "agent.infer_policies()" in set(step["source"].str.strip())
    assert (step["hits"].max()) == 3
    assert abs(step["percent"].sum() - 100) < 1e-6


def test_function_profile_lists_the_top_functions():
    df = function_profile(steps=3, top=5, sort="self_s")
    assert len(df) == 5 and df["self_s"].is_monotonic_decreasing
    assert {"function", "calls", "self_s", "cumulative_s", "percent_self"} <= set(df.columns)


def test_profiles_show_package_paths_and_leave_the_harness_out():
    df = function_profile(steps=3, top=40)
    assert not df["file"].str.startswith("/").any()  # no machine paths
    assert not df["file"].str.startswith("explorer/measure/").any()  # the measuring loop is not the agent
    assert df.loc[0, "function"] == "step" and df.loc[0, "file"] == "explorer/agents.py"
    assert set(line_profile(steps=2)["file"]) <= {"explorer/legacy.py"} | {
        f"pymdp/legacy/{m}.py" for m in ("agent", "inference", "control", "maths")
    }


def test_memory_samples_give_rss_over_time():
    df = memory_samples(agents=20, interval=0.005)
    assert list(df.columns) == ["t_s", "rss_MiB"]
    assert len(df) >= 1 and (df["rss_MiB"] > 0).all() and df["t_s"].is_monotonic_increasing


def test_a_models_step_is_profiled_and_sampled_through_its_own_bridge():
    tmaze = "explorer.measure.harness.declared:tmaze"
    lines = line_profile(steps=2, world=tmaze)
    bridge = lines[lines["function"] == "legacy_model_step"]
    assert bridge["hits"].max() == 2 and "legacy_step" not in set(lines["function"])
    samples = memory_samples(agents=5, interval=0.005, world=tmaze)
    assert (samples["rss_MiB"] > 0).all() and samples.attrs["stepped_s"] >= samples.attrs["spawned_s"]
