"""``python -m explorer report --store``: the notebooks' stored outputs, all from one run of one commit.

A reader of the repository sees the outputs saved in ``notebooks/*.ipynb``, not the report. This
command refuses a checkout with uncommitted changes, runs the report on the quick profile (one run
id for every notebook), appends that run's record to the committed history before notebook 06 draws
it, then writes every executed notebook back, stamped with the run id and commit and holding no
absolute path, user or host name, together with the README's headline table regenerated from the
same record: all or none (temporary files, then renames).
"""

from __future__ import annotations

import contextlib
import copy
import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.paths import ROOT
from explorer.report.scope import STAMP_TAG

if TYPE_CHECKING:
    import nbformat

#: The profile stored outputs are measured with (as nbval runs the notebooks).
STORE_PROFILE = "quick"
#: The notebook that draws the history: the run's record is appended before it executes.
HISTORY_NOTEBOOK = "06_history"
#: Where a stored notebook keeps its run: ``notebook.metadata[METADATA_KEY]`` (run_id, commit, profile).
METADATA_KEY = "explorer"
#: Output types read as text when looking for machine-specific strings (images are base64).
_TEXT_PREFIXES = ("text/", "application/json", "application/vnd.jupyter", "image/svg+xml")
#: Folders whose names a stored output must never show, whatever machine stores it.
FORBIDDEN_FOLDERS = ("/home/", "/root/", "/work/", "/tmp/")


class StoreRefused(ValueError):
    """The store cannot start or finish as asked (a dirty tree, a leak): one line saying why."""


@dataclass(frozen=True)
class StoredRun:
    """What a stored notebook says about the run its outputs come from."""

    run_id: str
    commit: str
    profile: str = STORE_PROFILE


def tree_changes(root: Path = ROOT) -> list[str]:
    """Files git sees changed, staged or untracked (not ignored) in the checkout; empty when clean."""
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise StoreRefused(f"{root} must be a git checkout to store one commit's outputs ({error})") from None
    return [line[3:] for line in status.splitlines() if line.strip()]


def clean_commit(root: Path = ROOT) -> str:
    """HEAD's commit when the checkout holds no uncommitted change; else :class:`StoreRefused` naming them."""
    changes = tree_changes(root)
    if changes:
        shown = ", ".join(changes[:5]) + (f" and {len(changes) - 5} more" if len(changes) > 5 else "")
        raise StoreRefused(
            f"the tree has uncommitted changes ({shown}): stored outputs must come from one commit; "
            "commit or stash them first"
        )
    return head_commit(root)


def head_commit(root: Path = ROOT) -> str:
    """The checked-out commit (git rev-parse HEAD)."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30, check=True
    )
    return head.stdout.strip()


def machine_strings() -> list[str]:
    """Strings no stored output may hold: the checkout's and home's paths, the temp folder, host and user."""
    found = [*FORBIDDEN_FOLDERS, str(ROOT), str(Path.home()), tempfile.gettempdir()]
    found = [s.rstrip("/") + "/" for s in found if len(s.strip("/")) > 0]
    return list(dict.fromkeys(found))


def _names() -> list[str]:
    """This machine's host and user names (looked for as whole words)."""
    names = [socket.gethostname().split(".")[0]]
    with contextlib.suppress(Exception):
        names.append(getpass.getuser())
    return [name for name in dict.fromkeys(names) if name]


def output_texts(notebook: nbformat.NotebookNode) -> Iterator[tuple[int, str]]:
    """Every output's text (streams, tracebacks, non-image data) with its cell's index."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                yield index, output.get("text", "")
            elif output.get("output_type") == "error":
                yield index, "\n".join(output.get("traceback", []))
            for kind, value in output.get("data", {}).items():
                if kind.startswith(_TEXT_PREFIXES):
                    yield index, value if isinstance(value, str) else json.dumps(value)


def leaks(notebook: nbformat.NotebookNode) -> list[str]:
    """Where the notebook's outputs or metadata show an absolute path, the user or the host: one line each."""
    words = [re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-])") for name in _names()]
    texts = [*output_texts(notebook), (-1, json.dumps(notebook.metadata))]
    found = []
    for index, text in texts:
        where = "metadata" if index < 0 else f"cell {index}"
        hits = [s for s in machine_strings() if s in text]
        hits += [w.pattern for w in words if w.search(text)]
        found += [f"{where}: {hit!r}" for hit in hits]
    return found


def stamped(notebook: nbformat.NotebookNode, run: StoredRun) -> nbformat.NotebookNode:
    """A copy of an executed notebook as it is stored: no injected parameters, no per-run cell timings
    or widget state, the run in its metadata and a line under its title."""
    import nbformat

    stored = copy.deepcopy(notebook)
    stored.cells = [
        cell
        for cell in stored.cells
        if not {"injected-parameters", STAMP_TAG} & set(cell.get("metadata", {}).get("tags", []))
    ]
    count = 0
    for cell in stored.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1  # numbered as a reader running it would see, without the removed parameters cell
            cell.execution_count = count
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = count
    stored.metadata.pop("widgets", None)
    stored.metadata.pop("papermill", None)
    stored.metadata[METADATA_KEY] = {"run_id": run.run_id, "commit": run.commit, "profile": run.profile}
    line = nbformat.v4.new_markdown_cell(stamp_text(run))
    line.metadata["tags"] = [STAMP_TAG]
    first_is_title = stored.cells and stored.cells[0].cell_type == "markdown"
    stored.cells.insert(1 if first_is_title else 0, line)
    return stored


