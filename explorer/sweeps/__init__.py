"""Parameter sweeps: many population episodes over a grid of parameters, on one core or a Dask cluster.

:func:`sweep` checks the whole spec, runs what is not finished yet on the chosen executor, writes each
finished run to the results folder as it arrives, and returns one tidy DataFrame (one row per run and
metric, the parameters as columns). A run's behaviour figures depend only on its parameters and the
sweep's seed, so every executor, worker count and completion order gives the same ones; its cost
figures (times) are measured and differ on every run.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from explorer.checks import check_choice, check_int
from explorer.sweeps.spec import SPEC_KEYS, Run, SpecError, SweepSpec, build_spec
from explorer.sweeps.task import METRICS

#: The columns of a sweep's DataFrame, in order; the run's parameters sit between ``task`` and ``replicate``.
COLUMNS = (
    "run_id",  # 16 hex digits of the run's digest (task, parameters, replicate)
    "task",  # "grid" or the factory's "package.module:function"
    # ... one column per parameter: side, obs_noise, walls (as JSON text), agents, steps, engine ...
    "replicate",  # the replicate number (the spec's seeds)
    "seed",  # the run's own seed, from the sweep's seed and the run's digest
    "metric",  # success_rate, steps_to_goal, belief_entropy, agent_steps_per_s, bytes_per_agent, run_time
    "kind",  # behaviour (deterministic for a seed) or cost (measured)
    "value",  # the figure, in `unit`; NaN when the run failed
    "unit",  # fraction, steps, nats, agent-steps/s, B, s
    "error",  # empty, or the exception the run raised (type and message)
)
BEHAVIOUR = tuple(name for name, kind, _ in METRICS if kind == "behaviour")


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the sweep: finished runs are kept in the results folder, the cluster is closed."""

    def __init__(self, finished: int, total: int, out: Path | None) -> None:
        kept = f"; {finished} finished runs kept in {out}" if out else f"; {finished} runs had finished"
        super().__init__(f"sweep interrupted after {finished} of {total} runs{kept}")
        self.finished, self.total = finished, total


