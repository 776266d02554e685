"""``python -m explorer sweep SPEC.yaml``: read and check the spec, run the sweep, say what happened.

Exit codes: 0 done (failed runs are counted, not fatal), 2 refused before any run (bad spec, a
refused ``--out``, an unreachable ``--scheduler``), 130 interrupted (finished runs kept).
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from pathlib import Path

from explorer.commands.options import positive_int
from explorer.paths import ROOT

#: Default results folder: ``sweeps/<spec name>/`` in the checkout (git-ignored).
SWEEPS_DIR = ROOT / "sweeps"
EXIT_OK, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 2, 130


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``sweep`` sub-command's parser."""
    sweep = commands.add_parser(
        "sweep",
        help="run a parameter sweep of population episodes (YAML spec) on this machine or a Dask cluster",
        description=textwrap.fill(
            "Run one population episode per parameter set and replicate of SPEC.yaml (keys: task, grid or "
            "runs, seeds, agents, steps, engine, seed, shards, limit), checked whole before any run. Each "
            "finished run is written to --out as it arrives; running the same spec again skips finished "
            "runs. Ctrl-C stops within seconds, keeps finished runs and exits 130. Without --scheduler, "
            "more than one run starts a Dask LocalCluster of one single-threaded worker process per core.",
            width=80,
        ),
        epilog="example SPEC.yaml:\n  grid: {side: [5, 7], obs_noise: [0.0, 0.2]}\n  seeds: 3\n"
        "  agents: 1000\n  steps: 20",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sweep.add_argument("spec", type=Path, metavar="SPEC.yaml", help="the sweep's spec (YAML)")
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="an existing Dask scheduler, e.g. tcp://host:8786",
    )
    sweep.add_argument(
        "--workers", type=positive_int, default=None, help="worker processes (default: one per core)"
    )
    sweep.add_argument(
        "--executor",
        choices=("dask", "processes", "serial"),
        default=None,
        help="where runs execute (default: dask for more than one run)",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="results folder: absent, empty or this sweep's (default: sweeps/SPEC-name/ in the checkout)",
    )
    sweep.add_argument("--fresh", action="store_true", help="discard the results already in --out")
    sweep.add_argument("--yes", action="store_true", help="run even beyond the spec's limit of runs")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    return sweep


def run(args: argparse.Namespace) -> int:
    """Run the sweep the parsed ``args`` describe; returns the exit code."""
    return run_sweep_command(
        args.spec,
        out=args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        executor=args.executor,
        fresh=args.fresh,
        yes=args.yes,
        progress=False if args.no_progress else None,
    )


def read_spec(path: Path) -> dict:
    """The YAML document at ``path`` as a mapping; :class:`~explorer.sweeps.spec.SpecError` if not."""
    import yaml

    from explorer.sweeps.spec import SpecError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(f"cannot read the spec {str(path)!r}: {error.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError(f"{str(path)!r} is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise SpecError(
            f"{str(path)!r} must hold a mapping of keys (task, grid, seeds, ...), got {document!r}"
        )
    return document


def run_sweep_command(
    spec_path: Path,
    *,
    out: Path | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    executor: str | None = None,
    fresh: bool = False,
    yes: bool = False,
    progress: bool | None = None,
) -> int:
    """Run the sweep ``spec_path`` describes; returns the exit code, messages on stderr, summary on stdout."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops as Ctrl-C does
    try:
        from explorer.report.output import OutputError
        from explorer.sweeps import SweepInterrupted, sweep
        from explorer.sweeps.executors import SchedulerError
        from explorer.sweeps.spec import SPEC_KEYS, SpecError

        try:
            document = read_spec(spec_path)
            unknown = [k for k in document if k not in SPEC_KEYS]
            if unknown:
                raise SpecError(f"unknown key {unknown[0]!r}; expected some of {', '.join(SPEC_KEYS)}")
            table = sweep(
                **document,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                out=out if out is not None else SWEEPS_DIR / spec_path.stem,
                fresh=fresh,
                yes=yes,
                progress=progress,
            )
        except (SpecError, OutputError, SchedulerError, TypeError, ValueError) as error:
            print(f"sweep: {spec_path}: {error}", file=sys.stderr)
            return EXIT_REFUSED
        except SweepInterrupted as error:
            print(f"sweep: {error}", file=sys.stderr)
            return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("sweep: interrupted before any run started; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    summary = table.attrs["summary"]
    folder = out if out is not None else SWEEPS_DIR / spec_path.stem
    print(
        f"{summary['runs']} runs: {summary['ran']} ran ({summary['executor']}), {summary['skipped']} already "
        f"finished, {summary['failed']} failed; results in {folder}"
    )
    if summary["failed"]:
        errors = table.loc[table["error"] != "", ["run_id", "error"]].drop_duplicates("run_id")
        for row in errors.head(5).itertuples():
            print(f"  failed {row.run_id}: {row.error}")
    return EXIT_OK
