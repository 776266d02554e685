"""Command line: python -m explorer demo | bench | compare | report | sweep | lab | docs | readme (--help)."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

#: The metrics ``bench --only`` accepts (explorer.measure.harness.suite.MEASUREMENTS, without importing it).
BENCH_METRICS = (
    "import_time",
    "spawn_time",
    "memory_per_agent",
    "first_action_time",
    "step_time",
    "monitor_overhead",
    "population_throughput",
    "throughput_table",
    "model_throughput",
)

#: ``--model``'s help, shared by bench, compare and report.
MODEL_HELP = (
    "measure agents of your own explorer.Model: a function of no arguments returning it, as "
    "package.module:function, imported from the current directory or an installed package"
)


#: What ``python -m explorer --help`` says first (plain text: it is read in a terminal).
DESCRIPTION = """\
explorer measures how fast and how lean active-inference agents are: an eager agent (imports
pymdp and builds its model at spawn) beside a lazy one (spawning stores three fields; the first
step pays), each figure measured, with its spread, on this machine."""

#: What ``python -m explorer --help`` says last.
EPILOG = """\
Run it with the Python of the virtual environment you installed into, from the repository:
  .venv/bin/python -m explorer demo       a few seconds
  .venv/bin/python -m explorer report     about 6 minutes on 2 idle cores (--quick: about 4)
  .venv/bin/python -m explorer lab        JupyterLab on notebooks/, 00_explore open to explore
