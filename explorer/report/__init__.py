"""The report: execute the curated notebooks headless and export each to an offline HTML page.

``build`` runs and exports the notebooks; the rules for what the report may write, and how an
interrupted run is recovered, live beside it in this package.
"""

from explorer.report.build import (
    PROFILES,
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

__all__ = [
    "PROFILES",
    "NotebookError",
    "Page",
    "build_report",
    "curated_notebooks",
    "execute_notebook",
    "export_html",
    "index_html",
    "inject_profile",
    "page_heading",
]
