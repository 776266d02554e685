"""``report --store``'s parts, without a kernel: stamping, the leak check, the dirty tree, all or nothing."""

import json
import socket
import subprocess

import nbformat
import pytest

from explorer import readme
from explorer.__main__ import main
from explorer.paths import ROOT
from explorer.report import build, store
from explorer.report.build import NotebookError

RUN = store.StoredRun("20261129T220000Z-abcd", "0123456789abcdef0123456789abcdef01234567")


def executed_notebook(*outputs: str) -> nbformat.NotebookNode:
    """An executed notebook as the report hands it over: title, parameters, injected cell, outputs."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# A page\n\nIt shows a run."))
    parameters = nbformat.v4.new_code_cell("profile = 'full'", execution_count=1)
    parameters.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("profile = 'quick'", execution_count=2)
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells += [parameters, injected]
    for count, text in enumerate(outputs, start=3):
        cell = nbformat.v4.new_code_cell("print(x)", execution_count=count)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-11-29T22:00:00Z"}
        notebook.cells.append(cell)
    notebook.metadata["widgets"] = {"state": {}}
    return notebook


def test_a_stored_notebook_names_its_run_once_and_keeps_nothing_of_the_execution():
    stored = store.stamped(store.stamped(executed_notebook("a\n", "b\n"), RUN), RUN)  # stamping twice
    assert store.stored_run(stored) == RUN
    lines = [c.source for c in stored.cells if store.STAMP_TAG in c.metadata.get("tags", [])]
    assert lines == [store.stamp_text(RUN)] and stored.cells[1].source == lines[0]  # under the title
    assert RUN.run_id in lines[0] and RUN.commit[:12] in lines[0]
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["profile = 'full'", "print(x)", "print(x)"]  # no injected cell
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert all("execution" not in c.metadata for c in code) and "widgets" not in stored.metadata
    nbformat.validate(stored)


@pytest.mark.parametrize(
    "text",
    [
        "saved /home/alice/results.json",
        "in /root/.cache",
        "tmp: /tmp/pytest-of-x/1",
        "checkout /work/main/data",
        f"from {ROOT}/data/results",
        f"machine {socket.gethostname()}\n",
    ],
)
def test_an_output_with_a_machines_path_or_name_is_a_leak(text):
    found = store.leaks(store.stamped(executed_notebook("clean\n", text), RUN))
    assert found and found[0].startswith("cell ")


def test_clean_outputs_and_images_are_no_leak():
    notebook = executed_notebook("saved data/results/runs/x/spawn_time-quick.json (.venv/bin/python)\n")
    image = {"image/png": "L3RtcC8vaG9tZS8=", "text/plain": "fig"}  # base64 of /tmp//home/
    image = nbformat.v4.new_output("display_data", data=image)
    notebook.cells[-1].outputs.append(image)
    assert store.leaks(notebook) == []


def git(folder, *args):
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def test_a_dirty_tree_is_refused_by_name_and_a_clean_one_gives_its_commit(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git(tmp_path, "add", "a.py")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a")
    assert store.clean_commit(tmp_path) == git(tmp_path, "rev-parse", "HEAD").strip()
    (tmp_path / "a.py").write_text("x = 2\n")
    (tmp_path / "new.txt").write_text("untracked\n")
    with pytest.raises(store.StoreRefused, match=r"uncommitted changes \(a\.py, new\.txt\)"):
        store.clean_commit(tmp_path)


def refuse_work(*args, **kwargs):
    raise AssertionError("no notebook may run")


def test_the_command_refuses_a_dirty_tree_before_any_work(monkeypatch, capsys):
    monkeypatch.setattr(store, "tree_changes", lambda root=ROOT: ["notebooks/05_population.ipynb"])
    monkeypatch.setattr(build, "build_report", refuse_work)
    assert main(["report", "--store"]) == 2
    assert "uncommitted changes (notebooks/05_population.ipynb)" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--model", "a:b"], ["--recover"], ["--history", "local"]])
def test_the_command_refuses_options_it_cannot_honour(monkeypatch, capsys, extra):
    monkeypatch.setattr(build, "build_report", refuse_work)
    assert main(["report", "--store", *extra]) == 2
    assert f"--store takes no {extra[0]}" in capsys.readouterr().err


@pytest.fixture
def fake_run(monkeypatch, tmp_path):
    """A store whose report 'executes' two notebooks in tmp_path, the second with ``outputs[1]``."""
    monkeypatch.setattr(store, "tree_changes", lambda root=ROOT: [])
    monkeypatch.setattr(store, "head_commit", lambda root=ROOT: RUN.commit)
    records = []

    def record_run(run_id, commit):
        path = tmp_path / "history" / f"{run_id}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"run_id": run_id, "commit": commit}))
        records.append(path)
        return path

    monkeypatch.setattr(store, "record_run", record_run)
    paths = [tmp_path / "05_population.ipynb", tmp_path / "06_history.ipynb"]
    for path in paths:
        nbformat.write(executed_notebook("old\n"), path)
    before = {path: path.read_bytes() for path in paths}

    def run(second_output=None, fail=False, readme=None):
        def build_report(out, *, before_notebook, after_notebook, notebooks, **kwargs):
            for path, text in zip(notebooks, ["new\n", second_output or "new\n"], strict=True):
                before_notebook(path)
                if fail and path.stem == "06_history":
                    raise NotebookError(path, (1, "x"), "RuntimeError: broke")
                after_notebook(path, executed_notebook(text))
            return []

        monkeypatch.setattr(build, "build_report", build_report)
        return store.store_outputs(tmp_path / "reports", notebooks=paths, progress=False, readme=readme)

    return run, paths, before, records


def test_a_store_records_the_run_before_06_and_writes_every_notebook_and_the_readme(fake_run, tmp_path):
    run, paths, _, records = fake_run
    copy = tmp_path / "README.md"
    copy.write_text(readme.README.read_text(encoding="utf-8").replace("| figure |", "| old figure |", 1))
    stored = run(readme=copy)
    assert stored.record == records[0] and stored.record.exists()
    assert {store.stored_run(nbformat.read(p, as_version=4)).run_id for p in paths} == {stored.run.run_id}
    assert stored.notebooks == paths and stored.readme == copy
    assert readme.readme_table(copy.read_text(encoding="utf-8")) == readme.current_table()


@pytest.mark.parametrize("failure", ["notebook", "leak"])
def test_a_failed_store_keeps_no_record_no_notebook_and_no_readme(fake_run, failure, tmp_path):
    run, paths, before, records = fake_run
    copy = tmp_path / "README.md"
    copy.write_text("# no markers: never read when a notebook fails or leaks\n")
    with pytest.raises(NotebookError if failure == "notebook" else store.StoreRefused):
        run(second_output="/home/alice/x\n", fail=failure == "notebook", readme=copy)
    assert records and not records[0].exists()  # recorded before 06, then removed
    assert {path: path.read_bytes() for path in paths} == before
    assert copy.read_text() == "# no markers: never read when a notebook fails or leaks\n"