def sweep(
    *spec_args: object,
    executor: str | None = None,
    workers: int | None = None,
    client=None,
    scheduler: str | None = None,
    out: str | os.PathLike[str] | None = None,
    fresh: bool = False,
    yes: bool = False,
    progress: bool | None = None,
    say: Callable[[str], None] | None = None,
    **spec_keys: object,
) -> pd.DataFrame:
    """Run the sweep that :func:`~explorer.sweeps.spec.build_spec` ``(*spec_args, **spec_keys)`` describes.

    The spec (``task``, ``grid`` or ``runs``, ``seeds``, ``agents``, ``steps``, ``engine``, ``seed``,
    ``shards``, ``limit``) is ``build_spec``'s, checked whole before any run: ``task`` once per
    parameter set and replicate. The other arguments say where and how it runs. ``executor``:
    ``"dask"`` (the default for more than one run: a LocalCluster of ``workers`` processes, or
    ``client`` / ``scheduler``), ``"processes"`` or ``"serial"``. With ``out``, every finished run is
    kept there and a re-run skips it.
    """
    say = say or (lambda text: print(text, file=sys.stderr))
    unknown = [key for key in spec_keys if key not in SPEC_KEYS]
    if unknown:
        raise TypeError(
            f"sweep() got an unknown keyword {unknown[0]!r}; the spec's keys are {', '.join(SPEC_KEYS)}"
        )
    spec = build_spec(*spec_args, **spec_keys)
    planned = spec.runs()
    if len(planned) > spec.limit and yes is not True:
        raise SpecError(
            f"the sweep holds {len(planned):,} runs, more than its limit of {spec.limit:,}: pass yes=True "
            "(--yes) to run them all, or raise limit"
        )
    if workers is not None:
        workers = check_int("workers", workers, low=1)
    on_cluster = client is not None or scheduler is not None
    if executor is None:
        executor = "dask" if on_cluster or spec.shards > 1 or len(planned) > 1 else "serial"
    check_choice("executor", executor, ("dask", "processes", "serial"))
    if executor != "dask" and (on_cluster or spec.shards > 1):
        what = "shards > 1" if spec.shards > 1 else "client or scheduler"
        raise ValueError(f"executor={executor!r} cannot run on a Dask cluster; {what} needs executor='dask'")
    if spec.shards > 1 and spec.task != "grid":
        raise SpecError(
            f"shards: only the grid task is sharded, got shards={spec.shards} for task {spec.task!r}"
        )
    store = None
    if out is not None:
        from explorer.sweeps.store import ResultsStore

        store = ResultsStore(Path(out), spec, fresh=fresh)
        store.check()
    done = store.finished() if store is not None and not fresh else {}
    pending = [run for run in planned if run.run_id not in done]
    if store is not None and done:
        say(f"{len(planned) - len(pending)} of {len(planned)} runs already finished in {store.out}: skipped")
    frames = dict(done)
    with contextlib.ExitStack() as stack:
        if executor == "dask" and pending:
            from explorer.sweeps.executors import dask_client

            client = stack.enter_context(
                dask_client(client=client, scheduler=scheduler, workers=workers, say=say)
            )
        if store is not None:
            store.open()
        widget = executor == "dask" and progress is not False and _in_notebook()  # Dask's own progress bar
        bar = stack.enter_context(_progress_bar(len(pending), False if widget else progress))
        results = stack.enter_context(
            contextlib.closing(_execute(pending, executor, workers, client, widget))
        )
        try:
            for run, values in results:
                frame = run_frame(run, values)
                if store is not None:
                    store.save(run.run_id, frame)
                frames[run.run_id] = frame
                bar.update(1)
        except KeyboardInterrupt:
            raise SweepInterrupted(len(frames) - len(done), len(pending), store and store.out) from None
    table = _ordered(frames, planned)
    failed = table.loc[table["error"] != "", "run_id"].nunique()
    table.attrs["summary"] = {
        "runs": len(planned),
        "ran": len(pending),
        "skipped": len(planned) - len(pending),
        "failed": int(failed),
        "executor": executor,
    }
    return table


def run_frame(run: Run, values: Mapping[str, object]) -> pd.DataFrame:
    """The tidy rows of one finished run: one per metric, with the run's parameters as columns."""
    params = {k: json.dumps(v) if isinstance(v, list) else v for k, v in run.parameters().items()}
    rows = []
    for name, kind, unit in METRICS:
        value = values.get(name, math.nan)
        rows.append(
            {"run_id": run.run_id, "task": run.task, **params, "replicate": run.replicate, "seed": run.seed}
            | {"metric": name, "kind": kind, "value": float(value), "unit": unit, "error": values["error"]}
        )
    return pd.DataFrame(rows)


def behaviour(table: pd.DataFrame) -> pd.DataFrame:
    """The behaviour rows of a sweep's table (the figures every executor must reproduce exactly)."""
    return table[table["kind"] == "behaviour"].reset_index(drop=True)


def _ordered(frames: dict[str, pd.DataFrame], planned: list[Run]) -> pd.DataFrame:
    order = [run.run_id for run in planned if run.run_id in frames]
    if not order:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat([frames[run_id] for run_id in order], ignore_index=True)


def _execute(pending: list[Run], executor: str, workers: int | None, client, widget: bool = False):
    from explorer.sweeps import executors

    if executor == "serial" or not pending:
        return executors.serial(pending)
    if executor == "processes":
        return executors.processes(pending, workers or executors.default_workers())
    return executors.on_dask(pending, client, widget=widget)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where Dask shows its progress as a widget)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return type(shell).__name__ == "ZMQInteractiveShell"


@contextlib.contextmanager
def _progress_bar(total: int, progress: bool | None):
    from tqdm.auto import tqdm

    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = tqdm(total=total, disable=not show, unit="run", desc="sweep", file=sys.stderr, leave=True)
    try:
        yield bar
    finally:
        bar.close()


__all__ = ["COLUMNS", "SpecError", "SweepInterrupted", "SweepSpec", "behaviour", "run_frame", "sweep"]
