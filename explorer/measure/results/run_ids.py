"""Run identity: which run a measurement belongs to, so that a summary never mixes runs.

The id comes, first found first, from the caller, from ``$EXPLORER_RUN_ID`` (shared by the
kernels of one report or one pytest session), or is made once per process. Where a run's
results are kept and how they are read is :mod:`explorer.measure.results.run_files`; this module sits below it
and below :mod:`explorer.measure.results.storage`, which both need the id.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets

TYPE_CHECKING = False  # conftest.py imports this module: keep it free of typing
if TYPE_CHECKING:
    from collections.abc import Iterator

#: The environment variable that shares one run id between processes (kernels, the bench).
RUN_ENV = "EXPLORER_RUN_ID"
_process_run_id: list[str] = []  # the id made for this process, at most one (see current_run_id)


def new_run_id() -> str:
    """A fresh id: the UTC time to the second and four random hex digits, e.g. ``20261125T184501Z-3fa2``."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{secrets.token_hex(2)}"


def check_run_id(run_id: object) -> str:
    """``run_id`` if it can name a folder (letters, digits, ``-``, ``_``, ``.``); raises otherwise."""
    if not isinstance(run_id, str) or not run_id or run_id.startswith(".") or len(run_id) > 100:
        raise ValueError(f"run_id must be a non-empty folder name, got {run_id!r}")
    if not all(c.isalnum() or c in "-_." for c in run_id):
        raise ValueError(f"run_id may hold letters, digits, '-', '_' and '.', got {run_id!r}")
    return run_id


def current_run_id(run_id: str | None = None) -> str:
    """The run id a measurement belongs to: ``run_id``, else ``$EXPLORER_RUN_ID``, else this process's own."""
    if run_id is not None:
        return check_run_id(run_id)
    if os.environ.get(RUN_ENV):
        return check_run_id(os.environ[RUN_ENV])
    if not _process_run_id:
        _process_run_id.append(new_run_id())
    return _process_run_id[0]


@contextlib.contextmanager
def shared_run_id(run_id: str) -> Iterator[str]:
    """Set ``$EXPLORER_RUN_ID`` to ``run_id`` for processes started inside (kernels), then restore it."""
    previous = os.environ.get(RUN_ENV)
    os.environ[RUN_ENV] = check_run_id(run_id)
    try:
        yield run_id
    finally:
        if previous is None:
            os.environ.pop(RUN_ENV, None)
        else:
            os.environ[RUN_ENV] = previous
