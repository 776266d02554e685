"""The report: execute the curated notebooks headless and export each to an offline HTML page.

``build`` runs and exports the notebooks; the rules for what the report may write, and how an
interrupted run is recovered, live beside it in this package, with what guides the reader:
``progress`` (notebook and cell under way, durations), ``pages`` (plain titles, the busy-machine
banner, lighter figures) and ``styles`` (each page's JupyterLab CSS cut to what it uses).
"""

from explorer.report.build import (
    NotebookError,
    Page,
    build_report,
    curated_notebooks,
    execute_notebook,
    export_html,
    index_html,
    inject_profile,
    page_heading,
)
from explorer.report.pages import load_banner, plain_text
from explorer.report.progress import ReportProgress
from explorer.report.styles import prune_css

__all__ = [
    "NotebookError",
    "Page",
    "ReportProgress",
    "build_report",
    "curated_notebooks",
    "execute_notebook",
    "export_html",
    "index_html",
    "inject_profile",
    "load_banner",
    "page_heading",
    "plain_text",
    "prune_css",
]
