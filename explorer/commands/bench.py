"""``python -m explorer bench``: run the suite, print the before/after table, save JSON and CSV."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from explorer.commands.options import add_model_option, checked_model

#: The metrics ``bench --only`` accepts (explorer.measure.suite.MEASUREMENTS, without importing it).
METRICS = (
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


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``bench`` sub-command's parser."""
    bench = commands.add_parser(
        "bench",
        help="measure import, spawn, memory, first action and steps",
        description=textwrap.fill(
            "Measure the eager agent (before), the lazy agent (after) and the floor (a bare object "
            "with the same fields, or the bare interpreter), interleaved in one run. Prints a table "
            "of medians and ratios and one of the engines' agent-steps per second, each within 100 "
            "columns, and writes every figure with its spread to JSON and CSV. The quick profile "
            "takes about a minute on 2 cores, the full one several.",
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
        choices=METRICS,
        metavar="METRIC",
        help=f"run only METRIC (repeatable); one of: {', '.join(METRICS)}",
    )
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_model_option(bench)
    return bench


def run(args: argparse.Namespace) -> int:
    """Check ``--model`` (exit 2 if it builds no Model), then run the benchmark."""
    if args.model is not None and not checked_model(args.model, "bench"):
        return 2
    return run_bench(args)


def check_outputs(json_path: Path, csv_path: Path) -> tuple[Path, Path]:
    """Both output paths, checked before any measurement: files we may write, and not the same file."""
    from explorer.files import check_output_file

    json_path = check_output_file(json_path, "--json")
    csv_path = check_output_file(csv_path, "--csv")
    if os.path.realpath(json_path) == os.path.realpath(csv_path):
        raise ValueError(f"--json and --csv name the same file {str(json_path)!r}; give two paths")
    return json_path, csv_path


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark described by the parsed ``args``; writes results atomically.

    A write that fails raises :class:`explorer.files.WriteFailed` (the command line prints its one
    line and exits 2), the results kept where it says.
    """
    from explorer.measure.harness.factories import name_of
    from explorer.measure.reading.tables import TABLE_WIDTH, render
    from explorer.measure.results.storage import save_results
    from explorer.measure.suite import run_suite
    from explorer.paths import RESULTS_DIR

    profile = "quick" if args.quick else "full"
    only = tuple(dict.fromkeys(args.only)) if args.only else None  # --only M --only M measures M once
    model = getattr(args, "model", None)
    stem = f"bench_{profile}" + (f"_{name_of(model)}" if model else "")
    try:
        json_path, csv_path = check_outputs(
            args.json or RESULTS_DIR / f"{stem}.json", args.csv or RESULTS_DIR / f"{stem}.csv"
        )
    except ValueError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    results = run_suite(profile, only=only, progress=not args.no_progress, model=model)
    meta = results.attrs
    commit = (meta["git_commit"] or "no git checkout")[:10] + (" (dirty)" if meta.get("git_dirty") else "")
    print(
        textwrap.fill(
            f"explorer bench ({profile}{', model ' + model if model else ''}): "
            f"{meta['duration_s']:.1f} s on {meta['cpu_count']} x "
            f"{meta['cpu_model']}, Python {meta['python']}, pymdp {meta['pymdp']}, commit {commit}",
            TABLE_WIDTH,
        )
    )
    print()
    print(render(results), flush=True)  # shown before writing: a failed write keeps them elsewhere
    print()
    written = save_results(results, json_path=json_path, csv_path=csv_path)
    for path in written:
        print(f"wrote {path}")
    failed, skipped = error_counts(results)
    if failed:
        print(f"{failed} measurement rows failed (NaN, see the 'error' column)")
    if skipped:
        print(f"{skipped} rows left out by design (the 'error' column says why)")
    return 0


def error_counts(results) -> tuple[int, int]:
    """Rows that failed, and rows left out by design (an engine that does not apply to a task, a loop of
    per-object agents above its small n, an n over the memory limit, beliefs that part), which are no
    failure: one reading of an error for the bench, the tables and the notebooks."""
    from explorer.measure.reading.throughput import left_out_by_design

    by_design = left_out_by_design(results["error"])
    errors = results["error"].fillna("").astype(str) != ""
    return int((errors & ~by_design).sum()), int(by_design.sum())
