"""``python -m explorer report``: the notebooks executed into HTML pages; outcomes as exit codes, one line."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from explorer.commands.options import add_model_option, checked_model
from explorer.paths import REPORTS_DIR

#: Exit codes: done, a notebook failed, --out refused, interrupted (as a shell reports SIGINT).
EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``report`` sub-command's parser."""
    report = commands.add_parser(
        "report",
        help="execute the notebooks and export them as HTML pages",
        description="Execute every notebook in notebooks/ in a fresh kernel with the current code and "
        "export each to an offline HTML page, with index.html linking them. The full profile takes "
        "about 35 minutes on 2 idle cores, --quick about 4. Progress names the notebook and cell under "
        "way; a table of durations follows at the end.",
    )
    report.add_argument("--quick", action="store_true", help="the quick measurement profile (as CI runs it)")
    report.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder: absent, empty or a previous report (default: reports/ in the checkout)",
    )
    add_model_option(report)
    report.add_argument(
        "--recover",
        action="store_true",
        help="only put back a report that an interrupted run moved aside, and clean up; run nothing",
    )
    report.add_argument(
        "--history",
        choices=("local", "reference", "off"),
        default=None,
        help="where a full run's headline figures are appended: data/history/local/ (git-ignored, the "
        "default, or $EXPLORER_HISTORY), data/history/ (committed: the reference machine), or nowhere",
    )
    report.add_argument(
        "--store",
        action="store_true",
        help="from a clean tree: run every notebook once (quick profile), append the run to data/history/, "
        "write the executed notebooks back into notebooks/ and the README's figures, all from that run",
    )
    return report


def run(args: argparse.Namespace) -> int:
    """Build the report, then (full profile, today's grid) append its headline figures to the history."""
    from explorer.history import count_report_run, history_mode, record_report_run

    if args.store:
        return run_store(args)
    try:
        mode = history_mode(args.history)  # a bad $EXPLORER_HISTORY fails here, before any work
    except ValueError as error:
        print(f"report: {error} (from --history or $EXPLORER_HISTORY)", file=sys.stderr)
        return 2
    if args.model is not None and not checked_model(args.model, "report"):
        return 2
    started = time.time()
    code = run_report_command(
        args.out, profile="quick" if args.quick else "full", recover_only=args.recover, model=args.model
    )
    if code != 0 or args.recover:
        return code
    if not args.quick and args.model is None:  # the history follows today's grid only
        try:
            if mode != "off" and count_report_run("full") is None:
                print(
                    "history: valgrind is not installed, so no instruction counts are recorded",
                    file=sys.stderr,
                )
            recorded = record_report_run("full", started, mode)
        except ValueError as error:
            print(f"report: the pages are written, but the history was not: {error}", file=sys.stderr)
            return 1
        if recorded is not None:
            print(f"history: appended {recorded}")
    return 0


def run_store(args: argparse.Namespace) -> int:
    """``report --store`` (:mod:`explorer.report.store`): 0 stored, 2 refused, 1 a notebook failed."""
    from explorer.paths import ROOT
    from explorer.report.build import NotebookError
    from explorer.report.output import OutputError, ReportInterrupted
    from explorer.report.store import StoreRefused, store_outputs

    given = [f"--{name}" for name in ("model", "recover") if getattr(args, name)]
    given += [f"--history {args.history}"] if args.history not in (None, "reference") else []
    if given:
        print(
            f"report: --store takes no {', '.join(given)} (it stores the curated notebooks' quick run "
            "and records it in data/history/)",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    try:
        stored = store_outputs(args.out)
    except (StoreRefused, OutputError) as error:
        print(f"report --store: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except NotebookError as error:
        print(f"report --store failed: {error}\nNothing stored, no record kept.", file=sys.stderr)
        return EXIT_FAILED
    except ReportInterrupted as error:
        print(f"{error}; nothing stored, no record kept", file=sys.stderr)
        _exit_now(EXIT_INTERRUPTED)
    run = stored.run
    print(f"stored {len(stored.notebooks)} notebooks from run {run.run_id} of commit {run.commit[:12]}")
    print(f"history: appended {stored.record.relative_to(ROOT)}")
    if stored.readme is not None:
        print(f"readme: the headline table in {stored.readme.name} is this run's")
    print("commit them: git add notebooks/ data/history/ README.md")
    return EXIT_OK


def run_report_command(
    out: str | Path | None = None,
    *,
    profile: str = "full",
    recover_only: bool = False,
    notebooks: list[Path] | None = None,
    progress: bool = True,
    model: str | None = None,
) -> int:
    """Build the report into ``out`` (or with ``recover_only`` only recover it); returns the exit code.

    Errors are one line on stderr: a refused ``--out`` (2), a failed notebook (1), SIGINT or
    SIGTERM (130, "interrupted; previous report at DIR unchanged"; the process then exits at once,
    as the stopped kernel's sockets could hang a library's exit handler).
    """
    out = Path(out) if out is not None else REPORTS_DIR
    previous = None
    try:
        # Until the run installs its own handlers, SIGTERM stops the command as Ctrl-C would.
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        from explorer.report.build import NotebookError, build_report
        from explorer.report.output import (
            OutputError,
            ReportInterrupted,
            check_out_dir,
            holds_report,
            recover,
        )

        had_report = holds_report(out)  # before the run: a failed one leaves ``out`` as it found it

        try:
            if recover_only:
                done = recover(check_out_dir(out))
                print("\n".join(done) if done else f"nothing to recover at {out}")
                return EXIT_OK
            written = build_report(out, profile=profile, notebooks=notebooks, progress=progress, model=model)
        except OutputError as error:
            print(f"report: {error}", file=sys.stderr)
            return EXIT_REFUSED
        except ReportInterrupted as error:
            print(error, file=sys.stderr)
            _exit_now(EXIT_INTERRUPTED)
        except NotebookError as error:
            kept = f"The previous report in {out} is unchanged"
            if not had_report:
                kept = f"Nothing was written to {out}"
            print(f"report failed: {error}\n{kept}.", file=sys.stderr)
            return EXIT_FAILED
    except KeyboardInterrupt:
        # Before the run existed (imports, checks): nothing was written, ``out`` is as it was found.
        from explorer.report.output import holds_report

        state = f"previous report at {out} unchanged" if holds_report(out) else f"nothing written to {out}"
        print("interrupted; " + state, file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(f"wrote {len(written)} pages; open {written[-1]}")
    return EXIT_OK


def _exit_now(code: int) -> None:
    """Exit without running exit handlers: zmq and nbclient's would wait on the killed kernel."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
