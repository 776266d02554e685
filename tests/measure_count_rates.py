"""Measure the instruction-count gates: false alarms on unchanged code, detection of small regressions.

Not a test (pytest does not collect it; tens of minutes on 2 cores): ``python
tests/measure_count_rates.py [--runs 30] [--timing-runs K] [--json data/count_rates.json]``. Each
run counts the claims again in fresh processes and checks them against their budgets
(explorer/guards/budgets.py): on the code as it is (a failure is a false alarm), with one extra
local assignment in the lazy constructor (about +2%), and with the dense population step normalizing
its posteriors twice (an extra sum and division pass, about +3%). The same patched copies then go
through the timing gates (tests/test_perf_gates.py) in the first ``K`` runs (default: every run), to
show what timing catches of such changes: timings need the machine, counts do not. The JSON is
written again after every case, so a run cut short keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from explorer.files import write_atomic
from explorer.guards.budgets import BUDGETS
from explorer.measure.harness.cachegrind import valgrind_version
from explorer.measure.instruments.counts import CLAIMS, instruction_counts
from explorer.measure.results.metadata import machine_metadata
from explorer.paths import DATA_DIR, ROOT

#: The claims counted on unchanged code in every run: those pytest counts in CI (the ones importing
#: pymdp or numba cost 25-60 s of CPU a process under Valgrind).
UNCHANGED = [name for name, claim in CLAIMS.items() if not claim.heavy]
_NORMALIZE = "        qs /= qs.sum(axis=1, keepdims=True)"
_PRIOR_EPS = "        np.add(prior, LOG_EPS, out=qs)"
#: name -> (module patched, line after which the code goes, the code, claims counted, timing gate)
REGRESSIONS = {
    "lazy_constructor_+2%": (
        "agents.py", "        self._pymdp = None", "        kind = name", ["spawn_lazy"], "spawn_floor",
    ),
    "dense_step_normalized_twice_+3%": (
        "population/dense.py", _PRIOR_EPS, _NORMALIZE, ["population_step_dense"], "population_speedup",
    ),
}  # fmt: skip
_GATE = (
    "import json\nfrom explorer.guards.gates import GATES\nr = GATES[{gate!r}]()\n"
    "print(json.dumps({{'failed': r.failed, 'ratio': r.ratio}}))"
)


def patched(folder: Path, module: str, after: str, code: str) -> Path:
    """A copy of the checkout's ``explorer`` in ``folder`` with ``code`` inserted after the line ``after``."""
    shutil.copytree(ROOT / "explorer", folder / "explorer", ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / "explorer" / module
    text = path.read_text()
    if after not in text:
        raise SystemExit(f"{module} no longer has the line {after!r}: update this script's regression")
    path.write_text(text.replace(after, f"{after}\n{code}", 1))
    return folder


def gate_failures(claims: list[str], root: Path) -> tuple[list[str], dict[str, float]]:
    """The claims over budget in one counting run of ``root``, and every count."""
    frame = instruction_counts(claims, root=root)
    rows = frame[frame["metric"].isin(["instructions", "instructions_ratio"])]
    figures = dict(zip(rows["claim"], rows["median"], strict=True))
    over = [name for name, value in figures.items() if not value <= BUDGETS[f"instructions_{name}"].limit]
    return over, figures


def timing_gate(gate: str, root: Path) -> dict:
    """One run of timing gate ``gate`` on the code in ``root`` (a fresh process started there)."""
    result = subprocess.run(
        [sys.executable, "-c", _GATE.format(gate=gate)], cwd=root, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per case (default 30)")
    parser.add_argument("--json", type=Path, default=DATA_DIR / "count_rates.json", help="where to write")
    parser.add_argument(
        "--timing-runs", type=int, default=None, help="runs that also time the patched copies (default: all)"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be a positive integer, got {args.runs}")
    timing_runs = args.runs if args.timing_runs is None else args.timing_runs
    if timing_runs < 0:
        parser.error(f"--timing-runs must be 0 or more, got {args.timing_runs}")
    started = time.perf_counter()
    command = " ".join(["python", "tests/measure_count_rates.py", *sys.argv[1:]])
    outcomes: dict[tuple[str, str], list[bool]] = {}
    values: dict[tuple[str, str], list[float]] = {}
    seconds: dict[tuple[str, str], float] = {}

    def add(case: str, mechanism: str, failed: bool, value: float, since: float) -> None:
        outcomes.setdefault((case, mechanism), []).append(failed)
        values.setdefault((case, mechanism), []).append(value)
        seconds[(case, mechanism)] = seconds.get((case, mechanism), 0.0) + time.perf_counter() - since

    def rows() -> list[dict]:
        found = []
        for key, failures in outcomes.items():
            seen = values[key]
            found.append(
                {"case": key[0], "mechanism": key[1], "runs": len(failures), "failed": sum(failures),
                 "distinct_values": len(set(seen)), "value_min": min(seen), "value_max": max(seen),
                 "seconds_per_run": seconds[key] / len(failures)}
            )  # fmt: skip
        return found

    with tempfile.TemporaryDirectory(prefix="explorer-rates-") as folder:
        roots = {case: patched(Path(folder) / case, *spec[:3]) for case, spec in REGRESSIONS.items()}
        # the cases interleaved run by run, the file rewritten after each: a run cut short keeps its rates
        for run in range(args.runs):
            t0 = time.perf_counter()
            over, figures = gate_failures(UNCHANGED, ROOT)
            for claim in figures:  # the ratio lazy/floor too
                add("unchanged", f"counts: {claim}", claim in over, figures[claim], t0)
            for case, (_, _, _, claims, gate) in REGRESSIONS.items():
                t0 = time.perf_counter()
                over, figures = gate_failures(claims, roots[case])
                today = BUDGETS[f"instructions_{claims[0]}"].today
                add(case, f"counts: {claims[0]} (x today)", claims[0] in over, figures[claims[0]] / today, t0)
                if run < timing_runs:
                    t0 = time.perf_counter()
                    result = timing_gate(gate, roots[case])
                    add(case, f"timing gate {gate} (ratio)", result["failed"], result["ratio"], t0)
            metadata = machine_metadata() | {"valgrind": valgrind_version(), "command": command}
            document = {"metadata": metadata, "rates": rows()}
            write_atomic(args.json, json.dumps(document, indent=1) + "\n")
            print(f"run {run + 1}/{args.runs} done", flush=True)
    for row in rows():
        print(
            f"{row['case']:32} {row['mechanism']:42} failed {row['failed']}/{row['runs']}; "
            f"{row['distinct_values']} distinct value(s) [{row['value_min']:.6g}-{row['value_max']:.6g}]"
        )
    result_rows = rows()
    metadata = machine_metadata() | {"duration_s": round(time.perf_counter() - started, 1)}
    metadata |= {"valgrind": valgrind_version(), "command": command}
    write_atomic(args.json, json.dumps({"metadata": metadata, "rates": result_rows}, indent=1) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
