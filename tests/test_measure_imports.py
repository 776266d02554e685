"""Cold import time from fresh processes, beside the bare interpreter; the -X importtime breakdown."""

import math

from explorer.measure import import_breakdown, import_time


def test_each_statement_gets_in_process_wall_and_above_floor_rows():
    df = import_time({"lazy": "import explorer"}, repeats=2, warmup=0)
    methods = set(zip(df["variant"], df["method"], strict=True))
    assert methods == {
        ("lazy", "in_process"),
        ("lazy", "process_wall"),
        ("lazy", "process_wall_above_floor"),
        ("floor", "in_process"),
        ("floor", "process_wall"),
    }
    assert (df["repeats"] == 2).all() and set(df["unit"]) == {"s"}
    assert df.set_index(["variant", "method"]).loc[("lazy", "in_process"), "note"] == "import explorer"


def test_a_failing_import_records_nan_and_the_error():
    df = import_time({"lazy": "import explorer", "broken": "import no_such_module_here"}, repeats=1, warmup=0)
    broken = df[df["variant"] == "broken"]
    assert broken["median"].map(math.isnan).all()
    assert broken["error"].str.contains("ModuleNotFoundError").all()
    assert df.loc[df["variant"] == "lazy", "error"].eq("").all()


def test_breakdown_lists_modules_with_self_and_cumulative_seconds():
    df = import_breakdown("import explorer", repeats=1, warmup=0, top=5)
    assert list(df.columns) == ["module", "self_s", "cumulative_s", "depth", "repeats", "share"]
    assert len(df) == 5 and df["cumulative_s"].is_monotonic_decreasing
    assert "explorer" in set(df["module"]) or (df["cumulative_s"] > 0).all()
