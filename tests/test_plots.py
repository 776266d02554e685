"""Plots draw what the results hold: medians, min-max spread, units on labelled axes."""

import ast

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
    assert [t.get_text() for t in ax.get_yticklabels()] == ["eager", "lazy", "floor"]
    assert ax.get_xlabel() == "memory per agent (B): median, whisker min-max"
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == pytest.approx([4e-4, 3e-7, 2e-7])
    assert all(t.get_text().endswith(" B") for t in ax.texts)  # each value with its unit


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
    assert plots.labels(frame) == ["eager: spawned", "lazy: after the first step", "floor: spawned"]
    frame = frame.assign(method=["tracemalloc_slope", "rss_delta", "perf_counter_ns, gc disabled"])
    assert plots.labels(frame) == [  # in words, not the results' column values
        "eager: spawned (tracemalloc)",
        "lazy: after the first step (RSS)",
        "floor: spawned",
    ]


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


def test_rss_timeline_plots_the_samples_and_marks_where_spawning_ends():
    samples = pd.DataFrame({"t_s": [0.0, 0.1, 0.2], "rss_MiB": [50.0, 60.0, 61.0]})
    samples.attrs["spawned_s"] = 0.12
    ax = plots.rss_timeline(samples).axes[0]
    assert list(ax.get_lines()[0].get_ydata()) == [50.0, 60.0, 61.0]
    assert ax.get_ylabel() == "RSS (MiB)"
    assert list(ax.get_lines()[1].get_xdata()) == [0.12, 0.12]
    assert [t.get_text() for t in ax.texts] == ["spawning ends, steps begin"]


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
        f"{v} ({m})" for v in ("eager", "lazy", "floor") for m in ("warm", "cold")
    )


def test_bar_labels_write_large_medians_in_full():
    medians = [2130e-6, 5e-6, 4e-6]
    frame = results().query("n == 1").assign(median=medians, min=medians, max=medians)
    ax = plots.bars(frame, "spawn_time").axes[0]
    assert ax.texts[0].get_text() == "2.13 ms"


def ratio_table():
    return pd.DataFrame(
        {
            "label": [
                "spawn per agent (constructor)",
                "time to first action (fresh process)",
                "per agent-step",
            ],
            "ratio": [890.0, 0.97, 465.0],
            "ratio_low": [700.0, 0.9, 450.0],
            "ratio_high": [1000.0, 1.05, 491.0],
        }
    )


def test_ratios_draw_log_bars_with_intervals_and_a_line_at_one():
    ax = plots.ratios(ratio_table()).axes[0]
    assert ax.get_xscale() == "log"
    assert [p.get_x() + p.get_width() for p in ax.patches] == pytest.approx([890.0, 0.97, 465.0])
    assert [p.get_x() for p in ax.patches] == pytest.approx([1.0, 1.0, 1.0])  # bars grow from 1
    assert [t.get_text() for t in ax.texts] == ["890x", "0.97x", "465x"]
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.get_lines())
    with pytest.raises(ValueError, match="at least one measured ratio"):
        plots.ratios(ratio_table().assign(ratio=np.nan))


