"""The context every result carries: versions, CPU, git commit and time (docs/methodology.md#context).

Versions come from installed package metadata, so reading them imports neither jax nor pymdp.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata as importlib_metadata

from explorer.paths import ROOT

#: Distributions whose versions are recorded, keyed by the name used in the metadata.
DISTRIBUTIONS = {
    "numpy": "numpy",
    "pymdp": "inferactively-pymdp",
    "jax": "jax",
    "jaxlib": "jaxlib",
    "pandas": "pandas",
    "explorer": "explorer",
}


def machine_metadata() -> dict:
    """Python, numpy, pymdp, jax versions, CPU model and count, git commit and UTC time, as a dict."""
    info: dict = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": shown_executable(sys.executable),
    }
    for key, dist in DISTRIBUTIONS.items():
        info[key] = _version(dist)
    info |= {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "load_average_1_5_15": _load_average(),
        "utc_time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return info


def shown_executable(executable: str) -> str:
    """The interpreter as results record it: relative to the repository when inside it (``.venv/bin/python``),
    else its file name, so that no stored result or notebook names a user's folders."""
    path = os.path.abspath(executable)
    inside = os.path.relpath(path, ROOT)
    return inside if not inside.startswith("..") else os.path.basename(path)


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else ``platform.processor()``, else "unknown"."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit() -> str | None:
    """The checked-out commit of the repository explorer runs from, or None outside a git checkout."""
    return _git("rev-parse", "HEAD")


def git_dirty() -> bool | None:
    """Whether the checkout has uncommitted changes (None outside a git checkout)."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _load_average() -> list[float] | None:
    """The system's 1, 5 and 15-minute load averages: how busy a shared machine was."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _version(dist: str) -> str | None:
    try:
        return importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        return None
