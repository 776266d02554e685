"""``python -m explorer report``: the command's outcomes as exit codes and one-line messages."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from explorer.paths import REPORTS_DIR

#: Exit codes: done, a notebook failed, --out refused, interrupted (as a shell reports SIGINT).
EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130


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
        from explorer.report.output import OutputError, ReportInterrupted, check_out_dir, recover

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
            print(f"report failed: {error}\nThe previous report in {out} is unchanged.", file=sys.stderr)
            return EXIT_FAILED
    except KeyboardInterrupt:
        # Before the run existed (imports, checks): nothing was written.
        state = "previous report at {} unchanged" if out.exists() else "nothing written to {}"
        print("interrupted; " + state.format(out), file=sys.stderr)
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
