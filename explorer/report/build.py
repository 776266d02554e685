"""The report: execute the curated notebooks headless and export each to a self-contained HTML page.

Pages embed their images and load no script, stylesheet, font or MathJax from the network. The
report is built in a temporary folder and swapped in only when every notebook ran, so a failed
run leaves the previous report untouched.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.checks import check_choice
from explorer.paths import NOTEBOOKS_DIR, REPORTS_DIR
from explorer.report.pages import compact_images, load_banner, numbered_title, plain_text
from explorer.report.progress import ReportProgress
from explorer.report.styles import inline_pruned_styles

if TYPE_CHECKING:
    import nbformat

#: The measurement profiles a notebook accepts in its ``parameters`` cell.
PROFILES = ("quick", "full")
#: Seconds one cell may run before the report gives up on it.
CELL_TIMEOUT_S = 1800
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class NotebookError(RuntimeError):
    """A notebook failed while the report executed it: names the notebook and the cell."""

    def __init__(self, notebook: Path, cell: tuple[int, str] | None, detail: str) -> None:
        where = f"code cell {cell[0]} ({cell[1]!r})" if cell is not None else "before its first cell"
        super().__init__(f"{notebook.name} failed in {where}: {detail}")
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


def inject_profile(notebook: nbformat.NotebookNode, profile: str, run_id: str | None = None) -> None:
    """Add a cell setting ``profile`` (and ``run_id``, when given) right after the ``parameters``-tagged
    cell, as papermill does: every notebook of one report then saves and reads one run's results."""
    import nbformat

    source = f"profile = {profile!r}" + ("" if run_id is None else f"\nrun_id = {run_id!r}")
    for index, cell in enumerate(notebook.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            injected = nbformat.v4.new_code_cell(source)
            injected.metadata["tags"] = ["injected-parameters"]
            notebook.cells.insert(index + 1, injected)
            return
    raise ValueError("notebook has no cell tagged 'parameters' to inject the profile after")


def execute_notebook(
    path: Path,
    profile: str = "quick",
    progress: ReportProgress | None = None,
    run_id: str | None = None,
) -> nbformat.NotebookNode:
    """Run every cell of ``path`` in a fresh kernel started in the notebook's folder.

    With ``progress``, the notebook's cells are reported as they run and its duration recorded;
    ``run_id`` is the run its results belong to (see :mod:`explorer.measure.runs`).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    check_choice("profile", profile, PROFILES)
    notebook = nbformat.read(path, as_version=4)
    try:
        inject_profile(notebook, profile, run_id)
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


def index_html(pages: list[Page], profile: str, banner: str = "") -> str:
    """The report's front page: a link, a one-line summary and the run time per notebook.

    ``banner`` (HTML, e.g. :func:`load_banner`) is shown above the list.
    """
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
<title>explorer report</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; line-height: 1.5; }}
  ul {{ list-style: none; padding-left: 0; }}
  li {{ margin-bottom: 1rem; }}
  span {{ color: #444; }}
</style>
</head>
<body>
<h1>explorer report</h1>
{banner}
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
) -> list[Path]:
    """Execute ``notebooks`` (all curated ones by default), export them and index them in ``out_dir``.

    Written to a temporary folder beside ``out_dir`` and swapped in at the end: if any notebook
    fails, :class:`NotebookError` is raised and ``out_dir`` keeps its previous content.
    """
    from explorer.files import current_umask, write_atomic
    from explorer.measure.runs import new_run_id, shared_run_id

    check_choice("profile", profile, PROFILES)
    out_dir = Path(out_dir)
    paths = curated_notebooks() if notebooks is None else [Path(p) for p in notebooks]
    if not paths:
        raise ValueError(f"notebooks must name at least one .ipynb file, found none in {NOTEBOOKS_DIR}")
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise ValueError(f"notebooks must be existing .ipynb files, got {str(path)!r}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        staging.chmod(0o777 & ~current_umask())  # mkdtemp makes 0700; the report is for reading
        pages = []
        shown = ReportProgress(len(paths), enabled=progress)
        run_id = new_run_id()  # one run: the summary reads only the results these notebooks save
        for path in paths:
            with shared_run_id(run_id):  # kernels inherit it, for code that saves without the parameter
                executed = execute_notebook(path, profile, shown, run_id)
            run = shown.runs[-1]
            heading, summary = page_heading(executed, path.stem)
            title = numbered_title(path.stem, heading)
            page = Page(path.with_suffix(".html").name, title, summary, run.seconds)
            write_atomic(staging / page.file_name, export_html(executed, title, load_banner(run.loads)))
            pages.append(page)
        samples = [sample for run in shown.runs for sample in run.loads]
        write_atomic(
            staging / "index.html", index_html(pages, profile, load_banner(samples, "during this run"))
        )
        _swap_in(staging, out_dir)
        if progress:
            print(shown.table(), flush=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / page.file_name for page in pages] + [out_dir / "index.html"]


def _swap_in(staging: Path, out_dir: Path) -> None:
    # Two renames: the old report is moved aside, never deleted before the new one is in place.
    retired = None
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
        out_dir.rename(retired / out_dir.name)
    staging.rename(out_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


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
