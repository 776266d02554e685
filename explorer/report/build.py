"""The report: execute the curated notebooks headless and export each to a self-contained HTML page.

Pages embed their images and load no script, stylesheet, font or MathJax from the network. The
report is built in a temporary folder and swapped in only when every notebook ran, so a failed
run leaves the previous report untouched.
"""

from __future__ import annotations

import contextlib
import functools
import html
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.checks import check_choice
from explorer.measure.harness.factories import name_of
from explorer.paths import NOTEBOOKS_DIR, REPORTS_DIR
from explorer.report.pages import compact_images, load_banner, numbered_title, plain_text
from explorer.report.progress import ReportProgress
from explorer.report.scope import STAMP_TAG, scoped
from explorer.report.styles import inline_pruned_styles

if TYPE_CHECKING:
    import nbformat

    from explorer.report.output import ReportRun

#: Seconds one cell may run before the report gives up on it.
CELL_TIMEOUT_S = 1800
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class NotebookError(RuntimeError):
    """A notebook failed while the report executed it: names the notebook and the cell."""

    def __init__(self, notebook: Path, cell: tuple[int, str] | None, detail: str) -> None:
        where = f"in code cell {cell[0]} ({cell[1]!r})" if cell is not None else "before its first cell"
        super().__init__(f"{notebook.name} failed {where}: {detail}")
        self.notebook = notebook
        self.cell_index = None if cell is None else cell[0]


@dataclass(frozen=True)
class Page:
    """One exported notebook: its HTML file name, title, one-line summary and seconds it ran."""

    file_name: str
    title: str
    summary: str
    seconds: float | None = None


