"""Runs: every results file carries a run id, and a summary reads only one run's results."""

import pytest

from explorer.measure.results import run_files as runs
from explorer.measure.results import run_ids
from explorer.measure.results.stats import frame, summarize


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "RUNS_DIR", tmp_path / "runs")
    monkeypatch.setattr(runs, "LATEST", tmp_path / "latest_run")
    monkeypatch.delenv(runs.RUN_ENV, raising=False)
    monkeypatch.setattr(run_ids, "_process_run_id", [])
    return tmp_path


def spawn_rows():
    return frame([summarize([1e-6, 2e-6], metric="spawn_time", variant="lazy", n=1, unit="s")], {"cpu": "x"})


def test_the_run_id_comes_from_the_parameter_then_the_environment_then_the_process(results_dir, monkeypatch):
    own = run_ids.current_run_id()
    assert own == run_ids.current_run_id()  # one id per process
    monkeypatch.setenv(run_ids.RUN_ENV, "shared-1")
    assert run_ids.current_run_id() == "shared-1"
    assert run_ids.current_run_id("given-2") == "given-2"


def test_saved_results_carry_the_run_id_and_load_back_from_that_run_only(results_dir):
    path = runs.save_run(spawn_rows(), "spawn_time", profile="quick", run_id="run-a")
    assert path == results_dir / "runs" / "run-a" / "spawn_time-quick.json"
    loaded = runs.load_run("spawn_time", profile="quick", run_id="run-a")
    assert loaded.attrs["run_id"] == "run-a" and loaded.attrs["profile"] == "quick"
    assert loaded.attrs["cpu"] == "x"
    assert runs.latest_run_id() == "run-a"
    with pytest.raises(runs.MissingResults, match=r"^run notebooks/02_spawn_time.ipynb first: no spawn_time"):
        runs.load_run("spawn_time", profile="quick", run_id="run-b")


def test_missing_results_name_the_notebook_in_one_line(results_dir):
    with pytest.raises(runs.MissingResults) as info:
        runs.load_run("population", profile="full", run_id="run-c")
    (line,) = info.value._render_traceback_()
    assert line == (
        "MissingResults: run notebooks/05_population.ipynb first: no population results (full profile) "
        "for run run-c"
    )


def test_reading_takes_the_latest_run_when_no_id_is_given(results_dir):
    with pytest.raises(runs.MissingResults, match="run the notebooks 01-05 first"):
        runs.reading_run_id()
    runs.save_run(spawn_rows(), "spawn_time", profile="quick", run_id="run-d")
    assert runs.reading_run_id() == "run-d"
    assert runs.reading_run_id("run-e") == "run-e"


@pytest.mark.parametrize("bad", ["", "../up", ".hidden", "a/b", 3, None])
def test_a_run_id_that_cannot_name_a_folder_is_rejected(bad):
    with pytest.raises(ValueError, match="run_id"):
        run_ids.check_run_id(bad)


def test_a_results_file_of_another_run_is_refused(results_dir):
    path = runs.save_run(spawn_rows(), "spawn_time", profile="quick", run_id="run-f")
    other = path.parent.parent / "run-g" / path.name
    other.parent.mkdir()
    other.write_text(path.read_text())
    with pytest.raises(ValueError, match="belongs to run 'run-f', not 'run-g'"):
        runs.load_run("spawn_time", profile="quick", run_id="run-g")


def test_a_flat_results_file_counts_only_for_its_own_run(results_dir, monkeypatch):
    monkeypatch.setattr(runs, "RESULTS_DIR", results_dir)
    from explorer.measure.results.storage import save_results

    df = spawn_rows()
    df.attrs["run_id"] = "run-h"
    save_results(df, json_path=results_dir / "population-quick.json")
    assert runs.load_run("population", profile="quick", run_id="run-h").attrs["run_id"] == "run-h"
    with pytest.raises(runs.MissingResults):
        runs.load_run("population", profile="quick", run_id="run-i")


def test_shared_run_id_sets_the_environment_for_child_processes_and_restores_it(results_dir):
    import os
    import subprocess
    import sys

    with run_ids.shared_run_id("run-j"):
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.environ['EXPLORER_RUN_ID'])"],
            capture_output=True,
            text=True,
            check=True,
        )
    assert child.stdout.strip() == "run-j"
    assert runs.RUN_ENV not in os.environ


def test_a_notebook_missing_results_fails_with_one_line_naming_the_notebook(tmp_path):
    import nbformat

    from explorer.report import NotebookError, execute_notebook

    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('profile = "quick"')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        parameters,
        nbformat.v4.new_code_cell(
            "from explorer import measure\nmeasure.load_run('population', profile=profile, run_id=run_id)"
        ),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "07_reader.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(NotebookError) as info:
        execute_notebook(path, "quick", run_id="no-such-run")
    assert str(info.value).endswith(
        "MissingResults: run notebooks/05_population.ipynb first: no population results (quick profile) "
        "for run no-such-run"
    )
