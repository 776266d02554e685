"""Sweeps: the same behaviour on every executor; nothing lost or recomputed after a killed worker or Ctrl-C.

The identity claims cover the behaviour columns (success rate, steps to goal, belief entropy): the cost
columns are timings, different on every run by nature.
"""

import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import psutil
import pytest
import yaml

from explorer.population.episode import BLOCK_AGENTS, population_episode
from explorer.sweeps import behaviour, sweep
from explorer.sweeps.executors import dask_client
from explorer.sweeps.store import SweepFolderError
from explorer.world import GridWorld

#: 8 runs of about 0.05 s each: small enough for a test, noisy worlds so that seeds matter.
SPEC = {"grid": {"side": [4, 5], "obs_noise": [0.0, 0.2]}, "seeds": 2, "agents": 300, "steps": 10}


def in_time(deadline: float) -> bool:
    return time.monotonic() < deadline


def workers_alive() -> list[str]:
    """This process's children, but multiprocessing's resource tracker (it lives as long as we do)."""
    children = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "resource_tracker" not in " ".join(child.cmdline()):
                children.append(f"{child.pid} {child.cmdline()}")
    return children


@pytest.fixture(scope="module", autouse=True)
def no_processes_left_behind():
    yield
    deadline = time.monotonic() + 10
    while workers_alive() and time.monotonic() < deadline:
        time.sleep(0.1)  # a closed cluster's processes may take a moment to be reaped
    assert workers_alive() == []


@pytest.fixture(scope="module")
def cluster_client():
    with dask_client(workers=2, say=lambda _: None) as client:
        yield client


@pytest.fixture(scope="module")
def serial_table():
    return sweep(**SPEC, executor="serial", progress=False)


def test_serial_processes_and_a_2_worker_cluster_give_identical_behaviour(serial_table, cluster_client):
    processes = sweep(**SPEC, executor="processes", workers=2, progress=False)
    on_dask = sweep(**SPEC, client=cluster_client, progress=False)
    assert on_dask.attrs["summary"]["executor"] == "dask"
    assert len(serial_table) == 8 * 6 and (serial_table["error"] == "").all()
    pd.testing.assert_frame_equal(behaviour(processes), behaviour(serial_table))
    pd.testing.assert_frame_equal(behaviour(on_dask), behaviour(serial_table))
    noisy = behaviour(serial_table).query("obs_noise == 0.2 and metric == 'belief_entropy'")
    assert noisy["value"].nunique() > 1  # seeds matter, so the identity above could have failed


def test_a_sharded_population_matches_one_process(cluster_client):
    world = GridWorld(side=4, walls=(5, 6), obs_noise=0.3)
    n = 2 * BLOCK_AGENTS + 1000  # three blocks
    alone = population_episode(world, n, 7, seed=11, backend="dense")  # numba's load skipped: a faster test
    sharded = population_episode(world, n, 7, seed=11, backend="dense", shards=3, client=cluster_client)
    assert alone.success_rate > 0 and not math.isnan(alone.steps_to_goal)
    for field in ("agents", "engine", "success_rate", "steps_to_goal", "belief_entropy", "bytes_per_agent"):
        assert getattr(sharded, field) == getattr(alone, field), field


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on():
    table = sweep(
        "explorer.tasks:tmaze", grid={"policy_len": [1, 2]}, agents=[20, 10**9], executor="serial",
        steps=3, progress=False,
    )  # fmt: skip
    failed = table[table["error"] != ""]
    assert set(failed["agents"]) == {10**9} and failed["value"].isna().all()
    assert failed["error"].iloc[0].startswith("MemoryError: Population(n=1,000,000,000)")
    assert table.attrs["summary"]["failed"] == 2
    ok = table[table["agents"] == 20]
    assert ok["value"].notna().all() and set(ok["policy_len"]) == {1, 2}


