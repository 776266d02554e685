"""Sweep specs: every bad spec, folder or scheduler refused by name before any run; stable run seeds."""

import time

import pytest

from explorer.__main__ import main
from explorer.report.output import OutputError
from explorer.sweeps import sweep
from explorer.sweeps.executors import SchedulerError
from explorer.sweeps.spec import SpecError, build_spec


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"grid": {"sid": [5]}}, "grid.sid: unknown parameter 'sid'"),
        ({"grid": {"side": []}}, "grid.side must hold at least one value"),
        ({"grid": {}}, "grid must be a non-empty mapping"),
        ({"grid": {"obs_noise": ["high"]}}, "grid.obs_noise: obs_noise must be a real number"),
        ({"grid": {"side": [1]}}, "grid.side: side must be an int >= 2"),
        ({"grid": {"side": [5], "goal": [6]}, "runs": [{}]}, "give exactly one of grid"),
        ({"runs": [{"side": 5}, "x"]}, "runs[1] must be a mapping"),
        ({"runs": [{"side": 4, "walls": [0]}]}, "runs[0].walls: start must not be on a wall"),
        ({"grid": {"agents": [10]}}, "grid.agents: agents is a population setting"),
        ({"grid": {"side": [5]}, "seeds": 0}, "seeds must be an int >= 1"),
        ({"grid": {"side": [5]}, "agents": [10, 0]}, "agents must be an int >= 1"),
        ({"grid": {"side": [5]}, "steps": 2.5}, "steps must be an int"),
        ({"grid": {"side": [5]}, "engine": "gpu"}, "engine must be one of"),
        ({"grid": {"side": [5, 5]}}, "the same parameters twice"),
        ({"task": "nowhere.at_all:f", "runs": [{}]}, "cannot import module 'nowhere.at_all'"),
        ({"task": "explorer.sweeps.task:absent", "runs": [{}]}, "has no function 'absent'"),
        ({"task": "explorer.tasks:tmaze", "grid": {"polcy_len": [2]}}, "grid.polcy_len: unknown parameter"),
        ({"task": "explorer.tasks:tmaze", "grid": {"policy_len": [0]}}, "grid.policy_len: policy_len must"),
        (
            {"task": "explorer.tasks:tmaze", "runs": [{}], "engine": "sparse"},
            "for task 'explorer.tasks:tmaze'",
        ),
        ({"task": "explorer.paths:ROOT", "runs": [{}]}, "has no function 'ROOT'"),
        ({"task": "explorer.limits:memory_limit", "runs": [{}]}, "must return a task"),
    ],
)
def test_bad_specs_are_refused_naming_the_key(kwargs, named):
    with pytest.raises(SpecError) as caught:
        build_spec(**kwargs)
    assert named in str(caught.value)


def test_a_sweep_beyond_its_limit_needs_yes_and_runs_nothing(tmp_path):
    with pytest.raises(SpecError, match=r"holds 40 runs, more than its limit of 10: pass yes=True"):
        sweep(grid={"side": [4, 5], "obs_noise": [0.0, 0.1]}, seeds=10, limit=10, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_each_run_has_a_seed_from_its_parameters_not_its_position():
    forward = build_spec(grid={"side": [4, 5], "obs_noise": [0.0, 0.1]}, seeds=2).runs()
    backward = build_spec(grid={"obs_noise": [0.1, 0.0], "side": [5, 4]}, seeds=[1, 0]).runs()
    assert {r.run_id: r.seed for r in forward} == {r.run_id: r.seed for r in backward}
    assert len({r.seed for r in forward}) == len(forward) == 8
    other = build_spec(grid={"side": [4, 5], "obs_noise": [0.0, 0.1]}, seeds=2, seed=1).runs()
    assert {r.run_id for r in other} == {r.run_id for r in forward}
    assert not {r.seed for r in other} & {r.seed for r in forward}  # the sweep's seed changes every run's


def test_out_that_is_a_file_or_someone_elses_folder_is_refused(tmp_path):
    (tmp_path / "file").write_text("mine")
    with pytest.raises(OutputError, match="is a file, not a folder; the sweep will not replace it"):
        sweep(grid={"side": [4]}, out=tmp_path / "file", executor="serial")
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "thesis.tex").write_text("keep")
    with pytest.raises(OutputError, match=r"not an explorer sweep's \(thesis.tex\)"):
        sweep(grid={"side": [4]}, out=tmp_path / "theirs", executor="serial")
    assert sorted(p.name for p in (tmp_path / "theirs").iterdir()) == ["thesis.tex"]


def test_an_unreachable_scheduler_is_refused_within_10_s(tmp_path):
    started = time.monotonic()
    with pytest.raises(SchedulerError, match="no Dask scheduler answered within"):
        sweep(grid={"side": [4]}, seeds=2, scheduler="tcp://127.0.0.1:1", out=tmp_path / "out")
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()


def test_the_command_refuses_an_unknown_yaml_key_before_any_run(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("grid:\n  side: [4]\nseedz: 3\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "unknown key 'seedz'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    spec.write_text("grid: [side, 4\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert "is not valid YAML" in capsys.readouterr().err
