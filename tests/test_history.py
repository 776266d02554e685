"""The history store (explorer/history.py): records, appends, loading, and asv's steps on a fixture."""

import json
import os
from pathlib import Path

import pytest

from explorer import history
from explorer.measure import load_results
from explorer.paths import DATA_DIR

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "history"


@pytest.fixture
def baseline():
    return load_results(DATA_DIR / "baseline.json")


def test_headline_figures_pick_the_rows_they_name(baseline):
    figures = history.headline_figures(baseline)
    row = baseline[(baseline["metric"] == "spawn_time") & (baseline["variant"] == "lazy")]
    assert figures["spawn_lazy"]["median"] == row.loc[row["n"].idxmax(), "median"]
    assert figures["spawn_lazy"]["n"] == 10000
    assert figures["memory_lazy"]["unit"] == "B" and figures["memory_lazy"]["better"] == "lower"
    assert "population_speedup" not in figures  # the bench does not measure it


def test_a_record_carries_run_commit_dirty_machine_and_load(baseline):
    record = history.history_record(baseline, baseline.attrs, source="bench")
    assert record["commit"] == baseline.attrs["git_commit"]
    assert record["dirty"] is False
    assert record["load_average_1_5_15"] == baseline.attrs["load_average_1_5_15"]
    assert record["machine"]["cpu_count"] == baseline.attrs["cpu_count"]
    assert record["machine_id"] == history.machine_id(record["machine"])
    assert record["run_id"].endswith(baseline.attrs["git_commit"][:8])


def test_a_record_needs_a_headline(baseline):
    with pytest.raises(ValueError, match="at least one headline"):
        history.history_record(baseline[baseline["metric"] == "monitor_overhead"], baseline.attrs)


def test_append_goes_to_the_ignored_local_folder_by_default_and_never_overwrites(tmp_path, baseline):
    record = history.history_record(baseline, baseline.attrs)
    first = history.append_record(record, folder=tmp_path)
    second = history.append_record(record, folder=tmp_path)
    assert first.parent == tmp_path / "local" and first != second
    assert json.loads(first.read_text()) == record
    assert history.append_record(record, "reference", tmp_path).parent == tmp_path
    assert history.append_record(record, "off", tmp_path) is None
    assert len(history.load_history(tmp_path).drop_duplicates("run_id")) == 1  # one run id, three files


def test_the_local_folder_is_git_ignored():
    assert "data/history/local/" in (DATA_DIR.parent / ".gitignore").read_text().splitlines()


def test_history_mode_comes_from_the_argument_or_the_environment(monkeypatch):
    monkeypatch.setenv("EXPLORER_HISTORY", "reference")
    assert history.history_mode() == "reference"
    assert history.history_mode("off") == "off"
    monkeypatch.setenv("EXPLORER_HISTORY", "everywhere")
    with pytest.raises(ValueError, match="history mode must be one of"):
        history.history_mode()


def test_load_history_reads_the_fixture_in_time_order():
    runs = history.load_history(FIXTURE)
    assert runs["run_id"].nunique() == 16 and runs["machine_id"].nunique() == 2
    assert runs["utc_time"].is_monotonic_increasing
    with pytest.raises(ValueError, match="existing history folder"):
        history.load_history(FIXTURE / "missing")


def test_asv_finds_the_fixtures_known_steps_with_their_direction():
    steps = history.history_steps(history.load_history(FIXTURE))
    found = {(s.headline, s.after_commit, s.change, round(s.ratio, 2)) for s in steps.itertuples()}
    assert found == {
        ("memory_lazy", "03abcdef", "improved", 0.8),
        ("population_speedup", "06abcdef", "regressed", 0.5),
        ("spawn_lazy", "05abcdef", "regressed", 1.99),
        ("instructions_spawn_lazy", "04abcdef", "regressed", 1.01),
    }
    assert "import_lazy" not in set(steps["headline"])  # flat within its +-2% noise
    # the 1% step at commit 4 is in the spawn timings too, but within their noise: only the count shows it
    assert "04abcdef" not in set(steps[steps["headline"] == "spawn_lazy"]["after_commit"])
    assert "instructions_population_step_dense" not in set(steps["headline"])


def quick_after_full(folder: Path, factor: float = 1.5, levels: dict | None = None) -> Path:
    """Machine A's first four fixture runs (``full``), then ``quick`` runs of the same four commits.

    A quick run measures smaller n with fewer repeats: every figure reads ``factor`` times the full
    one (``levels`` sets a headline's full and quick medians instead).
    """
    folder.mkdir()
    for path in sorted(FIXTURE.glob("*-0ae6f989.json"))[:4]:
        record = json.loads(path.read_text())
        if levels:
            record["figures"] = {name: dict(record["figures"]["import_lazy"], median=full)
                                 for name, (full, _) in levels.items()}  # fmt: skip
        (folder / path.name).write_text(json.dumps(record))
        quick = dict(record, profile="quick", run_id=record["run_id"] + "-quick")
        quick["utc_time"] = record["utc_time"].replace("2026-01-0", "2026-02-0")
        quick["figures"] = {
            name: dict(figure, median=levels[name][1] if levels else figure["median"] * factor)
            for name, figure in record["figures"].items()
        }
        (folder / f"quick-{path.name}").write_text(json.dumps(quick))
    return folder


