"""``python -m explorer sweep SPEC.yaml``: read and check the spec, run the sweep, say what happened.

Exit codes: 0 done (failed runs are counted, not fatal), 2 refused before any run (bad spec, a
refused ``--out``, an unreachable ``--scheduler``), 130 interrupted (finished runs kept).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from explorer.paths import ROOT

#: Default results folder: ``sweeps/<spec name>/`` in the checkout (git-ignored).
SWEEPS_DIR = ROOT / "sweeps"
EXIT_OK, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 2, 130


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
