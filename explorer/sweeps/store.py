"""A sweep's results folder: a manifest and one Parquet file per finished run, each written atomically.

``OUT/manifest.json`` records the spec (what decides every run's result) and the code version; each run
lands as ``OUT/runs/<run_id>.parquet`` through a temporary file and a rename, so a crash or Ctrl-C at
any instant leaves every finished run whole and no half-written one. Re-running the same sweep reads
what is there and runs only the rest; a different spec or code version in the same folder is refused
(or started afresh with ``fresh=True``). The folder is checked as the report's ``--out`` is.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
from pathlib import Path

import pandas as pd

from explorer.report.output import OutputError, check_out_dir
from explorer.sweeps.spec import SweepSpec

MANIFEST = "manifest.json"
RUNS = "runs"
#: The manifest's ``kind``: how a sweep folder is told apart from anything else.
KIND = "explorer-sweep"


class SweepFolderError(OutputError):
    """The results folder holds another sweep (other spec or code): refused unless ``fresh``."""


def code_version() -> dict:
    """explorer's version and a digest of its source files: a change to either may change results."""
    from explorer import __version__

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return {"explorer": __version__, "source_sha256": digest.hexdigest()}


def foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that a sweep did not write (empty for an empty folder or a sweep's)."""
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    if not names:
        return []
    if read_manifest(folder) is None:
        return names
    return [n for n in names if n not in (MANIFEST, f"{RUNS}/")]


def read_manifest(folder: Path) -> dict | None:
    """The sweep manifest in ``folder`` if it is a valid one, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    valid = (
        isinstance(manifest, dict) and manifest.get("kind") == KIND and isinstance(manifest.get("spec"), dict)
    )
    return manifest if valid else None


def check_folder(out: str | os.PathLike[str]) -> Path:
    """``out`` as an absolute path if a sweep may write there (absent, empty or a sweep's), else refused."""
    return check_out_dir(out, kind="sweep", foreign=foreign_entries, marker=MANIFEST)


class ResultsStore:
    """The results folder of one sweep: open it (checks, manifest), then :meth:`save` each finished run."""

    def __init__(self, out: Path, spec: SweepSpec, *, fresh: bool = False) -> None:
        self.out = check_folder(out)
        self.spec = spec
        self.fresh = fresh
        self.code = code_version()

    def check(self) -> None:
        """Refuse a folder that holds another sweep's results (other spec or code), unless ``fresh``."""
        manifest = read_manifest(self.out) if self.out.exists() else None
        if manifest is None or self.fresh:
            return
        if manifest["spec"].get("identity") != self.spec.identity():
            raise SweepFolderError(
                f"--out {str(self.out)!r} holds the results of another sweep (its spec differs: "
                f"{_first_difference(manifest['spec'].get('as_given'), self.spec.document)}); "
                "give another folder, or --fresh to replace them"
            )
        if manifest.get("code") != self.code:
            raise SweepFolderError(
                f"--out {str(self.out)!r} holds results of other code (explorer "
                f"{manifest.get('code', {}).get('explorer')}, source digest "
                f"{str(manifest.get('code', {}).get('source_sha256'))[:12]}, "
                f"now {self.code['source_sha256'][:12]}); "
                "their runs would not be comparable: give another folder, or --fresh to replace them"
            )

    def open(self) -> None:
        """Create the folder (emptied first when ``fresh``) and write the manifest if it is new."""
        from explorer.files import write_atomic

        self.check()
        if self.fresh and self.out.exists():
            shutil.rmtree(self.out / RUNS, ignore_errors=True)
            (self.out / MANIFEST).unlink(missing_ok=True)
        (self.out / RUNS).mkdir(parents=True, exist_ok=True)
        for stale in (self.out / RUNS).glob(".*.tmp"):  # a temporary file a killed process left
            stale.unlink(missing_ok=True)
        if read_manifest(self.out) is None:
            manifest = {
                "kind": KIND,
                "format": 1,
                "spec": {"identity": self.spec.identity(), "as_given": self.spec.document},
                "code": self.code,
                "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            write_atomic(self.out / MANIFEST, json.dumps(manifest, indent=1, default=str) + "\n")

    def finished(self) -> dict[str, pd.DataFrame]:
        """The rows of every run already in the folder that finished without error, by run id."""
        folder = self.out / RUNS
        if not folder.is_dir():
            return {}
        found = {}
        for path in sorted(folder.glob("*.parquet")):
            frame = pd.read_parquet(path)
            if not frame["error"].astype(bool).any():
                found[path.stem] = frame
        return found

    def save(self, run_id: str, rows: pd.DataFrame) -> Path:
        """Write one run's rows as ``runs/<run_id>.parquet``, atomically."""
        from explorer.files import write_atomic

        buffer = io.BytesIO()
        rows.to_parquet(buffer, engine="pyarrow", index=False)
        return write_atomic(self.out / RUNS / f"{run_id}.parquet", buffer.getvalue())


def _first_difference(old: object, new: dict) -> str:
    """The first key whose value differs between two specs as given, both values shortened."""
    if not isinstance(old, dict):
        return "the folder's manifest holds no readable spec"
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            return f"{key} was {_short(old.get(key))}, now {_short(new.get(key))}"
    return "the runs it expands to differ"


def _short(value: object, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
