"""Runs: every results file belongs to one run, named by a run id, so a summary never mixes runs.

A run's results live in ``data/results/runs/<run id>/<name>-<profile>.json``, each carrying
``run_id`` and ``profile`` in its metadata. The run id comes, first found first:

1. the notebook's ``run_id`` parameter (``python -m explorer report`` injects one id into every
   notebook it runs);
2. the environment variable ``EXPLORER_RUN_ID`` (``pytest`` sets one per session in conftest.py,
   so the notebooks it runs in separate kernels form one run; set it yourself before
   ``jupyter lab`` to gather notebooks you run by hand into one run);
3. otherwise a new id, made once per process: a notebook run alone is a run of its own.

Reading (the summary) with no id given takes the environment variable, else the latest run written
(``data/results/latest_run``).
"""

from __future__ import annotations

import os
from pathlib import Path

from explorer.files import write_atomic
from explorer.measure.results.run_ids import RUN_ENV, check_run_id, current_run_id
from explorer.paths import NOTEBOOKS_DIR, RESULTS_DIR, ROOT

TYPE_CHECKING = False  # pandas only for annotations: conftest.py imports this module
if TYPE_CHECKING:
    import pandas as pd

#: Where runs keep their results, one folder per run id.
RUNS_DIR = RESULTS_DIR / "runs"
#: A text file holding the id of the run that wrote results last.
LATEST = RESULTS_DIR / "latest_run"
#: Results name -> the notebook that measures and saves them.
PRODUCERS = {
    "import_time": "01_import_time",
    "spawn_time": "02_spawn_time",
    "memory_per_agent": "03_memory_per_agent",
    "moved_cost": "04_moved_cost",
    "population": "05_population",
}


class MissingResults(FileNotFoundError):
    """Results a notebook needs were not written in this run: says, in one line, what to run first."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"MissingResults: {self}"]


def latest_run_id() -> str | None:
    """The id of the run that wrote results last, or None when none has."""
    try:
        text = LATEST.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def reading_run_id(run_id: str | None = None) -> str:
    """The run a summary reads: ``run_id``, else ``$EXPLORER_RUN_ID``, else the latest run written."""
    if run_id is not None:
        return check_run_id(run_id)
    if os.environ.get(RUN_ENV):
        return check_run_id(os.environ[RUN_ENV])
    latest = latest_run_id()
    if latest is None:
        raise MissingResults(
            f"no results in {RESULTS_DIR}: run the notebooks 01-05 first (or python -m explorer report)"
        )
    return check_run_id(latest)


def results_path(name: str, profile: str, run_id: str) -> Path:
    """Where run ``run_id`` keeps results ``name`` of ``profile``."""
    return RUNS_DIR / check_run_id(run_id) / f"{name}-{profile}.json"


def save_run(df: pd.DataFrame, name: str, *, profile: str, run_id: str | None = None) -> Path:
    """Save ``df`` as results ``name`` of this run (its id and profile stamped into the metadata)."""
    from explorer.measure.results.storage import save_results

    run_id = current_run_id(run_id)
    stamped = df.copy()
    stamped.attrs = dict(df.attrs) | {"run_id": run_id, "profile": profile}
    path = results_path(name, profile, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_results(stamped, json_path=path)
    write_atomic(LATEST, run_id + "\n")
    return path


def load_run(name: str, *, profile: str, run_id: str) -> pd.DataFrame:
    """Results ``name`` of run ``run_id``; raises :class:`MissingResults` naming the notebook to run.

    A notebook that still saves to the flat ``data/results/<name>-<profile>.json`` is read from
    there only when that file's metadata names this run (never another run's figures).
    """
    from explorer.measure.results.storage import load_results

    path = results_path(name, profile, run_id)
    flat = RESULTS_DIR / f"{name}-{profile}.json"
    if not path.is_file() and flat.is_file() and _run_of(flat) == run_id:
        path = flat
    if not path.is_file():
        producer = PRODUCERS.get(name, name)
        where = NOTEBOOKS_DIR / f"{producer}.ipynb"
        raise MissingResults(
            f"run {where.relative_to(NOTEBOOKS_DIR.parent)} first: no {name} results "
            f"({profile} profile) for run {run_id}"
        )
    df = load_results(path)
    if df.attrs.get("run_id") != run_id:
        raise ValueError(f"{path} belongs to run {df.attrs.get('run_id')!r}, not {run_id!r}")
    return df


def _run_of(path: Path) -> str | None:
    """The run id in a results JSON's metadata (None if unreadable)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"].get("run_id")
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def where_written(path: Path) -> str:
    """One line for a notebook to say where it wrote, relative to the checkout."""
    try:
        shown = path.relative_to(ROOT)
    except ValueError:
        shown = path
    return f"wrote {shown} (run {path.parent.name})"
