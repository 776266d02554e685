"""Results files: the JSON shape of the issue, round trips, and atomic writes."""

import json
import math
import tempfile

import pytest

from explorer import files
from explorer.measure.results.stats import failed, frame, summarize
from explorer.measure.results.storage import REQUIRED_KEYS, load_results, save_results


def results():
    rows = [
        summarize([1e-6, 2e-6, 3e-6], metric="spawn_time", variant="lazy", n=10, unit="s"),
        failed(metric="import_time", variant="eager", n=1, unit="s", repeats=7, error="ImportError: x"),
    ]
    return frame(rows, {"python": "3.11", "git_commit": None, "cpu_count": 2})


@pytest.fixture(autouse=True)
def run_id(monkeypatch):
    monkeypatch.setenv("EXPLORER_RUN_ID", "test-run-1")


def test_json_has_metadata_and_results_with_the_required_keys(tmp_path):
    path = tmp_path / "r.json"
    save_results(results(), json_path=path)
    document = json.loads(path.read_text())
    assert set(document) == {"metadata", "results"}
    meta = {"python": "3.11", "git_commit": None, "cpu_count": 2, "run_id": "test-run-1"}
    assert document["metadata"] == meta
    for record in document["results"]:
        assert set(REQUIRED_KEYS) <= set(record)
    assert document["results"][1]["median"] is None  # NaN is stored as null, not 0
    assert document["results"][1]["error"] == "ImportError: x"


def test_json_round_trip_restores_values_nan_and_attrs(tmp_path):
    path = tmp_path / "r.json"
    save_results(results(), json_path=path)
    loaded = load_results(path)
    assert loaded.attrs == {"python": "3.11", "git_commit": None, "cpu_count": 2, "run_id": "test-run-1"}
    assert loaded.loc[0, "median"] == 2e-6
    assert math.isnan(loaded.loc[1, "median"]) and loaded.loc[1, "error"] == "ImportError: x"
    assert loaded.loc[0, "error"] == ""


def test_csv_round_trip_keeps_rows(tmp_path):
    path = tmp_path / "r.csv"
    save_results(results(), csv_path=path)
    loaded = load_results(path)
    assert list(loaded["metric"]) == ["spawn_time", "import_time"]
    assert math.isnan(loaded.loc[1, "max"]) and loaded.loc[0, "repeats"] == 3
    assert loaded.attrs == {"run_id": "test-run-1"}  # every results file carries its run id


def test_failed_write_leaves_the_previous_file_intact(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("system-temp")))  # kept data
    path = tmp_path / "r.json"
    save_results(results(), json_path=path)
    before = path.read_text()

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        save_results(results().iloc[:1], json_path=path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left behind


def test_unserializable_metadata_raises_before_touching_the_file(tmp_path):
    path = tmp_path / "r.json"
    save_results(results(), json_path=path)
    before = path.read_text()
    bad = results()
    bad.attrs["when"] = object()
    with pytest.raises(TypeError):
        save_results(bad, json_path=path)
    assert path.read_text() == before


def test_save_needs_a_path():
    with pytest.raises(ValueError, match="json_path or csv_path"):
        save_results(results())


def test_the_committed_baseline_loads_with_every_metric_and_its_metadata():
    from explorer.paths import DATA_DIR

    baseline = load_results(DATA_DIR / "baseline.json")
    metrics = {"import_time", "spawn_time", "memory_per_agent", "first_action_time", "step_time"}
    assert metrics <= set(baseline["metric"])
    assert {"eager", "lazy", "floor"} <= set(baseline["variant"])
    assert baseline.attrs["profile"] in ("quick", "full") and baseline.attrs["git_commit"]