def texts_of(fig):
    """Every text drawn on the figure (titles, axis labels, tick labels in view, annotations,
    legends) with its box on the canvas."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += legend.get_texts()
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if low - span <= tick.get_loc() <= high + span:
                    texts += [tick.label1, tick.label2]
    found = []
    for text in texts:
        if not (text.get_visible() and text.get_text().strip()):
            continue
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            found.append((text.get_text(), box))
    return found


def whisker_boxes(fig):
    """The boxes of every error-bar segment (whiskers and caps) on the canvas."""
    from matplotlib.collections import LineCollection

    boxes = []
    for ax in fig.axes:
        for collection in ax.findobj(LineCollection):
            for segment in collection.get_segments():
                points = ax.transData.transform(segment)
                boxes.append(points)
    return boxes


def overlaps(a, b, slack=0.5):
    return min(a.x1, b.x1) - max(a.x0, b.x0) > slack and min(a.y1, b.y1) - max(a.y0, b.y0) > slack


def crosses(box, points, slack=0.5):
    xs, ys = points[:, 0], points[:, 1]
    return (
        min(box.x1, xs.max()) - max(box.x0, xs.min()) >= -slack + 1
        and min(box.y1, ys.max()) - max(box.y0, ys.min()) >= -slack + 1
    )


def wide_results(metric, unit, log_spread=True):
    rows = []
    stages = ("import", "spawn", "first_step")
    for variant, base in (("eager", 2.5), ("lazy", 2.6), ("population", 0.13)):
        for k, stage in enumerate(stages):
            median = base / 10 ** (2 * k) if log_spread else base * (k + 1)
            rows.append(
                {
                    "metric": metric,
                    "variant": variant,
                    "n": 1,
                    "median": median,
                    "min": median * 0.6,
                    "max": median * 1.9,
                    "unit": unit,
                    "repeats": 7,
                    "stage": stage,
                    "method": "in_process",
                }
            )
    return pd.DataFrame(rows)


def every_plot() -> dict:
    """Each kind of figure explorer.plots draws, by name, drawn only when its maker is called."""
    samples = pd.DataFrame({"t_s": np.linspace(0, 1, 40), "rss_MiB": np.linspace(50, 80, 40)})
    samples.attrs["spawned_s"] = 0.6
    breakdown = pd.DataFrame(
        {
            "module": [f"package.module{i}" for i in range(12)],
            "cumulative_s": np.linspace(0.01, 2.5, 12),
            "depth": [0, 1] * 6,
        }
    )

    def history():
        from pathlib import Path

        from explorer.history import history_steps, load_history

        runs = load_history(Path(__file__).resolve().parent / "fixtures" / "history")
        return plots.history(runs, history_steps(runs))

    return {
        "bars log": lambda: plots.bars(
            wide_results("first_action_time", "s"),
            "first_action_time",
            log=True,
            title="Fresh process: import, spawn and first step, timed inside",
        ),
        "bars linear": lambda: plots.bars(wide_results("memory_per_agent", "B", False), "memory_per_agent"),
        "bars large": lambda: plots.bars(
            results().query("n == 1").assign(median=[2130e-6, 5e-6, 4e-6], max=[2600e-6, 6e-6, 5e-6]),
            "spawn_time",
        ),
        "scaling": lambda: plots.scaling(
            results(), "spawn_time", title="Spawn time per agent (constructor only)"
        ),
        "throughput": lambda: plots.throughput(results("agent_step_time"), "agent_step_time"),
        "import breakdown": lambda: plots.import_breakdown(breakdown),
        "rss timeline": lambda: plots.rss_timeline(samples),
        "ratios": lambda: plots.ratios(ratio_table()),
        "history": history,
    }


@pytest.mark.parametrize(
    "name",
    [
        "bars log",
        "bars linear",
        "bars large",
        "scaling",
        "throughput",
        "import breakdown",
        "rss timeline",
        "ratios",
        "history",
    ],
)
def test_no_two_texts_overlap_and_no_value_sits_on_a_whisker(name):
    fig = every_plot()[name]()  # draws this figure alone
    texts = texts_of(fig)
    assert texts, "the figure has texts"
    clashes = [
        (a, b) for i, (a, box_a) in enumerate(texts) for b, box_b in texts[i + 1 :] if overlaps(box_a, box_b)
    ]
    assert clashes == []
    canvas = fig.bbox
    outside = [t for t, box in texts if box.x0 < canvas.x0 - 1 or box.x1 > canvas.x1 + 1]
    assert outside == []
    values = [(t, box) for ax in fig.axes for t, box in texts if any(t == a.get_text() for a in ax.texts)]
    on_whiskers = [t for t, box in values for points in whisker_boxes(fig) if crosses(box, points)]
    assert on_whiskers == []


def project_variant_names() -> set[str]:
    """Every variant name explorer measures: its registries, literal ``variant`` values in its source
    (``"variant": "x"`` and ``variant="x"``) and the variants of every committed results file."""
    import json

    from explorer.measure import suite
    from explorer.measure.harness import variants
    from explorer.measure.instruments import imports, overhead
    from explorer.measure.instruments.population import timed_runs as runs
    from explorer.paths import DATA_DIR, ROOT

    names = set(variants.VARIANTS) | set(imports.STATEMENTS) | set(overhead._NOTES)
    names |= set(runs._BACKEND_VARIANT.values()) | set(runs._STEPPERS) | set(runs._WALKERS)
    names |= set(suite.POPULATION_ENGINES)
    for source in (ROOT / "explorer").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Dict):
                pairs = zip(node.keys, node.values, strict=True)
                names |= {v.value for k, v in pairs if _constant(k) == "variant" and _constant(v)}
            elif isinstance(node, ast.keyword) and node.arg == "variant" and _constant(node.value):
                names.add(node.value.value)
    for path in [*DATA_DIR.rglob("*.json"), *(ROOT / "tests" / "fixtures").rglob("*.json")]:
        document = json.loads(path.read_text())
        rows = document.get("results", []) if isinstance(document, dict) else []
        names |= {row["variant"] for row in rows if isinstance(row, dict) and row.get("variant")}
    return names


def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_the_project_variant_names_are_found():
    names = project_variant_names()
    assert {"eager", "lazy", "floor", "population", "population_dense", "population_jax"} <= names


def far_apart(colours) -> bool:
    from matplotlib.colors import to_hex

    hexes = [to_hex(c) for c in colours]
    return all(
        plots.colour_distance(a, b) >= plots.MIN_COLOUR_DISTANCE
        for i, a in enumerate(hexes)
        for b in hexes[i + 1 :]
    )


def test_no_two_variants_share_a_colour():
    assert far_apart(plots.COLOURS.values())  # each variant the same colour in every figure
    names = sorted(project_variant_names() | set(plots.COLOURS))
    palette = plots.variant_colours(names)
    assert far_apart(palette.values()), palette
    engines = {"eager", "lazy", "floor", "population", "population_sparse", "population_dense"}
    assert engines | {"population_jax", "numpy", "pymdp_legacy"} <= set(plots.COLOURS)  # never a spare


def test_unknown_variants_get_spare_colours_far_from_the_named_ones():
    palette = plots.variant_colours(["lazy", "eager", "new_a", "new_b", "new_c"])
    assert far_apart(palette.values()), palette
    many = plots.variant_colours([f"variant_{i}" for i in range(40)] + ["lazy"])
    assert len(set(many.values())) == 41  # beyond the spare colours: still no two alike
    assert many["lazy"] == plots.COLOURS["lazy"]


def test_lazy_and_the_dense_population_are_drawn_in_two_colours():
    frame = results("agent_step_time")
    frame["variant"] = frame["variant"].replace({"eager": "population_dense", "floor": "population"})
    lines = plots.scaling(frame, "agent_step_time").axes[0].get_lines()
    assert far_apart(line.get_color() for line in lines), [line.get_color() for line in lines]
    unknown = frame.query("n == 1").assign(variant=["x", "y", "z"])  # none in COLOURS
    bars = plots.bars(unknown, "agent_step_time")
    assert far_apart(patch.get_facecolor() for patch in bars.axes[0].patches)


def test_coinciding_lines_stay_visible():
    frame = results("cumulative_cost")
    frame["median"] = 1.0  # eager, lazy and floor on one line
    lines = plots.scaling(frame, "cumulative_cost", per=None).axes[0].get_lines()
    assert len({line.get_marker() for line in lines}) == 3  # each its own marker shape
    assert all(line.get_markerfacecolor() == "none" for line in lines)  # hollow: the one below shows
    widths = [line.get_linewidth() for line in lines]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]  # later lines drawn thinner


def test_scaling_draws_at_the_size_asked():
    fig = plots.scaling(results(), "spawn_time", size=(5.2, 3.4))
    assert tuple(fig.get_size_inches()) == (5.2, 3.4)


def test_the_instruction_counts_legend_takes_a_free_slot_not_the_panel():
    from explorer.history import HISTORY_DIR, history_steps, load_history

    runs = load_history(HISTORY_DIR)
    assert (runs["unit"] == "instructions").any()  # the reference history holds counted runs
    fig = plots.history(runs, history_steps(runs))
    counts = [ax for ax in fig.axes if ax.get_title().startswith("instructions")]
    legends = [ax.get_legend() for ax in fig.axes if ax.get_visible() and ax.get_legend() is not None]
    assert len(counts) == 1 and counts[0].get_legend() is None
    assert any(legend.get_title().get_text() == "instructions" for legend in legends)
    fig.clf()
