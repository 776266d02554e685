"""``bench`` checks its output paths before measuring, and writes its JSON/CSV pair all or nothing."""

import errno
import os
import tempfile
import time

import pytest

import explorer.measure.suite as suite
from explorer.__main__ import main
from explorer.files import write_files_atomic
from explorer.measure.results.storage import load_results
from explorer.measure.suite import run_suite


@pytest.fixture
def no_measuring(monkeypatch):
    """Fail the test if the bench starts measuring; record what it was asked to measure."""
    asked = []

    def run_suite(profile, only=None, progress=True, model=None):
        asked.append(only)
        raise RuntimeError("measuring started")

    monkeypatch.setattr(suite, "run_suite", run_suite)
    return asked


def refused(capsys, *args: str) -> str:
    start = time.perf_counter()
    code = main(["bench", "--quick", "--no-progress", *args])
    assert time.perf_counter() - start < 3
    assert code == 2
    return capsys.readouterr().err


def test_path_errors_come_before_measuring(tmp_path, capsys, no_measuring):
    (tmp_path / "notes.txt").write_text("mine")
    target = tmp_path / "real.json"
    target.write_text("kept")
    (tmp_path / "link.json").symlink_to(target)
    cases = {
        ("--json", str(tmp_path)): f"--json '{tmp_path}' is a directory",
        ("--csv", str(tmp_path / "notes.txt" / "b.csv")): "is a file, not a folder",
        ("--json", str(tmp_path / "x"), "--csv", str(tmp_path / "x")): "--json and --csv name the same file",
        ("--json", str(tmp_path / "link.json")): "is a symbolic link (to",
    }
    for args, message in cases.items():
        assert message in refused(capsys, *args)
    assert no_measuring == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "notes.txt", "real.json"]
    assert target.read_text() == "kept" and (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused_before_measuring(tmp_path, capsys, no_measuring):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    assert "not writable" in refused(capsys, "--json", str(locked / "a.json"))


def test_only_is_deduplicated(tmp_path, no_measuring):
    args = ["bench", "--quick", "--json", str(tmp_path / "a.json"), "--csv", str(tmp_path / "a.csv")]
    with pytest.raises(RuntimeError, match="measuring started"):
        main([*args, "--only", "step_time", "--only", "spawn_time", "--only", "step_time"])
    assert no_measuring == [("step_time", "spawn_time")]


def test_the_pair_is_written_all_or_nothing(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("system-temp")))  # kept data
    json_path, csv_path = tmp_path / "r.json", tmp_path / "r.csv"
    json_path.write_text("old json")
    csv_path.write_text("old csv")
    real_replace, calls = os.replace, []

    def failing_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(OSError, match="No space"):
        write_files_atomic({json_path: "new json", csv_path: "new csv"})
    monkeypatch.setattr(os, "replace", real_replace)
    assert json_path.read_text() == "old json" and csv_path.read_text() == "old csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.json"]
    write_files_atomic({json_path: "new json", csv_path: "new csv"})
    assert json_path.read_text() == "new json" and csv_path.read_text() == "new csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.json"]


def test_a_new_pair_leaves_nothing_when_the_second_fails(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("system-temp")))  # kept data
    real_replace, calls = os.replace, []

    def failing_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(OSError):
        write_files_atomic({tmp_path / "a.json": "x", tmp_path / "a.csv": "y"})
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="distinct paths"):
        write_files_atomic({tmp_path / "a.json": "x", tmp_path / "sub" / ".." / "a.json": "y"})


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_failed_write_exits_2_in_one_line_and_keeps_what_was_measured(
    code, tmp_path, tmp_path_factory, monkeypatch, capsys
):
    system_temp = tmp_path_factory.mktemp("system-temp")
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    measured = []

    # the real suite, a real measurement, small
    def small_suite(profile, only=None, progress=True, model=None):
        small = {"ns": (1, 10), "repeats": 3, "isolate": False}
        overrides = {"spawn_time": small}
        results = run_suite(profile, ("lazy", "floor"), ("spawn_time",), overrides, progress=progress)
        measured.append(results)
        return results

    def refuse(path, payload):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(suite, "run_suite", small_suite)
    monkeypatch.setattr("explorer.files._write_temp", refuse)
    json_path, csv_path = tmp_path / "b.json", tmp_path / "b.csv"
    assert main(["bench", "--quick", "--no-progress", "--json", str(json_path), "--csv", str(csv_path)]) == 2
    out, err = capsys.readouterr()
    assert "spawn_time" in out  # the table is shown all the same
    (line,) = err.splitlines()
    assert line.startswith(f"bench: could not write {json_path} and {csv_path}: {os.strerror(code)}")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    (folder,) = system_temp.iterdir()
    assert str(folder) in line
    kept = load_results(folder / "b.json")
    assert kept["median"].tolist() == measured[0]["median"].tolist()
    assert len(load_results(folder / "b.csv")) == len(measured[0])