Each command has its own help: .venv/bin/python -m explorer bench --help"""

#: What each metric of ``bench --only`` measures, for ``bench --help``.
METRIC_HELP = {
    "import_time": "cold import in fresh processes, beside a bare interpreter (python -c pass)",
    "spawn_time": "the constructor alone, per agent, N = 1 to 10,000",
    "memory_per_agent": "bytes per agent (tracemalloc slope over N, RSS of fresh processes)",
    "first_action_time": "a fresh process's import + spawn + first step: the cost laziness moves",
    "step_time": "one warm step, steady state (and from it the cost of K steps)",
    "monitor_overhead": "the lifecycle hooks, disabled, against a hook-free copy",
    "population_throughput": "agent-steps/s of the population's engines side by side (sparse, dense, jax)",
    "throughput_table": "agent-steps/s and bytes per agent, every engine x task x n (quick: T-maze)",
    "model_throughput": "T-maze engines (numpy, numba, JAX, legacy loop): ratios, fraction of the limit",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="python -m explorer",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run one episode and compare eager and lazy spawn (a few seconds)",
        description="Walk one lazy agent through a 5x5 grid world with real pymdp inference and draw "
        "its path, then time the spawning of eager and lazy agents side by side.",
    )
    demo.add_argument(
        "--agents", type=_agent_count, default=1000, help="agents spawned per repeat (1 to 10,000)"
    )
    demo.set_defaults(run=_run_demo)

    bench = commands.add_parser(
        "bench",
        help="measure import, spawn, memory, first action and steps",
        description=textwrap.fill(
            "Measure the eager agent (before), the lazy agent (after) and the floor (a bare object "
            "with the same fields, or the bare interpreter), interleaved in one run. Prints a table "
            "of medians and ratios that fits 100 columns and writes every figure with its spread to "
            "JSON and CSV. The quick profile takes about a minute on 2 cores, the full one several.",
            width=80,
        ),
        epilog="metrics:\n" + "\n".join(f"  {name:<18} {text}" for name, text in METRIC_HELP.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench.add_argument("--quick", action="store_true", help="the quick profile (about a minute)")
    bench.add_argument("--json", type=Path, metavar="PATH", help="results JSON (default: data/results/)")
    bench.add_argument("--csv", type=Path, metavar="PATH", help="results CSV (default: data/results/)")
    bench.add_argument(
        "--only",
        action="append",
        choices=BENCH_METRICS,
        metavar="METRIC",
        help=f"run only METRIC (repeatable); one of: {', '.join(BENCH_METRICS)}",
    )
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.add_argument("--model", metavar="MODULE:FUNCTION", default=None, help=MODEL_HELP)
    bench.set_defaults(run=_run_bench)

    compare = commands.add_parser(
        "compare",
        help="before/after: two revisions, checkouts or results files, measured interleaved in one job",
        description="Measure BASE and HEAD (git revisions, checked out in temporary worktrees; checkout "
        "folders; or saved results .json files) interleaved in one job and print, per metric, both "
        "medians with 95% intervals, HEAD/BASE with its interval and a verdict. Exit 1 when a metric "
        "is significantly worse beyond --threshold, 0 otherwise, 2 on bad input. Writes JSON and a "
        "before/after HTML page. Metrics: import_time, spawn_time, step_time, population_throughput, "
        "memory_per_agent, first_action_time (not with --quick); for files, the history's headlines. "
        "With --counts: instructions counted under Valgrind per claim (spawn, import, steps), exact, "
        "so HEAD/BASE has no interval and the default threshold is 1%.",
    )
    compare.add_argument("base", metavar="BASE", help="git revision, checkout folder or results .json file")
    compare.add_argument(
        "head", metavar="HEAD", nargs="?", default=None, help="the same kinds (default: the working tree)"
    )
    compare.add_argument(
        "--only",
        action="append",
        metavar="METRIC",
        help="compare only METRIC (repeatable; names listed on error)",
    )
    compare.add_argument("--quick", action="store_true", help="fewer repeats, no fresh-process first action")
    compare.add_argument(
        "--counts",
        action="store_true",
        help="compare instructions counted under Valgrind (exact; default threshold 1%%) instead of timings; "
        "--only names claims",
    )
    compare.add_argument(
        "--threshold",
        type=_fraction,
        default=None,
        help="relative change a verdict needs beyond noise: 0.1 or 10%% (default 10%%; 1%% with --counts)",
    )
    compare.add_argument(
        "--json", type=Path, metavar="PATH", help="JSON (default: data/results/compare.json)"
    )
    compare.add_argument(
        "--html", type=Path, metavar="PATH", help="page (default: data/results/compare.html)"
    )
    compare.add_argument(
        "--venv", action="store_true", help="build a venv for a revision whose dependencies differ (slow)"
    )
    compare.add_argument("--model", metavar="MODULE:FUNCTION", default=None, help=MODEL_HELP)
    compare.set_defaults(run=_run_compare)

    report = commands.add_parser(
        "report",
        help="execute the notebooks and export them as HTML pages",
        description="Execute every notebook in notebooks/ in a fresh kernel with the current code and "
        "export each to an offline HTML page, with index.html linking them. The full profile takes "
        "about 6 minutes on 2 idle cores, --quick about 4. Progress names the notebook and cell under "
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
    report.add_argument("--model", metavar="MODULE:FUNCTION", default=None, help=MODEL_HELP)
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
    report.set_defaults(run=_run_report)

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
        "--workers", type=_positive_int, default=None, help="worker processes (default: one per core)"
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
    sweep.set_defaults(run=_run_sweep)

    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on notebooks/ to explore (00_explore first)",
        description="Start JupyterLab on notebooks/ with this environment's kernel, on 127.0.0.1 with a "
        "fresh token, and print its URL; it opens 00_explore.ipynb, where widgets change the world "
        "and show agents exploring it. Works as root; one Ctrl-C stops it and its kernels.",
    )
    lab.add_argument("--port", type=_port, default=None, help="port on 127.0.0.1 (default: 8888 if free)")
    lab.add_argument("--no-browser", action="store_true", help="print the URL, do not open a browser")
    lab.set_defaults(run=_run_lab)

    docs = commands.add_parser(
        "docs",
        help="build the docs site (guide, methodology, API reference) into site/ and say where it is",
        description="Build the docs site from docs/ and the docstrings (MkDocs, offline, warnings as errors) "
        "into site/ in the checkout and print the page to open; --serve serves it on 127.0.0.1 instead, "
        "rebuilding on every change.",
    )
    docs.add_argument("--serve", action="store_true", help="serve on 127.0.0.1 until Ctrl-C, rebuilding")
    docs.add_argument("--port", type=_port, default=8000, help="port for --serve (default: 8000)")
    docs.set_defaults(run=_run_docs)

    readme = commands.add_parser(
        "readme",
        help="regenerate the README's table of headline figures from the newest reference history record",
        description="Rewrite the table between the README's markers from the newest record in data/history/ "
        "(the reference machine's, not local/), atomically; everything else in the README is kept.",
    )
    readme.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when the table is not the record's"
    )
    readme.set_defaults(run=_run_readme)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except OSError as error:
        from explorer.files import WriteFailed

        if not isinstance(error, WriteFailed):
            raise
        print(f"{args.command}: {error}", file=sys.stderr)  # one line: the path, why, where the data is
        return 2


def _run_bench(args: argparse.Namespace) -> int:
    from explorer.commands.bench import run_bench

    if args.model is not None and not checked_model(args.model, "bench"):
        return 2
    return run_bench(args)


def checked_model(path: str, command: str) -> bool:
    """Whether ``--model path`` builds a Model; if not, says why on stderr (the factory's traceback once)."""
    import traceback

    from explorer.measure.harness.factories import FactoryFailed, FactoryNotFound, build

    try:
        build(path)
    except FactoryNotFound as error:
        print(f"{command}: --model: {error}", file=sys.stderr)
        return False
    except FactoryFailed as error:
        cause = error.__cause__
        traceback.print_exception(type(cause), cause, cause.__traceback__, file=sys.stderr)
        print(f"{command}: --model: {error}", file=sys.stderr)
        return False
    return True


def _run_demo(args: argparse.Namespace) -> int:
    from explorer.demo import spawn_comparison, walk

    print(walk())
    print()
    print(spawn_comparison(args.agents))
    return 0


def _run_report(args: argparse.Namespace) -> int:
    from explorer.history import count_report_run, history_mode, record_report_run
    from explorer.report.command import run_report_command

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


def _run_compare(args: argparse.Namespace) -> int:
    from explorer.compare import CompareInputError, compare, plan
    from explorer.compare.output import table

    if args.model is not None and not checked_model(args.model, "compare"):
        return 2
    try:
        checked = plan(
            args.base,
            args.head,
            only=args.only,
            quick=args.quick,
            threshold=args.threshold,
            json_path=args.json,
            html_path=args.html,
            build_venv=args.venv,
            model=args.model,
            counts=args.counts,
        )
    except CompareInputError as error:
        print(f"compare: {error}", file=sys.stderr)
        return 2
    for role, source, environment in zip(
        ("BASE", "HEAD"), (checked.base, checked.head), checked.environments, strict=True
    ):
        how = {"same": "", "satisfied": "; other dependencies, all satisfied by this environment: reused"}
        commit = f" {source.commit[:12]}" if source.commit else ""
        print(f"{role} {source.label} ({source.kind}{commit}{how.get(environment, '; own venv')})")

    def progress(metric: str, done: int, total: int) -> None:
        if done == total:
            print(f"  {metric}: {total} interleaved repeats done", flush=True)

    try:
        result = compare(checked, progress)
    except KeyboardInterrupt:
        print("compare: interrupted; its temporary worktrees were removed", file=sys.stderr)
        return 130
    print(table(result.verdicts))
    print(result.document["method"])
    print("wrote " + ", ".join(str(p) for p in result.written))
    if result.regressed:
        worse = [v.metric for v in result.verdicts if v.regressed]
        print(f"REGRESSION beyond {checked.threshold:.0%}: {', '.join(worse)}", file=sys.stderr)
        return 1
    return 0


def _fraction(text: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.1 or 10%, got {text!r}") from None
    if not 0 < value < 10:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 10) such as 0.1 or 10%, got {text!r}")
    return value


def _run_sweep(args: argparse.Namespace) -> int:
    from explorer.sweeps.command import run_sweep_command

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


def _run_lab(args: argparse.Namespace) -> int:
    from explorer.lab import run_lab

    return run_lab(args.port, open_browser=not args.no_browser)


def _run_docs(args: argparse.Namespace) -> int:
    from explorer.docs import SITE_DIR, build_site, serve_site

    if args.serve:
        return serve_site(args.port)
    started = time.perf_counter()
    try:
        index = build_site(SITE_DIR)
    except RuntimeError as error:
        print(f"docs: {error}", file=sys.stderr)
        return 1
    print(f"docs: built in {time.perf_counter() - started:.1f} s; open {index}")
    return 0


def _run_readme(args: argparse.Namespace) -> int:
    from explorer.readme import README, current_table, readme_table, update_readme

    if args.check:
        current = readme_table(README.read_text(encoding="utf-8")) == current_table()
        print(f"readme: the table {'matches' if current else 'does not match'} the newest reference record")
        return 0 if current else 1
    changed = update_readme()
    print(f"readme: {'rewrote' if changed else 'already current:'} the table in {README.name}")
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _agent_count(text: str) -> int:
    from explorer.demo import MAX_AGENTS

    value = _positive_int(text)
    if value > MAX_AGENTS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_AGENTS:,} agents (eager ones take about 0.4 ms and 5.5 KiB each, "
            f"spawned 5 times), got {text!r}"
        )
    return value


if __name__ == "__main__":
    sys.exit(main())
