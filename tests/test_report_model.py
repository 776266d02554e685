"""report --model: every page for the researcher's model, titled with its name; what cannot apply says so."""

import ast
import html
import re
import textwrap
import time

import nbformat

from explorer.measure.results.run_files import PRODUCERS
from explorer.paths import NOTEBOOKS_DIR
from explorer.report.build import build_report, curated_notebooks, takes_model
from explorer.report.scope import GRID_ONLY, MODEL_ONLY, scoped

SMALL_MODEL = """
import numpy as np

from explorer import Model


def two_rooms():
    stay, switch = np.eye(2), np.eye(2)[::-1]
    sensor = np.array([[0.9, 0.1], [0.1, 0.9]])
    return Model([sensor], [np.stack([stay, switch], axis=2)], [np.array([0.0, 2.0])])
"""


def _notebook(*cells):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# A page\n\nIt measures."))
    for kind, source, tags in cells:
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
        cell.metadata["tags"] = list(tags)
        notebook.cells.append(cell)
    return notebook


def test_grid_only_sections_give_way_to_one_note_naming_the_section_and_the_model():
    notebook = _notebook(
        ("code", "model = None", ["parameters"]),
        ("markdown", "## Threads: one against two\n\nThe sparse engine.", [GRID_ONLY]),
        ("code", "threads = measure.thread_scaling()", [GRID_ONLY]),
        (
            "code",
            "table = measure.throughput_table(**measure.settings(profile, 'throughput_table', model))",
            [],
        ),
        ("markdown", "## World size\n\nSides 5 to 100.", [GRID_ONLY]),
        ("code", "sizes = measure.world_scaling()", [GRID_ONLY]),
        ("markdown", "### Where the time goes", [GRID_ONLY]),
        ("code", "stages = measure.kernel_profile()", [GRID_ONLY]),
        ("code", "save(table)", [MODEL_ONLY, "nbval-skip"]),
    )
    shown = scoped(nbformat.from_dict(notebook), "my_models:two_rooms")
    sources = [cell.source for cell in shown.cells]
    assert "Model `my_models.two_rooms`** (`my_models:two_rooms`)" in sources[1]  # under the heading
    note = next(s for s in sources if "Threads" in s)
    assert "**Threads: one against two**: this section measures explorer's own grid world" in note
    assert "not run for the model `my_models.two_rooms`" in note
    assert not any("thread_scaling" in s for s in sources)
    # a run of several sections names every one of them, not the first alone
    assert "**World size** and **Where the time goes**: these sections measure explorer's own" in sources[-2]
    assert not any("world_scaling" in s or "kernel_profile" in s for s in sources)
    assert "save(table)" in sources  # the model's own cells run
    grid = scoped(nbformat.from_dict(notebook), None)
    assert "save(table)" not in [c.source for c in grid.cells]
    assert any("thread_scaling" in c.source for c in grid.cells)


def test_every_curated_notebook_takes_a_model_and_measures_it_where_it_measures_agents():
    for path in curated_notebooks():
        assert takes_model(path), path.name
        if path.stem.startswith("08"):
            continue  # its parameter is the example factory itself
        for cell in nbformat.read(path, as_version=4).cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.cell_type == "code" and GRID_ONLY not in tags:
                # settings(profile, name, model) points an instrument at the model; PROFILES alone never
                assert "PROFILES[profile]" not in cell.source, (path.name, cell.source)


def test_a_model_report_measures_the_model_on_each_page_and_says_what_does_not_apply(tmp_path, monkeypatch):
    (tmp_path / "my_models.py").write_text(textwrap.dedent(SMALL_MODEL))
    monkeypatch.chdir(tmp_path)  # as `python -m explorer report --model my_models:two_rooms` from there
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "report"
    pages = [NOTEBOOKS_DIR / "02_spawn_time.ipynb", NOTEBOOKS_DIR / "06_history.ipynb"]
    started = time.perf_counter()
    written = build_report(out, profile="quick", notebooks=pages, progress=False, model="my_models:two_rooms")
    seconds = time.perf_counter() - started
    assert [p.name for p in written] == ["02_spawn_time.html", "06_history.html", "index.html"]
    spawn, history = (out / "02_spawn_time.html").read_text(), (out / "06_history.html").read_text()
    assert re.search(r"<title>02 · [^<]*: model my_models\.two_rooms</title>", spawn)  # module and function
    assert "Model <code>my_models.two_rooms</code>" in spawn and "my_models:two_rooms" in spawn
    assert "'agents of': 'my_models.two_rooms'" in html.unescape(
        spawn
    )  # the model's lazy agent, not the grid's
    assert "not run for the model <code>my_models.two_rooms</code>" in history
    assert "Stored outputs: run" not in spawn + history  # the stored run is not this one
    assert "Traceback" not in spawn + history
    print(f"two pages for a model in {seconds:.0f} s")


def _results_names(source: str, function: str, position: int) -> set[str]:
    """The results names a cell's ``measure.<function>(...)`` calls pass at ``position`` (or ``name=``):
    literal strings, or a name bound in the cell to a literal list, directly or by a comprehension."""
    tree = ast.parse(source)
    literals = {
        target.id: [e.value for e in node.value.elts]
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple))
        for target in node.targets
        if isinstance(target, ast.Name) and all(isinstance(e, ast.Constant) for e in node.value.elts)
    }
    for node in ast.walk(tree):  # `for name in names`: name ranges over the list
        iterated = isinstance(node, ast.comprehension) and isinstance(node.iter, ast.Name)
        if iterated and isinstance(node.target, ast.Name) and node.iter.id in literals:
            literals[node.target.id] = literals[node.iter.id]
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == function):
            continue
        given = [k.value for k in node.keywords if k.arg == "name"] or node.args[position : position + 1]
        assert given, (function, ast.unparse(node))
        (argument,) = given
        if isinstance(argument, ast.Constant):
            found.add(argument.value)
        else:  # a name that is neither literal nor bound to a literal list: say so, never pass unseen
            assert isinstance(argument, ast.Name) and argument.id in literals, ast.unparse(node)
            found.update(literals[argument.id])
    return found


def test_every_results_file_a_page_reads_is_saved_by_an_earlier_page_under_the_same_scope():
    # 07_summary under --model read "population" that notebook 05 saved only in a grid-only cell: the
    # report failed after four minutes. Each scope (the grid, a model) is checked without running a cell.
    for model in (None, "my_models:two_rooms"):
        saved: dict[str, str] = {}
        for path in curated_notebooks():
            if model is not None and not takes_model(path):
                continue  # a model's report leaves it out
            cells = scoped(nbformat.read(path, as_version=4), model).cells
            sources = [cell.source for cell in cells if cell.cell_type == "code"]
            for name in set().union(*(_results_names(s, "load_run", 0) for s in sources)):
                assert name in saved, f"{path.name} reads {name!r}, saved by no earlier page (model {model})"
            saved |= {name: path.stem for s in sources for name in _results_names(s, "save_run", 1)}
        # the producer a missing file's message names is the page that saves it
        assert {name: saved[name] for name in PRODUCERS} == PRODUCERS, model