def curated_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The notebooks of the report, in reading order (``NN_name.ipynb``)."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def inject_profile(
    notebook: nbformat.NotebookNode, profile: str, run_id: str | None = None, model: str | None = None
) -> None:
    """Add a cell setting ``profile`` (and ``run_id``, ``model``, when given) right after the
    ``parameters``-tagged cell, as papermill does: every notebook of one report then saves and reads one
    run's results, and measures the model named by its factory's path."""
    import nbformat

    source = f"profile = {profile!r}" + ("" if run_id is None else f"\nrun_id = {run_id!r}")
    source += "" if model is None else f"\nmodel = {model!r}"
    for index, cell in enumerate(notebook.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            injected = nbformat.v4.new_code_cell(source)
            injected.metadata["tags"] = ["injected-parameters"]
            notebook.cells.insert(index + 1, injected)
            return
    raise ValueError("notebook has no cell tagged 'parameters' to inject the profile after")


def takes_model(path: Path) -> bool:
    """Whether the notebook at ``path`` measures any model: its ``parameters`` cell sets ``model``."""
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return any(line.startswith("model =") for line in cell.source.splitlines())
    return False


def execute_notebook(
    path: Path,
    profile: str = "quick",
    progress: ReportProgress | None = None,
    run_id: str | None = None,
    *,
    run: ReportRun | None = None,
    model: str | None = None,
) -> nbformat.NotebookNode:
    """Run every cell of ``path`` in a fresh kernel started in the notebook's folder (not the line naming the
    run its stored outputs come from: the page shows this run).

    With ``progress``, the notebook's cells are reported as they run and its duration recorded;
    ``run_id`` is the run its results belong to (see :mod:`explorer.measure.results.run_files`). Within a
    report ``run`` the kernel's connection file goes to the run's folder (removed with it, even after a
    crash) and a signal to the run stops the kernel.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from explorer.measure.profiles import PROFILES

    check_choice("profile", profile, tuple(PROFILES))
    notebook = scoped(nbformat.read(path, as_version=4), model)
    # the stored outputs' line naming their run is not this run's (a store stamps its own again)
    notebook.cells = [c for c in notebook.cells if STAMP_TAG not in c.get("metadata", {}).get("tags", [])]
    try:
        inject_profile(notebook, profile, run_id, model)
    except ValueError as error:
        raise NotebookError(path, None, str(error)) from None
    hooks = progress.start(path.stem, notebook) if progress is not None else {}
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        # The kernel talks to us over loopback TCP and warns about it at start-up; that warning is
        # noise in the report's output. Errors, and every cell's own output, still come through.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        **hooks,
    )
    if run is not None:
        client.on_cell_start = lambda **_: run.check()
        run.kernel_manager = client.create_kernel_manager()
        run.kernel_manager.connection_file = str(run.runtime / f"kernel-{path.stem}.json")
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        raise NotebookError(path, _failed_cell(notebook), _first_line(error)) from error
    finally:
        if progress is not None:
            progress.finish()
    return notebook


def export_html(notebook: nbformat.NotebookNode, title: str, banner: str = "") -> str:
    """The notebook as one offline HTML page: lab look, images embedded, no CDN scripts.

    The page carries only the JupyterLab CSS it uses and palette-encoded figures, to stay small;
    ``banner`` (HTML, e.g. :func:`load_banner`) is shown above the notebook. ``notebook`` is not
    modified.
    """
    import copy

    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="offline", extra_template_basedirs=[str(_TEMPLATES)], embed_images=True
    )
    notebook = copy.deepcopy(notebook)
    notebook.metadata["title"] = title
    # Without the widget state the exporter falls back to each widget's static picture (00_explore's
    # panels carry one); with it, it would write widget views that no script here can bring to life.
    notebook.metadata.pop("widgets", None)
    compact_images(notebook)
    body, _ = exporter.from_notebook_node(notebook, resources={"explorer_banner": banner})
    return inline_pruned_styles(body)


def page_heading(notebook: nbformat.NotebookNode, fallback: str) -> tuple[str, str]:
    """Title and one-line summary, as plain text: the first Markdown heading and the sentence after it."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        heading = next((line.lstrip("#").strip() for line in lines if line.startswith("#")), None)
        title = fallback if heading is None else plain_text(heading)
        prose = plain_text("\n".join(line for line in lines if not line.startswith("#")))
        summary = re.split(r"(?<=[.!?])\s", prose, maxsplit=1)[0] if prose else ""
        return title, summary
    return fallback, ""


def index_html(
    pages: list[Page],
    profile: str,
    banner: str = "",
    *,
    model: str | None = None,
    left_out: list[Path] = (),
) -> str:
    """The report's front page: a link, a one-line summary and the run time per notebook.

    ``banner`` (HTML, e.g. :func:`load_banner`) is shown above the list; with ``model`` the title names it
    and a line says which notebooks were ``left_out`` (they measure the grid alone).
    """
    title = "explorer report" + ("" if model is None else f": model {name_of(model)}")
    about = ""
    if model is not None:
        skipped = ", ".join(html.escape(p.stem) for p in left_out) or "none"
        about = (
            f"<p>Every page measures <code>{html.escape(model)}</code>; a section that measures explorer's "
            f"own grid world alone says so in its place. Left out (no <code>model</code> parameter): "
            f"{skipped}.</p>"
        )
    items = "\n".join(
        f'  <li><a href="{html.escape(p.file_name)}">{html.escape(p.title)}</a>'
        + ("" if p.seconds is None else f" <small>(ran {html.escape(_duration(p.seconds))})</small>")
        + f"<br><span>{html.escape(p.summary)}</span></li>"
        for p in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; line-height: 1.5; }}
  ul {{ list-style: none; padding-left: 0; }}
  li {{ margin-bottom: 1rem; }}
  span {{ color: #444; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
{banner}
{about}
<p>Each page is a notebook executed headless with the <code>{html.escape(profile)}</code> measurement
profile; figures were measured on the machine named in each page.</p>
<ul>
{items}
</ul>
</body>
</html>
"""


def build_report(
    out_dir: Path = REPORTS_DIR,
    *,
    profile: str = "full",
    notebooks: list[Path] | None = None,
    progress: bool = True,
    model: str | None = None,
    run_id: str | None = None,
    before_notebook: Callable[[Path], None] | None = None,
    after_notebook: Callable[[Path, nbformat.NotebookNode], None] | None = None,
) -> list[Path]:
    """Execute ``notebooks`` (all curated ones by default), export them and index them in ``out_dir``.

    ``out_dir`` must be absent, empty or a previous report (:func:`output.check_out_dir`, checked
    before any notebook runs). The report is built beside it and swapped in at the end: if any
    notebook fails, :class:`NotebookError` is raised; on SIGINT/SIGTERM,
    :class:`output.ReportInterrupted`; either way ``out_dir`` keeps its previous content.
    With ``model`` (a factory's ``package.module:function``) every page is that model's: the notebooks
    that take a model (:func:`takes_model`) run with it and carry its name in their titles; those that
    measure the grid alone are left out, and the index says which. ``run_id`` (default: a new one) names
    the run; ``before_notebook(path)`` runs before each notebook starts (interruptible like it) and
    ``after_notebook(path, executed)`` receives each executed notebook (``report --store`` keeps them).
    """
    from explorer.files import write_atomic
    from explorer.measure.profiles import PROFILES
    from explorer.measure.results.run_ids import check_run_id, new_run_id, shared_run_id
    from explorer.report.output import ReportRun, check_out_dir, recover

    check_choice("profile", profile, tuple(PROFILES))
    paths = curated_notebooks() if notebooks is None else [Path(p) for p in notebooks]
    if not paths:
        raise ValueError(f"notebooks must name at least one .ipynb file, found none in {NOTEBOOKS_DIR}")
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise ValueError(f"notebooks must be existing .ipynb files, got {str(path)!r}")
    left_out = []
    if model is not None:
        from explorer.measure.harness.factories import load_factory

        load_factory(model)  # refused before any notebook runs; its folder is then known to the kernels
        left_out = [path for path in paths if not takes_model(path)]
        paths = [path for path in paths if path not in left_out]
        if not paths:
            raise ValueError("notebooks must hold one that takes a model (a 'model =' parameter), found none")
    out_dir = check_out_dir(out_dir)
    recover(out_dir)
    run_id = new_run_id() if run_id is None else check_run_id(run_id)  # one run: 07 reads its results
    with ReportRun(out_dir, run_id, profile) as report_run:
        pages = []
        shown = ReportProgress(len(paths), enabled=progress)
        for path in paths:
            report_run.check()
            if before_notebook is not None:
                _in_thread(report_run, functools.partial(before_notebook, path))
                report_run.check()
            # kernels inherit both: the run id, for code that saves without the parameter, and the folder
            # the factory's module was found in (kernels start in notebooks/, not where the user ran us)
            with shared_run_id(run_id), _factory_importable(model):
                execute = functools.partial(
                    execute_notebook, path, profile, shown, run_id, run=report_run, model=model
                )
                try:
                    executed = _in_thread(report_run, execute)
                except NotebookError:
                    if progress:  # where the time went, up to and including the notebook that failed
                        print(shown.table(), file=sys.stderr, flush=True)
                    raise
            report_run.check()
            if after_notebook is not None:
                after_notebook(path, executed)
            run = shown.runs[-1]
            heading, summary = page_heading(executed, path.stem)
            title = numbered_title(path.stem, heading)
            if model is not None:
                title = f"{title}: model {name_of(model)}"
            page = Page(path.with_suffix(".html").name, title, summary, run.seconds)
            html_page = export_html(executed, title, load_banner(run.loads))
            write_atomic(report_run.staging / page.file_name, html_page)
            pages.append(page)
        samples = [sample for run in shown.runs for sample in run.loads]
        write_atomic(
            report_run.staging / "index.html",
            index_html(
                pages, profile, load_banner(samples, "during this run"), model=model, left_out=left_out
            ),
        )
        report_run.commit()
        if progress:
            print(shown.table(), flush=True)
    return [out_dir / page.file_name for page in pages] + [out_dir / "index.html"]


@contextlib.contextmanager
def _factory_importable(model: str | None):
    """``$PYTHONPATH`` naming the folder of ``model``'s module while the block runs (nothing without one)."""
    if model is None:
        yield
        return
    from explorer.measure.harness.factories import PATH_ENV, child_environment

    before = os.environ.get(PATH_ENV)
    os.environ[PATH_ENV] = child_environment(model)[PATH_ENV]
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PATH_ENV, None)
        else:
            os.environ[PATH_ENV] = before


def _in_thread(run: ReportRun, function):
    """``function()`` in a worker thread, so the main thread keeps the run's signal handlers
    (nbclient replaces SIGINT's in the main thread and swallows it) and wakes for them."""
    import threading

    from jupyter_core.utils import ensure_event_loop  # here: missing, it says so in the main thread

    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error
        finally:
            ensure_event_loop().close()  # nbclient's loop for this thread, else it warns when collected

    thread = threading.Thread(target=target, name="explorer-report-notebook", daemon=True)
    thread.start()
    run.wait(thread)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _failed_cell(notebook: nbformat.NotebookNode) -> tuple[int, str] | None:
    """The failing cell's number among the notebook's own code cells (from 1) and its first line."""
    number = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        number += 1
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return number, cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return None


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _first_line(error: Exception) -> str:
    # The kernel colours its traceback for a terminal; a message read in a log needs no escapes.
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    # nbclient's message ends with "ErrorName: message"; that line says what went wrong.
    return lines[-1] if lines else type(error).__name__
