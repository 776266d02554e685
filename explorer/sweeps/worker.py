"""Set-up of every Dask worker process a sweep starts (a Dask preload): Ctrl-C is the sweep's, not theirs.

A terminal's Ctrl-C signals the whole process group; workers that took it would die, each with a
traceback. Ignoring it here leaves it to the sweep's own process, which cancels the runs and closes
the cluster (and so the workers) itself.
"""

from __future__ import annotations

import signal


def ignore_sigint() -> None:
    """Ignore SIGINT in this process (a ``concurrent.futures`` initializer too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def dask_setup(worker: object) -> None:
    """Dask calls this in each worker process as it starts (``LocalCluster(preload=[this module])``)."""
    ignore_sigint()
