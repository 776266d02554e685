"""Where runs execute: in this process, in a pool of processes, or on a Dask cluster (local or remote).

Every executor yields ``(run, values)`` as runs finish, in whatever order they finish; the caller
stores each and orders the results by the spec, so the order never shows. Dask recomputes a run whose
worker died (OOM, SIGKILL) on another worker, up to ``distributed.scheduler.allowed-failures`` times
(3 by default); after that the run is recorded as failed with Dask's ``KilledWorker`` error.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator

from explorer.sweeps.spec import Run
from explorer.sweeps.task import METRICS, run_one

EXECUTORS = ("dask", "processes", "serial")
#: Seconds an unreachable ``--scheduler`` is given before the sweep is refused (nothing started).
CONNECT_TIMEOUT_S = 5.0


class SchedulerError(ValueError):
    """The Dask scheduler named could not be reached: refused before any run."""


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def serial(runs: list[Run]) -> Iterator[tuple[Run, dict]]:
    """Each run in this process, one after the other."""
    for run in runs:
        yield run, run_one(run)


def processes(runs: list[Run], workers: int) -> Iterator[tuple[Run, dict]]:
    """Runs in a ``concurrent.futures`` pool of ``workers`` fresh (spawned) processes.

    The workers ignore SIGINT from their start: Ctrl-C reaches this process, which cancels what
    has not started and terminates the workers (a worker that dies breaks the pool: its runs are
    recorded as failed, and a re-run retries them).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from explorer.sweeps.worker import ignore_sigint, sigint_held

    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=ignore_sigint
    )
    futures = {}
    finished = False
    try:
        with sigint_held():  # the pool spawns its workers as runs are submitted
            for run in runs:
                futures[pool.submit(run_one, run)] = run
        for future in as_completed(futures):
            yield futures[future], _result(future.result)
        finished = True
    finally:
        for future in futures:
            future.cancel()
        if not finished:
            for process in list(getattr(pool, "_processes", {}).values()):  # no public terminate in 3.11
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def on_dask(runs: list[Run], client, *, widget: bool = False) -> Iterator[tuple[Run, dict]]:
    """Runs as Dask tasks on ``client``'s cluster, gathered as they complete; cancelled if left early.

    A sharded run (``shards`` > 1) is driven from this process, its shards being tasks of their own.
    ``widget``: show Dask's progress bar (a Jupyter widget) for the runs.
    """
    import uuid

    from distributed import as_completed

    whole = [run for run in runs if run.shards == 1]
    token = uuid.uuid4().hex[:8]  # this sweep's own keys: a rerun is computed, never served from memory
    futures = {}
    try:
        futures = {
            client.submit(run_one, run, key=f"sweep-run-{run.run_id}-{token}", pure=False): run
            for run in whole
        }
        if widget and futures:
            from distributed import progress
            from IPython.display import display

            # this client's scheduler, named: the client is not Dask's default (no global state is set);
            # shown now: progress() returns the bar, which Jupyter displays only as a cell's last value
            display(progress(list(futures), notebook=True, multi=False, scheduler=client.scheduler.address))
        for future in as_completed(futures, loop=client.loop):
            yield futures[future], _result(future.result)
        for run in runs:
            if run.shards > 1:
                yield run, run_one(run, client)
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending, force=True)


@contextlib.contextmanager
def dask_client(
    *, client=None, scheduler: str | None = None, workers: int | None = None, say: Callable[[str], None]
) -> Iterator[object]:
    """A Dask client: ``client`` itself, one connected to ``scheduler``, or a LocalCluster of our own.

    The LocalCluster has ``workers`` worker processes (default: one per core) of one thread each; it is
    started here and closed (workers included) when the block ends, however it ends.
    """
    if client is not None:
        yield client
        return
    from distributed import Client

    if scheduler is not None:
        try:
            remote = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise SchedulerError(
                f"--scheduler {scheduler!r}: no Dask scheduler answered within {CONNECT_TIMEOUT_S:g} s "
                f"({error})"
            ) from None
        try:
            say(f"Dask scheduler {scheduler}: {len(remote.scheduler_info()['workers'])} workers")
            yield remote
        finally:
            remote.close()
        return
    from distributed import LocalCluster

    from explorer.sweeps.worker import sigint_held

    count = workers or default_workers()
    cluster = None
    try:
        with sigint_held():  # until each worker's preload ignores it
            cluster = LocalCluster(
                n_workers=count,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port: several sweeps (or users) may run on one machine
                silence_logs=logging.ERROR,
                preload=["explorer.sweeps.worker"],  # workers ignore Ctrl-C: the sweep stops them itself
            )
        local = Client(cluster, set_as_default=False)
        try:
            say(f"Dask LocalCluster: {count} worker processes x 1 thread; dashboard {_dashboard(local)}")
            yield local
        finally:
            local.close()
    finally:
        if cluster is not None:
            cluster.close()


def _dashboard(client) -> str:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return f"{client.dashboard_link} (a page only: install bokeh for Dask's live dashboard)"
    return client.dashboard_link


def _result(get: Callable[[], dict]) -> dict:
    """The run's values, or a failed run's NaNs with the error an executor raised (e.g. KilledWorker)."""
    try:
        return get()
    except Exception as error:
        text = f"{type(error).__name__}: {error}"
        return {name: float("nan") for name, _, _ in METRICS} | {"error": text}
