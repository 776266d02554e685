"""Measure the timing gates themselves: false-alarm rate on unchanged code, detection rate on slowdowns.

Not a test (pytest does not collect it; about 5 minutes): ``python tests/measure_gate_rates.py
[--runs 30] [--json data/gate_rates.json]``. Each gate runs ``--runs`` times on the code as it is,
then as often with a known slowdown injected (the lazy spawn done 2x and 3x per timing; the
population stepped 2x and 15x per timing), and the fraction of runs that failed is printed and
written with the machine's metadata (load included: other work on the machine makes this harsher).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from explorer.files import write_atomic
from explorer.guards.gates import gate_rates
from explorer.measure.results.metadata import machine_metadata
from explorer.paths import DATA_DIR

#: gate -> the slowdowns injected (1: unchanged code, its failures are false alarms).
SLOWDOWNS = {"spawn_floor": (1, 2, 3), "model_spawn_floor": (1, 2, 3), "population_speedup": (1, 2, 15)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per gate and slowdown (default 30)")
    parser.add_argument("--json", type=Path, default=DATA_DIR / "gate_rates.json", help="where to write")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be a positive integer, got {args.runs}")
    rows = []
    started = time.perf_counter()
    for name, slowdowns in SLOWDOWNS.items():
        for slowdown in slowdowns:
            t0 = time.perf_counter()
            results = gate_rates(name, runs=args.runs, slowdown=slowdown)
            ratios = [r.ratio for r in results]
            row = {
                "gate": name,
                "slowdown": slowdown,
                "runs": len(results),
                "failed": sum(r.failed for r in results),
                "fail_rate": sum(r.failed for r in results) / len(results),
                "limit": results[0].limit,
                "ratio_median": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
                "seconds_per_run": (time.perf_counter() - t0) / len(results),
            }
            rows.append(row)
            kind = "false alarms" if slowdown == 1 else f"detections of a {slowdown}x slowdown"
            print(
                f"{name:20} slowdown {slowdown:2}x: {row['failed']}/{row['runs']} {kind}; ratio median "
                f"{row['ratio_median']:.3g}x [{row['ratio_min']:.3g}-{row['ratio_max']:.3g}], "
                f"limit {row['limit']:g}x; {row['seconds_per_run']:.2f} s per run",
                flush=True,
            )
    metadata = machine_metadata() | {"duration_s": round(time.perf_counter() - started, 1)}
    write_atomic(args.json, json.dumps({"metadata": metadata, "rates": rows}, indent=1) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
