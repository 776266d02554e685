"""Cold import time, in fresh interpreters, beside the bare interpreter measured in the same run."""

from __future__ import annotations

import re
import statistics

import pandas as pd

from explorer.checks import check_int
from explorer.measure.harness.cold import BARE, IMPORT_CHILD, ChildFailed, run_child
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, failed, frame, rotated, summarize

#: variant -> statement timed; "floor" is the bare interpreter.
STATEMENTS: dict[str, str] = {
    "floor": BARE,
    "lazy": "import explorer",
    "eager": "from explorer.eager import EagerExplorerAgent",
    "numpy": "import numpy",
    "pymdp_legacy": "from pymdp.legacy import agent",
}


def statements_for(model: str | None = None) -> dict[str, str]:
    """:data:`STATEMENTS`, and with ``model`` (a factory's ``package.module:function``) one more, variant
    ``model``: importing its module and calling the factory, as a researcher's own script starts."""
    from explorer.measure.harness.factories import check_path

    if model is None:
        return dict(STATEMENTS)
    module, _, function = check_path(model).partition(":")
    return dict(STATEMENTS) | {"model": f"import {module}; {module}.{function}()"}


IN_PROCESS = "in_process"  # perf_counter around the statement, inside the child
PROCESS_WALL = "process_wall"  # the whole child process, timed from outside
ABOVE_FLOOR = "process_wall_above_floor"  # per round: this variant's wall minus the bare one's


def import_time(statements: dict[str, str] | None = None, repeats: int = 7, warmup: int = 1) -> pd.DataFrame:
    """Seconds to import each statement cold, in ``repeats`` fresh processes per statement.

    Rows per variant: ``method`` ``in_process`` (perf_counter around the statement in the child),
    ``process_wall`` (start-up to exit, timed by the parent) and ``process_wall_above_floor``
    (per round, minus the bare ``python -c pass`` run in the same round). ``note`` is the statement.
    ``warmup`` rounds run first and are discarded (they compile .pyc files).
    """
    statements = dict(STATEMENTS if statements is None else statements)
    if "floor" not in statements:
        statements["floor"] = BARE
    repeats = check_int("repeats", repeats, low=1)
    warmup = check_int("warmup", warmup, low=0)
    names = tuple(statements)
    inside: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    errors: dict[str, str] = {}
    for round_ in range(warmup + repeats):
        for name in rotated(names, round_):
            if name in errors:
                continue
            try:
                child = run_child(IMPORT_CHILD.format(statement=statements[name]))
            except (ChildFailed, ValueError) as exc:
                errors[name] = error_text(exc)
                continue
            if round_ >= warmup:
                inside[name].append(float(child.data["import"]))
                wall[name].append(child.exited_s)
    rows = []
    for name in names:
        common = {"metric": "import_time", "variant": name, "n": 1, "unit": "s", "note": statements[name]}
        methods = (IN_PROCESS, PROCESS_WALL) if name == "floor" else (IN_PROCESS, PROCESS_WALL, ABOVE_FLOOR)
        for method in methods:
            if name in errors or (method == ABOVE_FLOOR and "floor" in errors):
                error = errors.get(name) or f"floor failed: {errors['floor']}"
                rows.append(failed(**common, method=method, stage="import", repeats=repeats, error=error))
                continue
            if method == IN_PROCESS:
                values = inside[name]
            elif method == PROCESS_WALL:
                values = wall[name]
            else:
                values = [a - b for a, b in zip(wall[name], wall["floor"], strict=True)]
            rows.append(summarize(values, **common, method=method, stage="import"))
    return frame(rows, machine_metadata())


_IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def import_breakdown(
    statement: str = STATEMENTS["eager"], repeats: int = 3, warmup: int = 1, top: int = 25
) -> pd.DataFrame:
    """The modules ``statement`` imports, from ``python -X importtime``, heaviest first.

    Columns: ``module``; ``self_s`` (time in the module itself) and ``cumulative_s`` (with what it
    imports), medians over ``repeats`` fresh processes; ``depth`` (nesting level; 0 is imported by
    the statement or by start-up); ``share`` (cumulative over all top-level imports of the process,
    start-up's included). Only the ``top`` by cumulative time are kept.
    """
    repeats = check_int("repeats", repeats, low=1)
    warmup = check_int("warmup", warmup, low=0)
    top = check_int("top", top, low=1)
    runs: list[dict[str, tuple[int, int, int]]] = []
    for round_ in range(warmup + repeats):
        stderr = run_child(f"{statement}\nprint('{{}}')", args=("-X", "importtime")).stderr
        if round_ < warmup:
            continue
        parsed = {}
        for line in stderr.splitlines():
            match = _IMPORTTIME_LINE.match(line)
            if match:
                depth = (len(match.group(3)) - 1) // 2
                parsed[match.group(4)] = (int(match.group(1)), int(match.group(2)), depth)
        runs.append(parsed)
    modules = set().union(*runs)
    rows = []
    for module in modules:
        present = [run[module] for run in runs if module in run]
        rows.append(
            {
                "module": module,
                "self_s": statistics.median(p[0] for p in present) / 1e6,
                "cumulative_s": statistics.median(p[1] for p in present) / 1e6,
                "depth": present[0][2],
                "repeats": len(present),
            }
        )
    df = pd.DataFrame(rows, columns=["module", "self_s", "cumulative_s", "depth", "repeats"])
    total = df.loc[df["depth"] == 0, "cumulative_s"].sum()
    df["share"] = df["cumulative_s"] / total if total > 0 else float("nan")
    df = df.sort_values("cumulative_s", ascending=False).head(top).reset_index(drop=True)
    df.attrs = machine_metadata() | {"statement": statement}
    return df
