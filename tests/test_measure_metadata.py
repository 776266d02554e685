"""The machine's metadata: versions, CPU, git commit, UTC time."""

import datetime

from explorer.measure.results import metadata


def test_metadata_has_every_key_measuring_md_asks_for():
    info = metadata.machine_metadata()
    for key in ("python", "numpy", "pymdp", "jax", "cpu_model", "cpu_count", "git_commit", "utc_time"):
        assert key in info, key
    assert info["pymdp"] and info["numpy"] and info["cpu_count"] >= 1
    assert datetime.datetime.fromisoformat(info["utc_time"]).utcoffset() == datetime.timedelta(0)


def test_git_commit_is_the_checkout_head():
    commit = metadata.git_commit()
    assert commit is None or (len(commit) == 40 and int(commit, 16) >= 0)


def test_git_commit_is_none_outside_a_checkout(monkeypatch, tmp_path):
    monkeypatch.setattr(metadata, "ROOT", tmp_path)
    assert metadata.git_commit() is None
    assert metadata.git_dirty() is None


def test_reading_versions_does_not_import_jax_or_pymdp():
    import subprocess
    import sys

    code = "from explorer.measure.results.metadata import machine_metadata as m; m(); import sys; "
    code += "print(sorted({'jax', 'pymdp'} & {k.split('.')[0] for k in sys.modules}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_interpreter_is_recorded_without_a_user_s_folders():
    from explorer.measure.results.metadata import machine_metadata, shown_executable
    from explorer.paths import ROOT

    assert shown_executable(str(ROOT / ".venv" / "bin" / "python")) == ".venv/bin/python"
    assert shown_executable("/home/someone/envs/x/bin/python3.11") == "python3.11"
    assert not machine_metadata()["executable"].startswith("/")
