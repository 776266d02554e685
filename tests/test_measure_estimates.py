"""One definition per quantity: an estimate and its interval read the same on every page."""

import json
import math

import pandas as pd
import pytest

from explorer.__main__ import main
from explorer.measure.reading.estimates import Estimate, estimate, import_cost, ratio
from explorer.measure.reading.tables import scorecard
from explorer.measure.reading.targets import targets
from explorer.measure.results.stats import frame, summarize
from explorer.measure.results.storage import load_results


def above_floor(values):
    row = summarize(
        values, metric="import_time", variant="lazy", n=1, unit="s", method="process_wall_above_floor"
    )
    return frame([row | {"stage": "import"}])


def test_an_interval_spanning_zero_is_not_a_negative_time():
    figure = import_cost(above_floor([-6.28e-3, -1e-3, -2.29e-4, 1e-3, 8.54e-3]))
    assert figure.value == pytest.approx(-2.29e-4)
    assert not figure.distinguishable
    assert figure.text() == "not distinguishable from the bare interpreter (±8.54 ms)"
    assert figure.short() == "≈ 0 (±8.54 ms)"
    assert "-" not in figure.text()


def test_a_limit_is_met_only_when_the_upper_end_is_within_it():
    figure = import_cost(above_floor([1e-3, 2e-3, 3e-3, 4e-3, 12e-3]))
    assert figure.value == pytest.approx(3e-3) and figure.distinguishable
    assert figure.text() == "3 ms [1 ms, 12 ms]"
    assert not figure.within(0.010)  # median 3 ms, but the interval reaches 12 ms
    assert figure.within(0.012)


def test_a_missing_figure_is_not_measured_and_never_met():
    figure = import_cost(above_floor([1e-3]).iloc[0:0])
    assert not figure.measured and not figure.within(1.0) and figure.text() == "not measured"


def test_the_interval_falls_back_to_min_max_for_older_results():
    df = above_floor([1e-3, 2e-3, 3e-3]).drop(columns=["ci_low", "ci_high"])
    figure = estimate(
        df, metric="import_time", variant="lazy", method="process_wall_above_floor", stage="import"
    )
    assert (figure.low, figure.high) == (1e-3, 3e-3)


def test_a_ratio_takes_a_conservative_interval():
    q = ratio(Estimate(4.0, 3.0, 5.0, "s"), Estimate(2.0, 1.0, 2.5, "s"))
    assert (q.value, q.low, q.high, q.unit) == (2.0, 1.2, 5.0, "x")
    assert math.isnan(ratio(Estimate(1.0, 1.0, 1.0, "s"), Estimate(0.0, 0.0, 0.0, "s")).value)


def test_page_01_the_scorecard_and_the_bench_json_give_the_same_import_cost(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert (
        main(
            [
                "bench",
                "--quick",
                "--only",
                "import_time",
                "--no-progress",
                "--json",
                str(path),
                "--csv",
                str(tmp_path / "bench.csv"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    document = json.loads(path.read_text())
    (record,) = [
        r for r in document["results"] if (r["variant"], r["method"]) == ("lazy", "process_wall_above_floor")
    ]
    loaded = load_results(path)
    page_01 = import_cost(loaded)  # what notebooks/01_import_time.ipynb shows
    card = scorecard(loaded)
    row = card[(card["metric"] == "import_time") & (card["method"] == "process_wall_above_floor")].iloc[0]
    target = targets(loaded).iloc[2]
    assert record["median"] == page_01.value == row["lazy"] == target["value"]
    assert (
        (record["ci_low"], record["ci_high"])
        == (page_01.low, page_01.high)
        == (row["lazy_low"], row["lazy_high"])
    )
    assert target["figure"] == page_01.text() and page_01.text() in printed
    assert bool(target["met"]) == page_01.within(0.010)
    assert document["metadata"]["run_id"] == loaded.attrs["run_id"]


def test_estimate_picks_the_largest_n_unless_told():
    rows = [
        summarize(
            [v * n for v in (1, 2, 3)],
            metric="spawn_time",
            variant="lazy",
            n=n,
            unit="s",
            method="m",
            stage="constructor",
        )
        for n in (1, 10, 100)
    ]
    df = pd.DataFrame(rows)
    assert estimate(df, metric="spawn_time", variant="lazy", method="m", stage="constructor").value == 200
    assert (
        estimate(df, metric="spawn_time", variant="lazy", method="m", stage="constructor", n=10).value == 20
    )
