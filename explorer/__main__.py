"""Command line: ``python -m explorer {demo,bench,report}``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

#: The metrics ``bench --only`` accepts (explorer.measure.suite.MEASUREMENTS, without importing it).
BENCH_METRICS = (
    "import_time",
    "spawn_time",
    "memory_per_agent",
    "first_action_time",
    "step_time",
    "monitor_overhead",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per job."""
    parser = argparse.ArgumentParser(prog="python -m explorer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run one episode and compare eager and lazy spawn")
    demo.add_argument("--agents", type=_positive_int, default=1000, help="agents spawned per repeat")
    demo.set_defaults(run=_run_demo)

    bench = commands.add_parser("bench", help="measure import, spawn, memory, first action and steps")
    bench.add_argument("--quick", action="store_true", help="the quick profile (about a minute)")
    bench.add_argument("--json", type=Path, metavar="PATH", help="results JSON (default: data/results/)")
    bench.add_argument("--csv", type=Path, metavar="PATH", help="results CSV (default: data/results/)")
    bench.add_argument(
        "--only",
        action="append",
        choices=BENCH_METRICS,
        metavar="METRIC",
        help="run only METRIC (repeatable)",
    )
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.set_defaults(run=_run_bench)

    report = commands.add_parser("report", help="execute the notebooks and export them as HTML pages")
    report.add_argument("--quick", action="store_true", help="the quick measurement profile (as CI runs it)")
    report.add_argument(
        "--out", type=Path, default=None, help="output folder (default: reports/ in the checkout)"
    )
    report.add_argument(
        "--history",
        choices=("local", "reference", "off"),
        default=None,
        help="where a full run's headline figures are appended: data/history/local/ (git-ignored, the "
        "default, or $EXPLORER_HISTORY), data/history/ (committed: the reference machine), or nowhere",
    )
    report.set_defaults(run=_run_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


def _run_bench(args: argparse.Namespace) -> int:
    from explorer.measure.bench import run_bench

    return run_bench(args)


def _run_demo(args: argparse.Namespace) -> int:
    from explorer.demo import spawn_comparison, walk

    print(walk())
    print()
    print(spawn_comparison(args.agents))
    return 0


def _run_report(args: argparse.Namespace) -> int:
    from explorer.history import history_mode, record_report_run
    from explorer.paths import REPORTS_DIR
    from explorer.report import NotebookError, build_report

    out = args.out or REPORTS_DIR
    mode = history_mode(args.history)  # a bad $EXPLORER_HISTORY fails here, before any work
    started = time.time()
    try:
        written = build_report(out, profile="quick" if args.quick else "full")
    except NotebookError as error:
        print(f"report failed: {error}\nThe previous report in {out} is unchanged.", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} pages; open {written[-1]}")
    if not args.quick:
        recorded = record_report_run("full", started, mode)
        if recorded is not None:
            print(f"history: appended {recorded}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
