"""Saving and loading results: JSON with the machine's metadata, and CSV, each written atomically.

JSON shape: ``{"metadata": {...}, "results": [{"metric", "variant", "n", "median", "min", "max",
"unit", "repeats", ...}, ...]}``; NaN figures are stored as ``null`` and read back as NaN.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from explorer.files import write_files_atomic
from explorer.measure.stats import frame

#: The keys every record in ``results`` has, as the issue specifies (more columns may follow).
REQUIRED_KEYS = ("metric", "variant", "n", "median", "min", "max", "unit", "repeats")


def to_json_dict(df: pd.DataFrame) -> dict:
    """``df`` as the JSON document: its ``attrs`` as ``metadata``, one record per row as ``results``."""
    missing = [c for c in REQUIRED_KEYS if c not in df.columns]
    if missing:
        raise ValueError(f"df must have the columns {REQUIRED_KEYS}, missing {missing}")
    records = [{key: _plain(value) for key, value in row.items()} for row in df.to_dict(orient="records")]
    return {"metadata": {key: _plain(value) for key, value in df.attrs.items()}, "results": records}


def save_results(
    df: pd.DataFrame,
    json_path: str | os.PathLike[str] | None = None,
    csv_path: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write ``df`` as JSON and/or CSV atomically: both new files appear or neither (old ones stay).

    The metadata always carries a ``run_id`` (``df.attrs``'s, else the current run's, see
    :mod:`explorer.measure.runs`); the CSV gets it as a column.
    """
    if json_path is None and csv_path is None:
        raise ValueError("save_results needs json_path or csv_path, got neither")
    from explorer.measure.runs import current_run_id

    run_id = df.attrs.get("run_id") or current_run_id()
    df = df.copy()
    df.attrs = dict(df.attrs) | {"run_id": run_id}
    files: dict[Path, str] = {}
    if json_path is not None:
        files[Path(json_path)] = json.dumps(to_json_dict(df), indent=1, allow_nan=False) + "\n"
    if csv_path is not None:
        files[Path(csv_path)] = df.assign(run_id=run_id).to_csv(index=False)
    return write_files_atomic(files)  # both new files appear, or neither


def load_results(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Results saved by :func:`save_results`; from JSON the metadata comes back in ``df.attrs``."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, keep_default_na=False)  # empty error/note cells stay empty strings
        run_ids = set(df.pop("run_id").astype(str)) if "run_id" in df.columns else set()
        attrs = {"run_id": run_ids.pop()} if len(run_ids) == 1 else {}
        return _restore_types(frame(df.to_dict(orient="records"), attrs=attrs))
    document = json.loads(path.read_text(encoding="utf-8"))
    if set(document) != {"metadata", "results"}:
        raise ValueError(f"{path} must hold exactly 'metadata' and 'results', got {sorted(document)}")
    return _restore_types(frame(document["results"], attrs=document["metadata"]))


def _restore_types(df: pd.DataFrame) -> pd.DataFrame:
    for column in ("median", "min", "max", "q1", "q3", "ci_low", "ci_high"):
        df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    for column in ("n", "repeats"):
        df[column] = pd.to_numeric(df[column]).astype(int)
    for column in ("metric", "variant", "unit", "method", "stage", "error", "note"):
        df[column] = df[column].where(df[column].notna(), "").astype(str)
    df["noisy"] = df["noisy"].map(lambda v: v is True or str(v).lower() == "true")
    return df


def _plain(value: object) -> object:
    """A JSON-ready value: numpy scalars as Python numbers, NaN as None."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