def stamp_text(run: StoredRun) -> str:
    """The line a stored notebook shows under its title."""
    return (
        f"*Stored outputs: run `{run.run_id}` of commit `{run.commit[:12]}` ({run.profile} profile), "
        "written with every other notebook here by `python -m explorer report --store`; the README's "
        "figures and the run's record in `data/history/` come from the same run.*"
    )


def stored_run(notebook: nbformat.NotebookNode) -> StoredRun | None:
    """The run a stored notebook says its outputs come from, or None for one never stored so."""
    found = notebook.metadata.get(METADATA_KEY)
    if not found:
        return None
    return StoredRun(found["run_id"], found["commit"], found.get("profile", STORE_PROFILE))


def notebook_text(notebook: nbformat.NotebookNode) -> str:
    """The notebook as its file holds it (nbformat's layout, one trailing newline)."""
    import nbformat

    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


@contextlib.contextmanager
def _reading_committed_history() -> Iterator[None]:
    """Kernels started inside read ``data/history/`` without ``local/`` (what readers of the repository
    have), whatever the caller's environment says; restored after."""
    from explorer.history import HISTORY_DIR_VARIABLE, HISTORY_LOCAL_VARIABLE

    saved = {name: os.environ.get(name) for name in (HISTORY_DIR_VARIABLE, HISTORY_LOCAL_VARIABLE)}
    os.environ.pop(HISTORY_DIR_VARIABLE, None)
    os.environ[HISTORY_LOCAL_VARIABLE] = "0"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def record_run(run_id: str, commit: str) -> Path:
    """Count instructions (where Valgrind is installed) and append run ``run_id``'s reference record."""
    from explorer.history import COUNTS_RESULTS, append_record, run_record
    from explorer.measure.results.run_files import save_run

    if shutil.which("valgrind") is not None:
        from explorer.measure.instruments.counts import instruction_counts

        print("history: counting instructions under Valgrind (minutes of two cores)", flush=True)
        save_run(instruction_counts(), COUNTS_RESULTS, profile=STORE_PROFILE, run_id=run_id)
    else:
        print("history: valgrind is not installed, so no instruction counts are recorded", file=sys.stderr)
    record = run_record(run_id, STORE_PROFILE)
    if record["commit"] != commit or record["dirty"]:
        raise StoreRefused(
            f"run {run_id} measured commit {record['commit'][:12]} (dirty: {record['dirty']}), not the clean "
            f"{commit[:12]} it started from: the tree changed during the run"
        )
    return append_record(record, "reference")


@dataclass(frozen=True)
class Stored:
    """What one store wrote: the run, its history record, the notebooks and the README (None without one)."""

    run: StoredRun
    record: Path
    notebooks: list[Path]
    readme: Path | None


def store_outputs(
    out: Path | None = None,
    *,
    notebooks: list[Path] | None = None,
    progress: bool = True,
    readme: Path | None = ROOT / "README.md",
) -> Stored:
    """Run every curated notebook once (quick profile) into the report at ``out`` and store its outputs
    (``notebooks``: all curated ones by default), with the table of the ``readme`` (None: none).

    Refuses a dirty tree before any work. The record is appended before notebook 06 runs (so that it
    draws this run too); the notebooks and the README's headline table (from that record) are written
    together. If a notebook fails, the tree changes or an output shows a machine's paths or names, the
    record is removed again and nothing is written.
    """
    from explorer.files import write_files_atomic
    from explorer.measure.results.run_ids import new_run_id
    from explorer.paths import REPORTS_DIR
    from explorer.readme import rewritten
    from explorer.report.build import build_report, curated_notebooks

    commit = clean_commit()  # before any work
    paths = curated_notebooks() if notebooks is None else [Path(p) for p in notebooks]
    run = StoredRun(new_run_id(), commit)
    executed: dict[Path, nbformat.NotebookNode] = {}
    recorded: list[Path] = []

    def before(path: Path) -> None:
        if path.stem == HISTORY_NOTEBOOK and not recorded:
            recorded.append(record_run(run.run_id, commit))

    try:
        with _reading_committed_history():
            build_report(
                REPORTS_DIR if out is None else out,
                profile=STORE_PROFILE,
                notebooks=paths,
                progress=progress,
                run_id=run.run_id,
                before_notebook=before,
                after_notebook=lambda path, notebook: executed.__setitem__(path, stamped(notebook, run)),
            )
        if not recorded:
            recorded.append(record_run(run.run_id, commit))
        found = [f"{path.name} {hit}" for path, nb in executed.items() for hit in leaks(nb)]
        if found:
            raise StoreRefused(f"outputs show this machine's paths or names, not stored: {'; '.join(found)}")
        changed = [name for name in tree_changes() if ROOT / name not in recorded]
        if changed or head_commit() != commit:
            raise StoreRefused(f"the tree changed during the run ({', '.join(changed) or 'HEAD moved'})")
        files = {path: notebook_text(nb) for path, nb in executed.items()}
        if readme is not None:  # the headline table from the newest reference record: this run's
            files[readme] = rewritten(readme.read_text(encoding="utf-8"))
        written = write_files_atomic(files)
    except BaseException:
        for path in recorded:
            path.unlink(missing_ok=True)
        raise
    return Stored(run, recorded[0], [path for path in written if path != readme], readme)