def test_a_quick_and_a_full_record_of_the_same_code_show_no_step(tmp_path):
    both = history.load_history(quick_after_full(tmp_path / "history"))
    assert set(both["profile"]) == {"full", "quick"} and both["commit"].nunique() == 4
    steps = history.history_steps(both)
    # each profile is its own series: the full/quick switch (figures x1.5) is no step; the fixture's
    # own steps within the first four commits (memory at 3, the lazy spawn's count at 4) are found
    # in each profile, and nothing else
    found = {(s.headline, s.profile, s.after_commit, s.change) for s in steps.itertuples()}
    assert found == {
        (headline, profile, commit, "regressed" if headline.startswith("instructions") else "improved")
        for headline, commit in (("memory_lazy", "03abcdef"), ("instructions_spawn_lazy", "04abcdef"))
        for profile in ("full", "quick")
    }


def test_a_level_at_or_below_zero_has_no_ratio(tmp_path):
    # import time above the bare interpreter: 2 ms, then -8 ms (noise around the floor)
    runs = history.load_history(quick_after_full(tmp_path / "history", levels={"import_lazy": (2e-3, 2e-3)}))
    runs.loc[runs["utc_time"] > runs["utc_time"].iloc[3], "profile"] = "full"
    runs.loc[runs["utc_time"] > runs["utc_time"].iloc[3], "median"] = -8e-3
    steps = history.history_steps(runs)
    assert list(steps["change"]) == ["not comparable"] and steps["ratio"].isna().all()


def test_instruction_counts_are_headlines_of_the_history():
    from explorer.measure.instruments.counts import METHOD
    from explorer.measure.results.stats import frame, summarize

    rows = [
        summarize([2733.675], metric="instructions", variant="lazy", n=1000, unit="instructions",
                  method=METHOD, stage="constructor"),
        summarize([1.3176], metric="instructions_ratio", variant="floor", n=1000, unit="x", method=METHOD,
                  stage="constructor"),
    ]  # fmt: skip
    figures = history.headline_figures(frame(rows))
    assert figures == {
        "instructions_spawn_lazy": {"median": 2733.675, "q1": 2733.675, "q3": 2733.675, "n": 1000,
                                    "unit": "instructions", "better": "lower"}
    }  # fmt: skip


def test_a_report_run_without_fresh_results_is_refused(monkeypatch):
    monkeypatch.setattr("explorer.measure.results.run_files.latest_run_id", lambda: None)
    with pytest.raises(ValueError, match="no results file was written"):
        history.record_report_run("full", started=0.0, mode="local")


def test_a_report_run_is_recorded_from_its_runs_results(monkeypatch, tmp_path, baseline):
    from explorer.measure.results import run_files as runs

    monkeypatch.setattr(runs, "RUNS_DIR", tmp_path / "runs")
    monkeypatch.setattr(runs, "LATEST", tmp_path / "latest_run")
    monkeypatch.setattr(runs, "latest_run_id", lambda: "20261125T184501Z-3fa2")
    monkeypatch.setattr(history, "HISTORY_DIR", tmp_path / "history")
    monkeypatch.setattr(history.append_record, "__defaults__", ("local", tmp_path / "history"))
    saved = runs.save_run(baseline, "spawn_time", profile="full", run_id="20261125T184501Z-3fa2")
    assert saved.is_relative_to(tmp_path)
    written = history.record_report_run("full", started=0.0, mode="local")
    assert written.parent == tmp_path / "history" / "local"
    assert json.loads(written.read_text())["run_id"] == "20261125T184501Z-3fa2"


def test_pytest_points_notebooks_at_the_fixture_history():
    assert Path(os.environ["EXPLORER_HISTORY_DIR"]) == FIXTURE


def test_report_refuses_a_bad_history_mode_before_any_work(monkeypatch, capsys, tmp_path):
    from explorer.__main__ import main

    monkeypatch.setenv("EXPLORER_HISTORY", "everywhere")
    assert main(["report", "--out", str(tmp_path / "out")]) == 2
    assert "history mode must be one of" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_lanes_engines_targets_are_headlines_of_the_history():
    import pandas as pd

    rows = [
        ("population_throughput", "population", "steady", 10_000, 7.5e6, "agent-steps/s"),
        ("population_throughput", "population", "steady", 100_000, 1.55e7, "agent-steps/s"),
        ("population_throughput", "population_dense", "steady", 100_000, 9.7e5, "agent-steps/s"),
        ("population_throughput", "population", "speedup_over_dense", 100_000, 15.5, "x"),
        ("thread_speedup", "population", "threads=2", 100_000, 1.8, "x"),
    ]
    results = pd.DataFrame(rows, columns=["metric", "variant", "stage", "n", "median", "unit"])
    results["method"] = "warm"
    figures = history.headline_figures(results)
    assert figures["lanes_throughput"]["median"] == 1.55e7  # the largest n measured
    assert figures["lanes_throughput"]["better"] == "higher"
    assert figures["lanes_over_dense"]["median"] == 15.5
    assert figures["lanes_two_threads"]["median"] == 1.8
