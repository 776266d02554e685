"""``python -m explorer compare``: bad input refused first, verdicts by direction, regressions caught."""

import errno
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from explorer.__main__ import main
from explorer.compare.sources import Source, checked_out, resolve, unsatisfied
from explorer.compare.verdict import SAME, judge
from explorer.paths import DATA_DIR, ROOT

BASELINE = DATA_DIR / "baseline.json"


def run(*args, tmp_path):
    return main(["compare", *args, "--json", str(tmp_path / "c.json"), "--html", str(tmp_path / "c.html")])


def checkout_copy(folder, *patches: tuple[str, str, str]):
    """A checkout in ``folder``: explorer/ and pyproject.toml copied, each (file, after, insert) applied."""
    shutil.copytree(ROOT / "explorer", folder / "explorer", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    for name, after, insert in patches:
        path = folder / "explorer" / name
        text = path.read_text()
        assert after in text, f"{name} no longer has {after!r}: update this test's regression"
        path.write_text(text.replace(after, f"{after}\n{insert}", 1))
    return folder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-revision-xyz"], "BASE must be a git revision"),
        (["HEAD", "--only", "nope"], "--only must name metrics among"),
        ([str(BASELINE)], "both be code (revisions or checkouts) or both be results files"),
    ],
)
def test_bad_input_exits_2_before_any_work(args, message, tmp_path, capsys):
    assert run(*args, tmp_path=tmp_path) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_bad_threshold_or_a_folder_as_output_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["compare", "HEAD", "--threshold", "ten"])
    assert stopped.value.code == 2
    assert "expected a fraction such as 0.1 or 10%" in capsys.readouterr().err
    assert main(["compare", "HEAD", "--json", str(tmp_path)]) == 2
    assert "--json must be a file path" in capsys.readouterr().err


def test_a_json_that_is_not_results_exits_2(tmp_path, capsys):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    assert main(["compare", str(other), str(BASELINE), "--json", str(tmp_path / "o.json")]) == 2
    assert "must be a results file" in capsys.readouterr().err


def test_verdicts_follow_each_metrics_direction():
    assert judge(1.3, 1.5, better="lower", unit="s", threshold=0.1) == ("slower", True)
    assert judge(0.5, 0.6, better="lower", unit="s", threshold=0.1) == ("faster", False)
    assert judge(0.5, 0.6, better="higher", unit="agent-steps/s", threshold=0.1) == ("slower", True)
    assert judge(1.5, 1.7, better="higher", unit="agent-steps/s", threshold=0.1) == ("faster", False)
    assert judge(1.3, 1.5, better="lower", unit="B", threshold=0.1) == ("larger", True)
    assert judge(1.02, 1.3, better="lower", unit="s", threshold=0.1) == (
        SAME,
        False,
    )  # interval spans the threshold


def test_two_results_files_compare_their_headlines(tmp_path, capsys):
    slower = json.loads(BASELINE.read_text())
    for row in slower["results"]:
        if row["metric"] == "spawn_time" and row["variant"] == "lazy":
            for key in ("median", "min", "max", "q1", "q3"):
                row[key] *= 3
    head = tmp_path / "head.json"
    head.write_text(json.dumps(slower))
    assert run(str(BASELINE), str(BASELINE), tmp_path=tmp_path) == 0
    assert run(str(BASELINE), str(head), tmp_path=tmp_path) == 1
    document = json.loads((tmp_path / "c.json").read_text())
    verdicts = {v["metric"]: v for v in document["verdicts"]}
    assert verdicts["spawn_lazy"]["verdict"] == "slower" and verdicts["spawn_lazy"]["regressed"]
    assert verdicts["memory_lazy"]["verdict"] == SAME
    assert "different jobs" in verdicts["spawn_lazy"]["note"]
    assert "REGRESSION beyond 10%: spawn_lazy" in capsys.readouterr().err


def test_a_slower_spawn_and_a_fatter_agent_in_head_exit_1(tmp_path):
    base = checkout_copy(tmp_path / "base")
    head = checkout_copy(
        tmp_path / "head",
        ("agents.py", "        self._pymdp = None", "        self.history = [[] for _ in range(8)][:0]"),
        (
            "agents.py",
            '    __slots__ = ("agent_id", "name", "world", "_pymdp")',
            '    __slots__ += ("history",)',
        ),
    )
    out = tmp_path / "out"
    out.mkdir()
    code = run(
        str(base), str(head), "--quick", "--only", "spawn_time", "--only", "memory_per_agent", tmp_path=out
    )
    document = json.loads((out / "c.json").read_text())
    verdicts = {v["metric"]: v for v in document["verdicts"]}
    assert code == 1
    assert verdicts["spawn_time"]["verdict"] == "slower", verdicts["spawn_time"]
    assert verdicts["memory_per_agent"]["verdict"] == "larger", verdicts["memory_per_agent"]
    assert "data:image/png;base64," in (out / "c.html").read_text()


def test_equal_checkouts_give_exactly_equal_bytes_and_exit_0(tmp_path):
    base, head = checkout_copy(tmp_path / "base"), checkout_copy(tmp_path / "head")
    out = tmp_path / "out"
    out.mkdir()
    assert run(str(base), str(head), "--quick", "--only", "memory_per_agent", tmp_path=out) == 0
    (verdict,) = json.loads((out / "c.json").read_text())["verdicts"]
    assert verdict["ratio"] == 1.0 and verdict["note"].startswith("exact")


def worktrees() -> str:
    return subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout


def test_a_revision_is_measured_in_a_temporary_worktree_that_is_removed(tmp_path):
    before = worktrees()
    assert run("HEAD", "--quick", "--only", "memory_per_agent", tmp_path=tmp_path) == 0
    assert worktrees() == before
    assert json.loads((tmp_path / "c.json").read_text())["base"]["kind"] == "revision"


def test_worktrees_are_removed_on_ctrl_c():
    before = worktrees()
    source = resolve("HEAD", role="BASE")
    with pytest.raises(KeyboardInterrupt), checked_out([source]) as (ready,):
        assert (ready.path / "explorer" / "__init__.py").is_file()
        folder = ready.path.parent
        raise KeyboardInterrupt
    assert worktrees() == before and not folder.exists()


def test_unsatisfied_names_what_this_environment_lacks():
    assert unsatisfied(["numpy>=2.0"]) == []
    assert unsatisfied(["numpy>=99"])[0].startswith("numpy>=99 (installed ")
    assert unsatisfied(["surely-not-installed-xyz>=1"]) == ["surely-not-installed-xyz>=1"]


def test_a_checkout_folder_without_explorer_is_refused(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "must be a checkout holding explorer/" in capsys.readouterr().err
    assert Source("x", "file", tmp_path).kind == "file"


def test_sigterm_mid_comparison_removes_its_worktree_and_exits_130(tmp_path):
    import signal
    import sys
    import time

    before = worktrees()
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer", "compare", "HEAD", "--only", "step_time", "--json",
         str(tmp_path / "c.json"), "--html", str(tmp_path / "c.html")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "explorer-compare-" not in worktrees() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "explorer-compare-" in worktrees(), "the comparison never made its worktree"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted; its temporary worktrees were removed" in err
    assert worktrees() == before
    assert not (tmp_path / "c.json").exists()  # nothing half-written


@pytest.mark.parametrize(("given", "fraction"), [("5%", 0.05), ("0.05", 0.05), ("12.5%", 0.125)])
def test_a_threshold_in_percent_or_as_a_fraction_is_used(given, fraction, tmp_path, capsys):
    code = run(str(BASELINE), str(BASELINE), "--threshold", given, tmp_path=tmp_path)
    assert code == 0, capsys.readouterr().err
    assert json.loads((tmp_path / "c.json").read_text())["threshold"] == pytest.approx(fraction)


def test_a_full_disk_exits_2_in_one_line_and_keeps_the_comparison(
    tmp_path, tmp_path_factory, monkeypatch, capsys
):
    system_temp = tmp_path_factory.mktemp("system-temp")
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))

    def no_space(path, payload):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr("explorer.files._write_temp", no_space)
    assert run(str(BASELINE), str(BASELINE), tmp_path=tmp_path) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"compare: could not write {tmp_path / 'c.json'}: No space left on device")
    (kept,) = (p for folder in system_temp.iterdir() for p in folder.iterdir())
    assert str(kept) in line and json.loads(kept.read_text())["verdicts"]
    assert list(tmp_path.iterdir()) == []


#: numpy only: a model any checkout with explorer.Model builds quickly

RANDOM3 = "explorer.measure.harness.declared:random3"


def test_two_checkouts_measure_the_same_models_lazy_agents_and_agree_exactly(tmp_path):
    base, head = checkout_copy(tmp_path / "base"), checkout_copy(tmp_path / "head")
    out = tmp_path / "out"
    out.mkdir()
    code = run(
        str(base), str(head), "--quick", "--only", "memory_per_agent", "--model", RANDOM3, tmp_path=out
    )
    document = json.loads((out / "c.json").read_text())
    (verdict,) = document["verdicts"]
    assert code == 0 and document["model"] == RANDOM3
    assert verdict["ratio"] == 1.0 and verdict["note"].startswith("exact")
    assert 0 < document["samples"]["memory_per_agent"]["base"][0] < 200  # a LazyAgent holds a reference


def test_model_with_results_files_or_a_bad_factory_exits_2(tmp_path, capsys):
    assert run(str(BASELINE), str(BASELINE), "--model", RANDOM3, tmp_path=tmp_path) == 2
    assert "--model measures two checkouts now" in capsys.readouterr().err
    assert run("HEAD", "--model", "nowhere:model", tmp_path=tmp_path) == 2
    assert "compare: --model: model 'nowhere:model': no module named 'nowhere'" in capsys.readouterr().err


def history_record_pair(tmp_path, head_profile):
    """The newest reference record as BASE and a copy as HEAD, measured with ``head_profile``."""
    from explorer.readme import newest_reference_record

    path, record = newest_reference_record()
    head = tmp_path / "head-record.json"
    head.write_text(json.dumps(dict(record, profile=head_profile)))
    return path, head, record["profile"]


def test_a_quick_and_a_full_record_are_refused_as_incomparable(tmp_path, capsys):
    base, head, profile = history_record_pair(tmp_path, "other")
    assert run(str(base), str(head), tmp_path=tmp_path) == 2
    assert f"one profile, got BASE {profile!r}" in capsys.readouterr().err


def test_two_records_of_one_profile_compare_with_intervals_in_brackets(tmp_path, capsys):
    base, head, profile = history_record_pair(tmp_path, None)
    head.write_text(json.dumps(dict(json.loads(head.read_text()), profile=profile)))
    only = ["--only", "spawn_lazy", "--only", "import_lazy"]  # two panels to draw, not twenty
    assert run(str(base), str(head), *only, tmp_path=tmp_path) == 0
    out = capsys.readouterr().out
    # HEAD/BASE and its interval, written [low, high] as everywhere else (never low-high)
    assert re.search(r"spawn_lazy .* 1\.000 \[\d\.\d{3}, \d\.\d{3}\]", out), out
