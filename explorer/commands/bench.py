"""``python -m explorer bench``: run the suite, print the before/after table, save JSON and CSV."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from explorer.files import check_output_file
from explorer.measure.harness.factories import name_of
from explorer.measure.harness.suite import run_suite
from explorer.measure.reading.tables import TABLE_WIDTH, render
from explorer.measure.results.storage import save_results
from explorer.paths import RESULTS_DIR


def check_outputs(json_path: Path, csv_path: Path) -> tuple[Path, Path]:
    """Both output paths, checked before any measurement: files we may write, and not the same file."""
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
    failures = results[results["error"] != ""]
    if len(failures):
        print(f"{len(failures)} measurement rows failed (NaN, see the 'error' column)")
    return 0
