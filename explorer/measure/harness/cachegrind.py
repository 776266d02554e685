"""One fresh Python process under Valgrind's cachegrind: the instructions it executed, and its cache misses.

Counting is deterministic only in a fixed setting, so every counted process gets the same
environment (:data:`ENVIRONMENT`: hash seed 0, one thread for BLAS and numba, numba compiling for
a generic CPU so that its on-disk cache is the same natively and under Valgrind) and, with the
cache simulation on, the same simulated caches (:data:`CACHES`), whatever machine runs it. A
program that imports numpy begins with :data:`PROLOGUE`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The environment of every counted process (and of its native warm-up), nothing inherited but HOME.
ENVIRONMENT = {
    "PYTHONHASHSEED": "0",  # str hashes, so set and dict layouts, the same on every run
    "PYTHONNOUSERSITE": "1",
    # a counted process never writes .pyc: a module edited since the warm-up is compiled in both
    # processes of a claim alike (and cancels), never in one of them only
    "PYTHONDONTWRITEBYTECODE": "1",
    "OPENBLAS_NUM_THREADS": "1",  # no BLAS worker threads spinning while Valgrind serializes them
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",  # one thread in the sparse engine's prange
    "NUMBA_CPU_NAME": "generic",  # one machine code, and one on-disk cache entry, native and counted
    # a forked child may run parallel kernels its parent loaded: numba's own pool restarts in the child,
    # where GNU OpenMP's (numba's default here) terminates it
    "NUMBA_THREADING_LAYER": "workqueue",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}
#: The first lines of every counted program that imports numpy. Importing numpy seeds its global
#: RandomState from ``secrets.randbits`` (128 bits from the OS): converting those bits to integers
#: costs a few thousand instructions more or less with each draw, which moved the dense step's count
#: by up to 0.005% between runs. Fixed entropy makes the count identical on every run. Programs
#: without numpy go without it: importing ``secrets`` would move ``import explorer``'s count.
PROLOGUE = "import random, secrets\nsecrets.randbits = random.Random(0).getrandbits\n"
#: Simulated caches when the simulation is on (size, associativity, line size), stated rather than
#: detected from the host, so that last-level misses compare across machines.
CACHES = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64")
#: Seconds one counted process may take: a guard against a hang (a loaded machine took over 900 s).
TIMEOUT = 3600


class ValgrindMissing(RuntimeError):
    """Valgrind is not installed: counts cannot be taken on this machine."""


@dataclass(frozen=True)
class ProcessCount:
    """What cachegrind counted for one whole process: instructions (``Ir``) and, if simulated, misses.

    ``ll_misses`` is last-level misses of instruction fetches, data reads and data writes
    (``ILmr + DLmr + DLmw``); None without the cache simulation.
    """

    instructions: int
    ll_misses: int | None
    events: dict[str, int]


def valgrind_path() -> str:
    """The ``valgrind`` executable; raises :class:`ValgrindMissing` saying how to install it."""
    path = shutil.which("valgrind")
    if path is None:
        raise ValgrindMissing(
            "valgrind is not installed: instruction counts need it (apt-get install -y valgrind, as root)"
        )
    return path


def valgrind_version() -> str | None:
    """Valgrind's version, e.g. ``valgrind-3.19.0``, or None where it is not installed."""
    path = shutil.which("valgrind")
    if path is None:
        return None
    result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False, timeout=30)
    return result.stdout.strip() or None


def environment() -> dict[str, str]:
    """:data:`ENVIRONMENT`, with HOME passed through (matplotlib and numba find their caches there)."""
    env = dict(ENVIRONMENT)
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env


def run_native(code: str, *, python: str, cwd: Path) -> None:
    """Run ``code`` once without Valgrind in the counted setting: writes .pyc files, fills numba's cache."""
    env = environment()
    del env["PYTHONDONTWRITEBYTECODE"]
    result = subprocess.run(
        [python, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"the warm-up of a counted program failed: {_last_line(result)}")


def count_process(code: str, *, python: str, cwd: Path, cache_sim: bool = False) -> ProcessCount:
    """Run ``python -c code`` in ``cwd`` under cachegrind and return what it counted."""
    with tempfile.TemporaryDirectory(prefix="explorer-cachegrind-") as folder:
        out = Path(folder) / "cachegrind.out"
        _run_counted(code, python=python, cwd=cwd, cache_sim=cache_sim, out_file=str(out))
        return _read_count(out, cache_sim)


def count_children(code: str, *, python: str, cwd: Path, cache_sim: bool = False) -> list[ProcessCount]:
    """What cachegrind counted for each child ``code`` forks, in the order its last output line lists them.

    A forked child inherits its parent's counters (Valgrind's state is the process's memory), so a
    child's count is everything its parent executed before the fork plus the child's own work: children
    forked from one parent share their start-up and imports, counted once (see
    :mod:`explorer.measure.instruments.counts`). ``code`` must print its children's pids on its last line.
    """
    with tempfile.TemporaryDirectory(prefix="explorer-cachegrind-") as folder:
        result = _run_counted(code, python=python, cwd=cwd, cache_sim=cache_sim,
                              out_file=f"{folder}/cachegrind.%p")  # fmt: skip
        counts = []
        for pid in result.stdout.strip().splitlines()[-1].split():
            path = Path(folder) / f"cachegrind.{pid}"
            if not path.is_file():
                raise RuntimeError(f"a counted child (pid {pid}) wrote no cachegrind output: did it fail?")
            counts.append(_read_count(path, cache_sim))
    return counts


def _run_counted(
    code: str, *, python: str, cwd: Path, cache_sim: bool, out_file: str
) -> subprocess.CompletedProcess:
    """``python -c code`` in ``cwd`` under cachegrind, its output to ``out_file``; raises if it failed."""
    simulation = ["--cache-sim=yes", *CACHES] if cache_sim else ["--cache-sim=no"]
    args = [valgrind_path(), "--tool=cachegrind", *simulation, f"--cachegrind-out-file={out_file}"]
    result = subprocess.run(
        [*args, python, "-c", code], cwd=cwd, env=environment(), capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"a counted process failed under valgrind: {_last_line(result)}")
    return result


def _read_count(path: Path, cache_sim: bool) -> ProcessCount:
    """One cachegrind output file's instructions and, with the cache simulation, last-level misses."""
    events = parse_summary(path.read_text(encoding="utf-8"))
    misses = events["ILmr"] + events["DLmr"] + events["DLmw"] if cache_sim else None
    return ProcessCount(events["Ir"], misses, events)


def parse_summary(text: str) -> dict[str, int]:
    """The ``events:`` and ``summary:`` lines of a cachegrind output file, as event -> total."""
    names = re.search(r"^events:\s*(.+)$", text, re.MULTILINE)
    totals = re.search(r"^summary:\s*(.+)$", text, re.MULTILINE)
    if names is None or totals is None:
        raise RuntimeError("cachegrind wrote no events or summary line")
    return dict(zip(names.group(1).split(), (int(x) for x in totals.group(1).split()), strict=True))


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("==")]
    return lines[-1] if lines else f"exit code {result.returncode}"
