"""Plots draw what the results hold: medians, min-max spread, units on labelled axes."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from explorer import plots

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")  # pyplot warns past 20 open figures, and warnings are errors here


def results(metric="spawn_time", unit="s"):
    rows = []
    for variant, base in (("eager", 4e-4), ("lazy", 3e-7), ("floor", 2e-7)):
        for n in (1, 10, 100):
            rows.append(
                {
                    "metric": metric,
                    "variant": variant,
                    "n": n,
                    "median": base,
                    "min": base * 0.9,
                    "max": base * 1.2,
                    "unit": unit,
                    "repeats": 5,
                }
            )
    return pd.DataFrame(rows)


def test_scaling_plots_medians_on_log_log_axes_with_units():
    fig = plots.scaling(results(), "spawn_time")
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_xlabel() == "n (agents)"
    assert "ns per agent" in ax.get_ylabel()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"eager", "lazy", "floor"}
    assert np.allclose(lines["lazy"].get_ydata(), 300)


def test_bars_show_each_variant_with_its_median():
    frame = results("memory_per_agent", "B").query("n == 1")
    fig = plots.bars(frame, "memory_per_agent")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["eager", "lazy", "floor"]
    assert "KiB" in ax.get_ylabel() or "B" in ax.get_ylabel()
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == pytest.approx([4e-4, 3e-7, 2e-7])


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        ("s", [2e-3], "ms"),
        ("s", [5e-7], "ns"),
        ("s", [5e-6], "µs"),
        ("B", [3000], "KiB"),
        ("B", [50], "B"),
        ("x", [1], "x"),
    ],
)
def test_display_unit(unit, values, expected):
    assert plots.display_unit(unit, pd.Series(values))[1] == expected


def test_unknown_metric_is_a_clear_error():
    with pytest.raises(ValueError, match="metric must be one of the measured metrics"):
        plots.bars(results(), "step_time")


def test_labels_add_the_stage_only_where_it_varies():
    frame = results().query("n == 1").assign(stage=["spawned", "spawned", "spawned"])
    assert plots.labels(frame) == ["eager", "lazy", "floor"]
    frame = frame.assign(stage=["spawned", "after_first_step", "spawned"])
    assert plots.labels(frame) == ["eager · spawned", "lazy · after_first_step", "floor · spawned"]


def test_scaling_takes_another_x_axis_and_no_per():
    frame = results("cumulative_cost")
    ax = plots.scaling(frame, "cumulative_cost", per=None, xlabel="K (steps)").axes[0]
    assert ax.get_xlabel() == "K (steps)"
    assert ax.get_ylabel() == "cumulative cost (ns)"


def test_import_breakdown_draws_the_heaviest_modules_in_ms():
    breakdown = pd.DataFrame(
        {"module": ["pymdp", "numpy", "seaborn"], "cumulative_s": [1.5, 0.1, 0.6], "depth": [0, 1, 1]}
    )
    ax = plots.import_breakdown(breakdown, top=2).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["seaborn", "pymdp"]
    assert [p.get_width() for p in ax.patches] == pytest.approx([600, 1500])


def test_rss_timeline_plots_the_samples():
    samples = pd.DataFrame({"t_s": [0.0, 0.1, 0.2], "rss_MiB": [50.0, 60.0, 61.0]})
    ax = plots.rss_timeline(samples).axes[0]
    assert list(ax.get_lines()[0].get_ydata()) == [50.0, 60.0, 61.0]
    assert ax.get_ylabel() == "RSS (MiB)"


def test_throughput_inverts_seconds_per_agent_step():
    frame = results("agent_step_time")
    ax = plots.throughput(frame, "agent_step_time").axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.allclose(lines["floor"].get_ydata(), 1 / 2e-7)
    assert ax.get_ylabel().startswith("agent-steps per second")
    with pytest.raises(ValueError, match="must be in seconds"):
        plots.throughput(results("agent_step_time", unit="B"), "agent_step_time")


def test_a_stage_that_follows_n_does_not_split_a_line():
    frame = results("cumulative_cost")
    frame = frame.assign(stage=frame["n"].map(lambda k: f"{k} steps"), method="warm")
    cold = frame.assign(method="cold")
    ax = plots.scaling(pd.concat([frame, cold]), "cumulative_cost", per=None).axes[0]
    assert sorted(line.get_label() for line in ax.get_lines()) == sorted(
        f"{v} · {m}" for v in ("eager", "lazy", "floor") for m in ("warm", "cold")
    )


def test_bar_labels_write_large_medians_in_full():
    medians = [2130e-6, 5e-6, 4e-6]
    frame = results().query("n == 1").assign(median=medians, min=medians, max=medians)
    ax = plots.bars(frame, "spawn_time").axes[0]
    assert ax.texts[0].get_text() == "2130"  # µs
