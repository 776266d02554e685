"""``python -m explorer bench``: run the suite, print the before/after table, save JSON and CSV."""

from __future__ import annotations

import argparse
import textwrap

from explorer.measure.comparison import TABLE_WIDTH, render
from explorer.measure.results import save_results
from explorer.measure.suite import run_suite
from explorer.paths import RESULTS_DIR


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark described by the parsed ``args``; writes results atomically."""
    profile = "quick" if args.quick else "full"
    only = tuple(args.only) if args.only else None
    results = run_suite(profile, only=only, progress=not args.no_progress)
    json_path = args.json or RESULTS_DIR / f"bench_{profile}.json"
    csv_path = args.csv or RESULTS_DIR / f"bench_{profile}.csv"
    written = save_results(results, json_path=json_path, csv_path=csv_path)
    meta = results.attrs
    commit = (meta["git_commit"] or "no git checkout")[:10] + (" (dirty)" if meta.get("git_dirty") else "")
    print(
        textwrap.fill(
            f"explorer bench ({profile}): {meta['duration_s']:.1f} s on {meta['cpu_count']} x "
            f"{meta['cpu_model']}, Python {meta['python']}, pymdp {meta['pymdp']}, commit {commit}",
            TABLE_WIDTH,
        )
    )
    print()
    print(render(results))
    print()
    for path in written:
        print(f"wrote {path}")
    failures = results[results["error"] != ""]
    if len(failures):
        print(f"{len(failures)} measurement rows failed (NaN, see the 'error' column)")
    return 0
