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
from explorer.measure.results.run_ids import current_run_id
from explorer.measure.results.stats import frame

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
    :mod:`explorer.measure.results.run_ids`); the CSV gets it as a column.
    """
    if json_path is None and csv_path is None:
        raise ValueError("save_results needs json_path or csv_path, got neither")
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
    """Results saved by :func:`save_results`; from JSON the metadata comes back in ``df.attrs``.

    Every record is checked: the required keys present, numbers numbers (or null/empty: NaN),
    counts whole, ``noisy`` a bool, texts texts. An error names the file, the record and the field.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path} is empty; expected a results CSV with a header row") from None
        except pd.errors.ParserError as error:
            raise ValueError(f"{path} is not a readable CSV: {str(error).strip()}") from None
        run_ids = set(df.pop("run_id")) if "run_id" in df.columns else set()
        attrs = {"run_id": run_ids.pop()} if len(run_ids) == 1 else {}
        rows = df.to_dict(orient="records")
        records = [_checked(row, f"{path}: row {i + 2}", text=True) for i, row in enumerate(rows)]
        return _restore_types(frame(records, attrs=attrs))
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise ValueError(f"{path} is empty; expected a results JSON document with 'metadata' and 'results'")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON (truncated or not a results file?): {error}") from None
    if not isinstance(document, dict) or set(document) != {"metadata", "results"}:
        got = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"{path} must hold exactly 'metadata' and 'results', got {got}")
    if not isinstance(document["metadata"], dict):
        raise ValueError(f"{path}: metadata must be an object, got {type(document['metadata']).__name__}")
    if not isinstance(document["results"], list):
        raise ValueError(f"{path}: results must be a list, got {type(document['results']).__name__}")
    records = []
    for i, record in enumerate(document["results"]):
        if not isinstance(record, dict):
            raise ValueError(f"{path}: results[{i}] must be an object, got {type(record).__name__}")
        records.append(_checked(record, f"{path}: results[{i}]", text=False))
    return _restore_types(frame(records, attrs=document["metadata"]))


#: How each standard field is read back: its kind and whether a record must have it.
_FIELDS = {
    **dict.fromkeys(("metric", "variant", "unit"), ("text", True)),
    **dict.fromkeys(("method", "stage", "error", "note"), ("text", False)),
    **dict.fromkeys(("n", "repeats"), ("count", True)),
    **dict.fromkeys(("median", "min", "max"), ("number", True)),
    **dict.fromkeys(("q1", "q3", "ci_low", "ci_high"), ("number", False)),
    "noisy": ("bool", False),
}


def _checked(record: dict, where: str, *, text: bool) -> dict:
    """``record`` with its standard fields checked and typed; ``text``: values as read from a CSV."""
    missing = [key for key, (_, required) in _FIELDS.items() if required and key not in record]
    if missing:
        raise ValueError(f"{where} lacks the field(s) {missing}")
    out = dict(record)
    for key, (kind, _) in _FIELDS.items():
        if key in record:
            out[key] = _field(record[key], kind, text, f"{where}.{key}")
    return out


def _field(value: object, kind: str, text: bool, where: str) -> object:
    if kind == "text":
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError(f"{where} must be a string, got {value!r}")
        return value
    if kind == "bool":
        if text and value in ("True", "False", "true", "false"):
            return value.lower() == "true"
        if value is None or (text and value == ""):
            return False
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, got {value!r}")
        return value
    if text:
        if value == "":
            value = None
        else:
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"{where} must be a number, got {value!r}") from None
    if kind == "number":
        if value is None:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where} must be a number or null, got {value!r}")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise ValueError(f"{where} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{where} must be >= 0, got {value!r}")
    return int(value)


def _restore_types(df: pd.DataFrame) -> pd.DataFrame:
    for column in ("median", "min", "max", "q1", "q3", "ci_low", "ci_high"):
        df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    for column in ("n", "repeats"):
        df[column] = df[column].astype(int)
    for column in ("metric", "variant", "unit", "method", "stage", "error", "note"):
        df[column] = df[column].where(df[column].notna(), "").astype(str)
    df["noisy"] = df["noisy"].map(lambda v: v is True)
    return df


def _plain(value: object) -> object:
    """A JSON-ready value: numpy scalars as Python numbers, NaN as None."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
