"""``python -m explorer bench``: argparse errors exit 2; a small real run writes JSON and CSV."""

import json
import subprocess
import sys

import pandas as pd

from explorer.__main__ import main
from explorer.commands.bench import METRICS as BENCH_METRICS
from explorer.commands.bench import error_counts
from explorer.measure.suite import MEASUREMENTS


def test_bad_option_exits_2_with_argparses_message():
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "bench", "--bogus"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_unknown_metric_exits_2_naming_the_choices():
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "bench", "--only", "speed"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "invalid choice: 'speed'" in result.stderr


def test_cli_metric_names_match_the_suite():
    assert set(BENCH_METRICS) == set(MEASUREMENTS)


def test_bench_quick_writes_the_json_shape_and_csv(tmp_path, capsys):
    json_path, csv_path = tmp_path / "out" / "bench.json", tmp_path / "bench.csv"
    code = main(
        [
            "bench",
            "--quick",
            "--only",
            "spawn_time",
            "--json",
            str(json_path),
            "--csv",
            str(csv_path),
            "--no-progress",
        ]
    )
    assert code == 0
    document = json.loads(json_path.read_text())
    assert set(document) == {"metadata", "results"}
    for key in ("python", "numpy", "pymdp", "jax", "cpu_model", "cpu_count", "git_commit", "utc_time"):
        assert key in document["metadata"]
    required = {"metric", "variant", "n", "median", "min", "max", "unit", "repeats"}
    assert all(required <= set(record) for record in document["results"])
    assert {r["metric"] for r in document["results"]} == {"spawn_time"}
    assert {r["variant"] for r in document["results"]} == {"eager", "lazy", "floor", "population"}
    assert all(r["unit"] == "s" and r["repeats"] == 5 for r in document["results"])
    assert len(pd.read_csv(csv_path)) == len(document["results"])
    out = capsys.readouterr().out
    assert "spawn_time" in out and "lazy/floor" in out and f"wrote {json_path}" in out


def test_rows_left_out_by_design_are_not_counted_as_failures():
    from explorer.measure.results.stats import error_text, failed, frame, summarize

    common = {"metric": "throughput_table", "unit": "agent-steps/s", "stage": "mymodel.build", "repeats": 3}
    rows = [
        summarize([224.0], metric="throughput_table", unit="agent-steps/s", variant="lazy", n=100),
        failed(**common, variant="lazy", n=1000, error="not measured: per-object loops run up to n = 100"),
        failed(**common, variant="sparse", n=100, error="not run: grid worlds only"),
        failed(**common, variant="jax", n=100_000, error=error_text(MemoryError("above the limit"))),
        failed(**common, variant="numba", n=100, error=error_text(RuntimeError("the kernel broke"))),
    ]
    assert error_counts(frame(rows)) == (1, 3)  # only the RuntimeError failed
