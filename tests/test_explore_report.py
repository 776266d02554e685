"""00_explore in the report: the first page, and pictures where JupyterLab shows widgets."""

import nbformat

from explorer.paths import NOTEBOOKS_DIR
from explorer.report import curated_notebooks, export_html, page_heading

EXPLORE = NOTEBOOKS_DIR / "00_explore.ipynb"


def test_explore_is_the_reports_first_page():
    assert curated_notebooks()[0] == EXPLORE


def test_the_page_shows_pictures_not_dead_widgets():
    notebook = nbformat.read(EXPLORE, as_version=4)
    views = [
        output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
    ]
    assert len(views) == 6  # controls, episode, population, a task's episode and population, measurement
    # what nbclient stores after executing it (the report's kernels run with widget state kept)
    state = {model_id: {"model_name": "VBoxModel", "state": {}} for model_id in views}
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state}}
    page = export_html(notebook, "explore")
    assert "widget-view+json" not in page
    assert page.count("data:image/png;base64,") >= 7  # episode, population, the task's two, 3 measurements
    assert "<th>side</th><td>6</td>" in page  # the controls, as a table of the settings


def test_its_heading_names_the_page():
    title, summary = page_heading(nbformat.read(EXPLORE, as_version=4), "00_explore")
    assert title.startswith("00 · Explore a world")
    assert summary.startswith("Change the world")
