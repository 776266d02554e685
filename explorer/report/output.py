"""What the report may write, and how it swaps a new report in so that nothing is ever lost.

``--out DIR`` is accepted only when DIR is absent, an empty folder, or a previous explorer report
(recognised by its marker file, :data:`MARKER`, which lists the files it wrote); never the
checkout, the package, ``notebooks/``, ``data/`` or a folder holding them. Every run works in one
hidden folder beside DIR, ``.DIR.explorer-run-RUNID/``, locked while the run lives: the new report
is built in its ``report/``, kernel connection files go to its ``runtime/``, and the swap moves the
old DIR to its ``previous/`` before renaming ``report/`` to DIR. A crash at any instant leaves
either the old DIR, or no DIR and the old report in ``previous/``, which :func:`recover` (run at
the start of every report, or by ``report --recover``) puts back; then the run folder is removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from explorer.paths import DATA_DIR, NOTEBOOKS_DIR, ROOT

#: The marker file every report holds: format version, run id, profile and the files written.
MARKER = ".explorer-report.json"
#: Version of the marker's format.
MARKER_FORMAT = 1
#: The run folder's own record: which DIR it works for, the run id and the process.
RUN_RECORD = ".explorer-run.json"
#: Folders the report never writes into, replaces or contains (the checkout and its sources).
PROTECTED = (
    ROOT,
    Path(__file__).resolve().parent.parent,
    NOTEBOOKS_DIR,
    DATA_DIR,
    ROOT / "tests",
    ROOT / ".git",
)
#: Seconds an interrupted run waits for its notebook to stop before cleaning up anyway.
STOP_GRACE_S = 2.0
_LEGACY_PAGE = re.compile(r"(index|\d\d_[a-z0-9_]+)\.html")


class OutputError(ValueError):
    """``--out`` refused before any work: names the path and why (the CLI exits 2)."""


class ReportBusy(OutputError):
    """Another report run is writing the same folder right now."""


class ReportInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped the run before its swap: the previous report is unchanged."""

    def __init__(self, signum: int, out_dir: Path, had_report: bool) -> None:
        state = f"previous report at {out_dir} unchanged" if had_report else f"nothing written to {out_dir}"
        super().__init__(f"interrupted; {state}")
        self.signum = signum


def check_out_dir(
    out_dir: str | os.PathLike[str],
    *,
    kind: str = "report",
    foreign: Callable[[Path], list[str]] | None = None,
    marker: str = MARKER,
) -> Path:
    """The absolute path of ``out_dir`` if the ``kind`` may write there, else :class:`OutputError`.

    Accepted: an absent or empty folder, or one whose entries ``foreign`` (default: a report's,
    :func:`foreign_entries`) finds all written by a previous ``kind`` (recognised by ``marker``);
    never the checkout or its sources, a file, a link or a mount point. Touches nothing.
    """
    foreign = foreign_entries if foreign is None else foreign
    given = Path(out_dir).expanduser()
    absolute = Path(os.path.abspath(given))
    if absolute.name in ("", ".", ".."):
        raise OutputError(f"--out {str(given)!r}: the file system root cannot be a {kind} folder")
    if absolute.is_symlink():
        raise OutputError(
            f"--out {str(given)!r} is a symbolic link (to {os.readlink(absolute)!r}); "
            f"give the folder itself, the {kind} would replace the link"
        )
    path = absolute.parent.resolve() / absolute.name
    for protected in PROTECTED:
        protected = protected.resolve()
        if path == protected or path in protected.parents:
            what = "is" if path == protected else "contains"
            raise OutputError(
                f"--out {str(path)!r} {what} {_describe(protected)}; choose a folder of its own"
            )
        if protected != ROOT.resolve() and protected in path.parents:
            raise OutputError(
                f"--out {str(path)!r} is inside {_describe(protected)}; choose a folder of its own"
            )
    if path.exists():
        if not path.is_dir():
            raise OutputError(f"--out {str(path)!r} is a file, not a folder; the {kind} will not replace it")
        if os.path.ismount(path):
            raise OutputError(f"--out {str(path)!r} is a mount point; choose a folder inside it")
        others = foreign(path)
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            raise OutputError(
                f"--out {str(path)!r} holds files that are not an explorer {kind}'s ({shown}); the {kind} "
                f"writes only into an absent or empty folder or a previous {kind} (marked by {marker})"
            )
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputError(f"--out {str(path)!r} is a previous {kind} but not writable by you")
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"--out {str(path)!r}: cannot create folders in {str(ancestor)!r} (not writable)")
    return path


def foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that no explorer report wrote (empty for an empty folder or a report)."""
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        return []
    marker = read_marker(folder)
    if marker is not None:
        ours = {*marker["files"], MARKER}
        return [n for n in names if n not in ours]
    if "index.html" in names and all(_LEGACY_PAGE.fullmatch(n) for n in names):
        # a report written before the marker existed: index.html and NN_name.html pages only
        index = (folder / "index.html").read_text(encoding="utf-8", errors="replace")
        if "<title>explorer report</title>" in index:
            return []
    return names


def holds_report(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a previous report (a folder with entries, every one a report's): what a run
    that fails keeps; an absent or empty folder holds none, and a failed run writes nothing there."""
    try:
        return out_dir.is_dir() and any(out_dir.iterdir()) and not foreign_entries(out_dir)
    except OSError:
        return False


def read_marker(folder: Path) -> dict | None:
    """The report marker in ``folder`` if it is a valid one, else None."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    valid = (
        isinstance(marker, dict)
        and isinstance(marker.get("format"), int)
        and isinstance(marker.get("run_id"), str)
        and isinstance(marker.get("files"), list)
        and all(isinstance(f, str) and "/" not in f for f in marker["files"])
    )
    return marker if valid else None


def write_marker(folder: Path, run_id: str, profile: str) -> None:
    """Mark ``folder`` as an explorer report listing the files it holds (written last, atomically)."""
    from explorer import __version__
    from explorer.files import write_atomic

    files = sorted(p.name for p in folder.iterdir() if p.name != MARKER)
    marker = {
        "format": MARKER_FORMAT,
        "run_id": run_id,
        "profile": profile,
        "explorer": __version__,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    write_atomic(folder / MARKER, json.dumps(marker, indent=1) + "\n")


def recover(out_dir: str | os.PathLike[str]) -> list[str]:
    """Finish what crashed runs left beside ``out_dir``: put a moved-aside report back, remove run folders.

    Returns one line per action. Raises :class:`ReportBusy` if a live run is writing ``out_dir``.
    Removes only folders named and recorded as explorer run folders for this ``out_dir``.
    """
    out = Path(os.path.abspath(Path(out_dir).expanduser()))
    out = out.parent.resolve() / out.name
    done = []
    for run in _run_folders(out):
        with _locked(run) as locked:
            if not locked:
                raise ReportBusy(f"--out {str(out)!r} is being written by another report run ({_owner(run)})")
            previous = run / "previous"
            if previous.is_dir() and not out.exists() and not out.is_symlink():
                previous.rename(out)
                done.append(f"restored the previous report to {out} (from {run.name}/previous)")
            shutil.rmtree(run)
            done.append(f"removed {run.name} (left by an interrupted run)")
    return done


class ReportRun:
    """One report run for ``out_dir``: its locked run folder, staging, kernel files, signals and swap.

    Use as a context manager; :meth:`commit` swaps the staged report in. Leaving the block removes
    the run folder (with the retired report once committed); on SIGINT/SIGTERM the block raises
    :class:`ReportInterrupted` and ``out_dir`` is as it was.
    """

    def __init__(self, out_dir: Path, run_id: str, profile: str) -> None:
        self.out_dir = out_dir
        self.run_id = run_id
        self.profile = profile
        self.folder = out_dir.parent / f".{out_dir.name}.explorer-run-{run_id}"
        self.staging = self.folder / "report"
        self.runtime = self.folder / "runtime"
        self.interrupted: int | None = None
        self.committed = False
        self.kernel_manager = None  # set while a notebook runs, so a signal can stop its kernel
        self._lock_fd: int | None = None
        self._previous_handlers: dict[int, object] = {}
        self._had_report = holds_report(out_dir)

    def __enter__(self) -> ReportRun:
        from explorer.files import current_umask

        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.folder.mkdir(mode=0o700)
        try:
            self._lock_fd = os.open(self.folder, os.O_RDONLY)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            record = {"out": self.out_dir.name, "run_id": self.run_id, "pid": os.getpid()}
            (self.folder / RUN_RECORD).write_text(json.dumps(record) + "\n", encoding="utf-8")
            self.staging.mkdir(mode=0o777 & ~current_umask())
            self.runtime.mkdir(mode=0o700)
            self._catch_signals()
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self._close()
        if self.interrupted is not None and not self.committed:
            raise ReportInterrupted(self.interrupted, self.out_dir, self._had_report) from None

    def check(self) -> None:
        """Raise :class:`ReportInterrupted` if a signal asked the run to stop."""
        if self.interrupted is not None:
            raise ReportInterrupted(self.interrupted, self.out_dir, self._had_report)

    def commit(self) -> None:
        """Swap the staged report in: old DIR to ``previous/``, then ``report/`` to DIR (two renames).

        Between the renames a crash leaves the old report in ``previous/``, which :func:`recover`
        restores. Signals only set a flag, so none can land between the check and the renames.
        """
        self.check()
        write_marker(self.staging, self.run_id, self.profile)
        self.check()
        if self.out_dir.exists():
            self._retire()
        self._install()
        self.committed = True

    def wait(self, thread: threading.Thread) -> None:
        """Join ``thread``, waking for signals; after one, give it ``STOP_GRACE_S`` then go on."""
        while thread.is_alive():
            thread.join(0.1)
            if self.interrupted is not None:
                # a kernel may still be starting: kill it as soon as it has a process
                deadline = time.monotonic() + STOP_GRACE_S
                while thread.is_alive() and time.monotonic() < deadline:
                    self._stop_kernel()
                    thread.join(0.05)
                self.check()

    def _retire(self) -> None:
        self.out_dir.rename(self.folder / "previous")

    def _install(self) -> None:
        self.staging.rename(self.out_dir)

    def _catch_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        # Never raises: the run notices the flag at its next check, and a running kernel is
        # killed so that the notebook stops within about a second, whatever its cell does.
        if self.interrupted is None:
            self.interrupted = signum
        if not self.committed:
            self._stop_kernel()

    def _stop_kernel(self) -> None:
        provisioner = getattr(self.kernel_manager, "provisioner", None)
        pid = getattr(provisioner, "pid", None)
        if pid:
            # jupyter_client starts each kernel in a session of its own: the group is the kernel
            # and whatever its cells started (measurement subprocesses included).
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)

    def _close(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()
        previous = self.folder / "previous"
        if previous.is_dir() and not self.out_dir.exists() and not self.out_dir.is_symlink():
            previous.rename(self.out_dir)  # the swap failed half-way: the old report goes back
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def _run_folders(out: Path) -> list[Path]:
    prefix = f".{out.name}.explorer-run-"
    if not out.parent.is_dir():
        return []
    found = []
    for path in sorted(out.parent.iterdir()):
        if not path.name.startswith(prefix) or path.is_symlink() or not path.is_dir():
            continue
        try:
            record = json.loads((path / RUN_RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = None
        if isinstance(record, dict) and record.get("out") == out.name:
            found.append(path)
    return found


@contextlib.contextmanager
def _locked(folder: Path):
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)


def _owner(run: Path) -> str:
    try:
        return f"pid {json.loads((run / RUN_RECORD).read_text(encoding='utf-8'))['pid']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown"


def _describe(protected: Path) -> str:
    names = {ROOT.resolve(): "the explorer checkout", NOTEBOOKS_DIR.resolve(): "the curated notebooks"}
    names[DATA_DIR.resolve()] = "the committed data"
    return f"{names.get(protected, 'explorer sources')} ({protected})"
