"""The report never destroys what is not its own: --out rules, a recoverable swap, prompt signals.

Every test works in its own temporary folder, with tiny notebooks; none touches reports/ or data/.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_report import write_notebook

from explorer.__main__ import main
from explorer.commands.report import run_report_command
from explorer.paths import DATA_DIR, NOTEBOOKS_DIR, ROOT
from explorer.report import build_report
from explorer.report.output import MARKER, check_out_dir, holds_report, recover, write_marker


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (hidden ones too) with its bytes; None for folders."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() or p.is_symlink() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def old_report(folder: Path) -> Path:
    """A previous explorer report, as a finished run leaves it (marker listing its files)."""
    folder.mkdir()
    (folder / "01_old.html").write_text("<p>the old page</p>")
    (folder / "index.html").write_text("<title>explorer report</title> old index")
    write_marker(folder, "old-run", "quick")
    return folder


def refused(capsys, out: Path | str) -> str:
    start = time.perf_counter()
    code = main(["report", "--quick", "--out", str(out)])
    assert time.perf_counter() - start < 3, "refusing must come before any notebook runs"
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_a_users_folder_and_file_survive_byte_for_byte(tmp_path, capsys):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\chapter{Results}")
    (tmp_path / "notes.txt").write_text("do not lose")
    before = snapshot(tmp_path)
    message = refused(capsys, thesis)
    assert f"--out '{thesis}' holds files that are not an explorer report's (thesis.tex)" in message
    assert "is a file, not a folder" in refused(capsys, tmp_path / "notes.txt")
    assert "holds files that are not an explorer report's (notes.txt, thesis/)" in refused(capsys, tmp_path)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("out", "why"),
    [
        (ROOT, "is the explorer checkout"),
        (ROOT.parent, "contains the explorer checkout"),
        (NOTEBOOKS_DIR, "is the curated notebooks"),
        (DATA_DIR, "is the committed data"),
        (DATA_DIR / "results" / "report", "is inside the committed data"),
        (ROOT / "explorer", "is explorer sources"),
        (NOTEBOOKS_DIR / ".." / "explorer" / "report", "is inside explorer sources"),
    ],
)
def test_the_checkout_and_its_sources_are_never_an_output(capsys, out, why):
    before = sorted(p.name for p in ROOT.iterdir())
    message = refused(capsys, out)
    assert why in message and str(Path(os.path.abspath(out))) in message
    assert sorted(p.name for p in ROOT.iterdir()) == before


def test_links_and_foreign_files_in_a_report_are_refused(tmp_path, capsys):
    report = old_report(tmp_path / "report")
    (tmp_path / "link").symlink_to(report)
    assert "is a symbolic link (to" in refused(capsys, tmp_path / "link")
    (report / "thesis.tex").write_text("mine")
    before = snapshot(tmp_path)
    assert "(thesis.tex)" in refused(capsys, report)
    assert snapshot(tmp_path) == before


def test_absent_empty_marked_and_pre_marker_reports_are_accepted(tmp_path):
    assert check_out_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    check_out_dir(old_report(tmp_path / "marked"))
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "index.html").write_text("<html><title>explorer report</title></html>")
    (legacy / "01_import_time.html").write_text("page")
    check_out_dir(legacy)
    (legacy / "index.html").write_text("<html><title>my site</title></html>")
    with pytest.raises(ValueError, match="not an explorer report's"):
        check_out_dir(legacy)
    assert not (tmp_path / "new").exists()


def test_a_failed_run_says_the_previous_report_is_unchanged_only_where_there_was_one(tmp_path, capsys):
    # a notebook refused before its kernel starts fails the run as a broken cell would, in milliseconds
    bare = write_notebook(tmp_path / "01_bare.ipynb", "1 + 1", parameters=False)
    (tmp_path / "empty").mkdir()
    outs = {"absent": tmp_path / "absent", "empty": tmp_path / "empty"}
    outs["previous"] = old_report(tmp_path / "old")
    before = snapshot(tmp_path)
    said = {}
    for kind, out in outs.items():
        assert run_report_command(out, profile="quick", notebooks=[bare], progress=False) == 1
        said[kind] = capsys.readouterr().err.strip().splitlines()
    assert snapshot(tmp_path) == before  # nothing written anywhere, the old report as it was
    assert said["absent"][0].startswith("report failed: 01_bare.ipynb failed before its first cell")
    assert said["absent"][1:] == [f"Nothing was written to {outs['absent']}."]
    assert said["empty"][1:] == [f"Nothing was written to {outs['empty']}."]
    assert said["previous"][1:] == [f"The previous report in {outs['previous']} is unchanged."]
    assert [holds_report(out) for out in outs.values()] == [False, False, True]
    (outs["empty"] / "notes.txt").write_text("mine")
    assert not holds_report(outs["empty"])  # a user's folder is no report


def test_a_report_replaces_the_previous_one_and_is_marked(tmp_path):
    out = old_report(tmp_path / "out")
    page = write_notebook(tmp_path / "01_tiny.ipynb", "print('hello')")
    build_report(out, notebooks=[page], progress=False)
    marker = json.loads((out / MARKER).read_text())
    assert marker["run_id"] != "old-run" and marker["format"] == 1 and marker["profile"] == "full"
    assert sorted(marker["files"]) == ["01_tiny.html", "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb", "out"]  # nothing left beside


RUNNER = """
import os, sys
from pathlib import Path
from explorer.commands.report import run_report_command
from explorer.report.output import ReportRun
if sys.argv[3] == "crash-between-renames":
    ReportRun._install = lambda self: os._exit(9)
