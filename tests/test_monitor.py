"""The performance monitor: call durations, threshold warnings, lifecycle events never dropped."""

import asyncio
import logging
import math
import subprocess
import sys

import pytest

import explorer
from explorer import monitor
from explorer.measure import hook_free_agent_class, monitor_overhead


@pytest.fixture(autouse=True)
def clean_monitor():
    monitor.clear_monitor()
    yield
    monitor.disable_lifecycle_events()
    monitor.clear_monitor()


def test_each_call_is_recorded_with_its_duration():
    @explorer.performance_monitor(threshold_ms=1000)
    def square(x):
        return x * x

    assert [square(i) for i in range(3)] == [0, 1, 4]
    df = explorer.call_durations()
    assert list(df.columns) == ["function", "started", "duration_s", "threshold_s", "exceeded"]
    assert len(df) == 3 and df["function"].str.endswith("square").all()
    assert (df["duration_s"] > 0).all() and not df["exceeded"].any() and (df["threshold_s"] == 1.0).all()


def test_a_call_over_the_threshold_logs_a_warning(caplog):
    @explorer.performance_monitor(threshold_ms=0)
    def build():
        return explorer.create_agent(1, "a").step(0)  # real work: the first step builds pymdp's Agent

    with caplog.at_level(logging.WARNING, logger="explorer"):
        build()
    assert any(r.name == "explorer" and "build took" in r.getMessage() for r in caplog.records)
    assert explorer.call_durations()["exceeded"].all()


def test_calls_under_the_threshold_do_not_warn(caplog):
    @explorer.performance_monitor(threshold_ms=10_000)
    def quick():
        return 1

    with caplog.at_level(logging.WARNING, logger="explorer"):
        quick()
    assert not caplog.records


def test_async_functions_and_bare_use_are_timed():
    async def answer():
        return "done"

    @explorer.performance_monitor
    async def wait():
        return await answer()

    assert asyncio.run(wait()) == "done"
    assert explorer.call_durations()["function"].str.endswith("wait").all()


def test_a_failing_call_is_still_recorded():
    @explorer.performance_monitor(name="boom")
    def boom():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        boom()
    assert list(explorer.call_durations()["function"]) == ["boom"]


@pytest.mark.parametrize(("threshold", "error"), [(-1, ValueError), ("50", TypeError), (True, TypeError)])
def test_bad_thresholds_are_rejected(threshold, error):
    with pytest.raises(error, match="threshold_ms"):
        explorer.performance_monitor(threshold_ms=threshold)


def test_lifecycle_events_are_not_recorded_while_disabled():
    agent = explorer.create_agent(1, "a")
    agent.step(0)
    agent.reset()
    assert explorer.lifecycle_events().empty


def test_lifecycle_events_without_a_running_loop_are_recorded_synchronously():
    explorer.enable_lifecycle_events()
    agent = explorer.create_agent(7, "scout")
    agent.step(0)
    agent.step(1)
    agent.reset()
    df = explorer.lifecycle_events()
    assert list(df["event"]) == ["spawned", "first_step", "reset"]
    assert set(df["agent_id"]) == {7} and set(df["name"]) == {"scout"}
    assert not df["loop_running"].any()


def test_lifecycle_events_inside_a_running_loop_are_never_dropped():
    explorer.enable_lifecycle_events()

    async def spawn_and_step():
        agent = explorer.create_agent(3, "async")
        agent.step(0)
        return agent

    asyncio.run(spawn_and_step())  # the loop is closed on return: nothing may be left pending
    df = explorer.lifecycle_events()
    assert list(df["event"]) == ["spawned", "first_step"]
    assert df["loop_running"].all()


def test_eager_agents_record_their_spawn():
    explorer.enable_lifecycle_events()
    explorer.create_agent(2, "eager", eager=True)
    assert list(explorer.lifecycle_events()["agent_class"]) == ["EagerExplorerAgent"]


def test_hook_free_copy_differs_only_by_the_hook():
    cls = hook_free_agent_class()
    explorer.enable_lifecycle_events()
    agent = cls(4, "copy")
    assert (agent.agent_id, agent.name, agent.is_ready) == (4, "copy", False)
    assert explorer.lifecycle_events().empty
    with pytest.raises(ValueError, match="agent_id"):
        cls(-1, "bad")


def test_overhead_rows_compare_disabled_hooks_with_a_hook_free_copy():
    explorer.enable_lifecycle_events()
    explorer.create_agent(1, "kept")
    df = monitor_overhead(n=20, repeats=2)
    assert list(df["variant"]) == [
        "events_disabled",
        "hook_free",
        "events_enabled",
        "disabled_minus_hook_free",
    ]
    assert set(df["metric"]) == {"monitor_overhead"} and (df["repeats"] == 2).all()
    assert not df["median"].map(math.isnan).any()
    assert list(explorer.lifecycle_events()["name"]) == ["kept"]  # the caller's events survive
    assert monitor.lifecycle_events_enabled()


def test_importing_the_monitor_configures_no_logging():
    code = "import logging, explorer.monitor; print(logging.getLogger('explorer').handlers, "
    code += "logging.root.handlers)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] []"
