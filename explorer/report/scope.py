"""What a notebook shows for a researcher's model: cells tagged for explorer's grid world alone give way to
a note on the page, and cells tagged for a model alone run only when the report measures one.

A notebook keeps one source for both: ``grid-only`` cells (a section measuring the grid's own engines,
its world sizes, its history) are replaced, each contiguous run of them, by one Markdown note naming
every section in it and the model; ``model-only`` cells (also tagged ``nbval-skip``, as the stored notebook is
the grid's) are dropped when no model is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

#: Cells measuring explorer's grid world alone: not run for a model, a note in their place.
GRID_ONLY = "grid-only"
#: Cells run only for a model (the grid's page has its own): dropped without one.
MODEL_ONLY = "model-only"
#: The Markdown line under a stored notebook's title that names its run: a store writes it, a run drops it.
STAMP_TAG = "stored-run"


def scoped(notebook: nbformat.NotebookNode, model: str | None) -> nbformat.NotebookNode:
    """``notebook`` with its cells for ``model`` (a factory path) or, with None, for the grid; in place."""
    import nbformat

    from explorer.measure.harness.factories import name_of

    cells, run = [], []

    def close_run() -> None:
        if not run:
            return
        headings = [
            f"**{line.lstrip('#').strip()}**"
            for cell in run
            if cell.cell_type == "markdown"
            for line in cell.source.splitlines()
            if line.startswith("#")
        ]
        if len(headings) > 1:  # every section left out is named, not only the first
            what = f"{', '.join(headings[:-1])} and {headings[-1]}: these sections measure"
        else:
            what = f"{headings[0]}: this section measures" if headings else "This part of the page measures"
        note = nbformat.v4.new_markdown_cell(
            f"{what} explorer's own grid world (its agents, engines or records), not a model: "
            f"not run for the model `{name_of(model)}` (`{model}`)."
        )
        note.metadata["tags"] = ["model-note"]
        cells.append(note)
        run.clear()

    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if model is None:
            if MODEL_ONLY not in tags:
                cells.append(cell)
        elif GRID_ONLY in tags:
            run.append(cell)
        else:
            close_run()
            cells.append(cell)
    close_run()
    if model is not None:  # under the page's heading: whose agents every figure below is of
        banner = nbformat.v4.new_markdown_cell(
            f"**Model `{name_of(model)}`** (`{model}`): every measurement on this page that takes a model "
            "measures this one's agents; where the text names explorer's grid world, read your model."
        )
        banner.metadata["tags"] = ["model-note"]
        first = next((i for i, cell in enumerate(cells) if cell.cell_type == "markdown"), -1)
        cells.insert(first + 1, banner)
    notebook.cells = cells
    return notebook