def test_a_killed_worker_loses_nothing(serial_table, cluster_client, tmp_path):
    before = set(cluster_client.run(os.getpid).values())
    out = tmp_path / "out"
    slow = SPEC | {"agents": 1500, "steps": 20, "engine": "dense"}  # 0.1-0.3 s a run: the kill lands mid-run

    def kill_one_worker():
        while not list((out / "runs").glob("*.parquet")):
            time.sleep(0.02)
        os.kill(min(before), signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    table = sweep(**slow, client=cluster_client, out=out, progress=False)
    killer.join()
    assert table.attrs["summary"]["failed"] == 0 and (table["error"] == "").all()
    assert min(before) not in set(cluster_client.run(os.getpid).values())  # the nanny started another
    again = sweep(**slow, executor="serial", progress=False)
    pd.testing.assert_frame_equal(behaviour(table), behaviour(again))


def test_changed_spec_refused_unless_fresh(tmp_path):
    out = tmp_path / "out"
    small = {"grid": {"side": [4]}, "seeds": 2, "agents": 50, "steps": 5, "executor": "serial"}
    small["progress"] = False
    sweep(**small, out=out)
    with pytest.raises(SweepFolderError, match=r"spec differs: steps was \[5\], now \[6\]"):
        sweep(**small | {"steps": 6}, out=out)
    table = sweep(**small | {"steps": 6}, out=out, fresh=True)
    assert table.attrs["summary"]["ran"] == 2 and len(list((out / "runs").iterdir())) == 2


def test_ctrl_c_keeps_finished_runs_and_a_rerun_computes_only_the_rest(tmp_path, capsys):
    spec, out = tmp_path / "spec.yaml", tmp_path / "out"
    # 32 runs of about 30 ms each: Ctrl-C lands while most are still to run
    spec.write_text("grid: {side: [4, 5], obs_noise: [0.0, 0.2]}\nseeds: 8\nagents: 1000\nsteps: 10\n")
    command = [sys.executable, "-m", "explorer", "sweep", str(spec), "--out", str(out), "--no-progress"]
    process = subprocess.Popen(
        [*command, "--executor", "processes", "--workers", "2"], start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(list(out.glob("runs/*.parquet"))) < 2 and process.poll() is None and in_time(deadline):
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    stopped = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - stopped < 15
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("runs/*.parquet")}
    assert process.returncode == 130, err
    assert f"interrupted after {len(kept)} of 32 runs" in err and "Traceback" not in err
    assert 2 <= len(kept) < 32
    document = yaml.safe_load(spec.read_text())
    resumed = sweep(**document, out=out, executor="serial", progress=False)
    assert f"{len(kept)} of 32 runs already finished in {out}: skipped" in capsys.readouterr().err
    assert resumed.attrs["summary"] | {"executor": ""} == {
        "runs": 32, "ran": 32 - len(kept), "skipped": len(kept), "failed": 0, "executor": "",
    }  # fmt: skip
    assert {name: (out / "runs" / name).stat().st_mtime_ns for name in kept} == kept  # none recomputed
    whole = sweep(**document, executor="serial", progress=False)
    pd.testing.assert_frame_equal(behaviour(resumed), behaviour(whole))


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_ctrl_c_while_workers_start_is_one_line_not_their_tracebacks(tmp_path, executor):
    """Workers take seconds to import; a Ctrl-C meanwhile must not kill them with a traceback each."""
    spec, out = tmp_path / "spec.yaml", tmp_path / "out"
    spec.write_text("grid: {side: [4, 5], obs_noise: [0.0, 0.2]}\nseeds: 8\nagents: 1000\nsteps: 10\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer", "sweep", str(spec), "--out", str(out), "--no-progress",
         "--executor", executor, "--workers", "2"],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline, sweeper = time.monotonic() + 120, psutil.Process(process.pid)
    while process.poll() is None and in_time(deadline):  # until the second worker has been spawned
        with contextlib.suppress(psutil.Error):
            spawned = [c for c in sweeper.children(recursive=True) if "spawn_main" in " ".join(c.cmdline())]
            if len(spawned) >= 2:
                break
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGINT)  # still importing: the window in which Ctrl-C used to kill them
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines()[-1].startswith("sweep: "), err


def test_in_a_notebook_a_dask_sweep_shows_dasks_progress_widget(cluster_client, monkeypatch):
    import explorer.sweeps as sweeps

    monkeypatch.setattr(sweeps, "_in_notebook", lambda: True)  # as in a Jupyter kernel (the full report's 09)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objects, **_: shown.extend(objects))
    small = dict(SPEC, seeds=1)
    table = sweep(**small, client=cluster_client)  # failed: "No clients found" (not Dask's default client)
    assert (table["error"] == "").all() and table.attrs["summary"]["executor"] == "dask"
    assert shown and type(shown[0]).__name__ == "ProgressWidget"
