"""Set-up of every worker process a sweep starts: Ctrl-C is the sweep's, not theirs.

A terminal's Ctrl-C signals the whole process group; workers that took it would die, each with a
traceback. Ignoring it here leaves it to the sweep's own process, which cancels the runs and closes
the cluster (and so the workers) itself. A worker ignores it only once its set-up runs, after seconds
of imports, so the sweep starts its workers under :func:`sigint_held`: a child inherits the held
signal from its first instruction until :func:`ignore_sigint` drops it.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

_CAN_HOLD = hasattr(signal, "pthread_sigmask")


def ignore_sigint() -> None:
    """Ignore SIGINT in this process, dropping one held since it started (a pool initializer too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _CAN_HOLD:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """Hold SIGINT in this thread while worker processes start (they and its new threads inherit it).

    A Ctrl-C meanwhile waits, and reaches this process as KeyboardInterrupt when the block ends.
    """
    if not _CAN_HOLD:
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # started later, it would unblock SIGINT in the thread starting it
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def dask_setup(worker: object) -> None:
    """Dask calls this in each worker process as it starts (``LocalCluster(preload=[this module])``)."""
    ignore_sigint()