if sys.argv[3] == "crash-after-the-swap":
    ReportRun._close = lambda self: os._exit(9)
Path(sys.argv[1]).with_name("entered").write_text("")
code = run_report_command(Path(sys.argv[1]), profile="quick", notebooks=[Path(sys.argv[2])], progress=False)
sys.exit(code)
"""


def start_report(tmp_path: Path, cell: str, mode: str = "") -> tuple[subprocess.Popen, Path]:
    """A report run in a fresh process over one tiny notebook running ``cell``; out has an old report."""
    out = old_report(tmp_path / "out")
    notebook = write_notebook(tmp_path / "01_tiny.ipynb", cell)
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(out), str(notebook), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, out


SLOW_CELL = textwrap.dedent(
    """
    import os, pathlib, time
    pathlib.Path({started!r}).write_text(str(os.getpid()))
    time.sleep(120)
    """
)


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 60, read: bool = True) -> int:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the notebook never started"
        time.sleep(0.05)
    if not read:
        return 0
    time.sleep(0.1)
    return int(path.read_text())


def kernel_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_cell_stops_within_seconds_and_keeps_the_old_report(tmp_path, capsys, signum):
    started = tmp_path / "started"
    process, out = start_report(tmp_path, SLOW_CELL.format(started=str(started)))
    before = snapshot(out)
    kernel = wait_for(started, process)
    # a second command leaves a live run alone
    assert main(["report", "--recover", "--out", str(out)]) == 2
    assert "is being written by another report run (pid" in capsys.readouterr().err
    assert list(tmp_path.glob(".out.explorer-run-*/runtime/kernel-*.json")), (
        "kernel files live in the run folder"
    )
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 6
    assert process.returncode == 130
    assert stderr.strip().splitlines() == [f"interrupted; previous report at {out} unchanged"]
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb", "entered", "out", "started"]
    assert kernel_gone(kernel)


@pytest.mark.parametrize("delay", [0.1, 0.7])
def test_a_signal_before_the_first_cell_is_one_line_and_exit_130(tmp_path, delay):
    process, out = start_report(tmp_path, "1 + 1")
    before = snapshot(out)
    wait_for(tmp_path / "entered", process, read=False)
    time.sleep(delay)  # importing the report's libraries, or starting the kernel
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 6
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == [f"interrupted; previous report at {out} unchanged"]
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb", "entered", "out"]


def test_sigkill_mid_run_leaves_the_old_report_and_the_next_run_cleans_up(tmp_path):
    started = tmp_path / "started"
    process, out = start_report(tmp_path, SLOW_CELL.format(started=str(started)))
    before = snapshot(out)
    kernel = wait_for(started, process)
    process.kill()
    process.communicate(timeout=30)
    os.kill(kernel, signal.SIGKILL)  # the orphaned kernel would exit by itself; do not wait for it
    assert snapshot(out) == before
    leftovers = list(tmp_path.glob(".out.explorer-run-*"))
    assert len(leftovers) == 1 and list(leftovers[0].glob("runtime/kernel-*.json"))
    assert recover(out) == [f"removed {leftovers[0].name} (left by an interrupted run)"]
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb", "entered", "out", "started"]


def test_a_crash_between_the_renames_is_recovered(tmp_path, capsys):
    process, out = start_report(tmp_path, "1 + 1", mode="crash-between-renames")
    before = snapshot(out)
    process.communicate(timeout=60)
    assert process.returncode == 9
    assert not out.exists()  # the old report is only in the run folder now...
    (run,) = tmp_path.glob(".out.explorer-run-*")
    assert snapshot(run / "previous") == before
    assert main(["report", "--recover", "--out", str(out)]) == 0  # ...and --recover puts it back
    assert f"restored the previous report to {out}" in capsys.readouterr().out
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb", "entered", "out"]
    assert main(["report", "--recover", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"nothing to recover at {out}"


def test_the_next_run_recovers_before_it_starts(tmp_path):
    process, out = start_report(tmp_path, "1 + 1", mode="crash-between-renames")
    before = snapshot(out)
    process.communicate(timeout=60)
    bare = write_notebook(tmp_path / "02_bare.ipynb", "1", parameters=False)
    with pytest.raises(Exception, match="tagged 'parameters'"):
        build_report(out, notebooks=[bare], progress=False)
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".out.*"))


def test_a_crash_after_the_swap_keeps_the_new_report_and_the_next_run_cleans_up(tmp_path):
    process, out = start_report(tmp_path, "print('new')", mode="crash-after-the-swap")
    process.communicate(timeout=60)
    assert process.returncode == 9
    assert json.loads((out / MARKER).read_text())["run_id"] != "old-run"  # the new report is in place
    new = snapshot(out)
    (run,) = tmp_path.glob(".out.explorer-run-*")
    assert (run / "previous" / "01_old.html").exists()
    assert recover(out) == [f"removed {run.name} (left by an interrupted run)"]
    assert snapshot(out) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb", "entered", "out"]
