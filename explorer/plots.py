"""Figures of measured results: each function takes a tidy results DataFrame and returns a Figure.

Plots only draw what was measured (median as the mark, min-max as the whisker or band); they
never measure. Units are converted for reading (s -> ms or us, B -> KiB) and named on the axis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.units import format_value, scale_for

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: One colour per variant, the same in every figure, no two alike: the agents, the population's
#: engines, the import references and the monitor's variants. Any other variant gets one of
#: :data:`SPARE_COLOURS` in :func:`variant_colours`, never one already on the figure.
COLOURS = {
    "eager": "#c0392b",
    "lazy": "#2471a3",
    "floor": "#7f8c8d",
    "population": "#1e8449",
    "population_sparse": "#82e0aa",
    "population_dense": "#8e44ad",
    "population_jax": "#b9770e",
    "numpy": "#17a589",
    "pymdp_legacy": "#6e2c00",
    "events_disabled": "#d35400",
    "hook_free": "#283747",
    "events_enabled": "#c71585",
    "disabled_minus_hook_free": "#d4ac0d",
}
#: For variants :data:`COLOURS` does not name, in this order (matplotlib's tab10, then its lighter tab20).
SPARE_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
)  # fmt: skip
_SECONDARY = ("after_first_step", "process_wall", "cold")
#: One marker per variant on a line plot, in the order the variants come.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


#: How far apart two colours on one figure must be ("redmean" RGB distance, 0-765): below it they read
#: as one (lazy's blue and matplotlib's default first blue are 32 apart).
MIN_COLOUR_DISTANCE = 60.0


def variant_colours(variants) -> dict[str, str]:
    """A colour for each distinct name in ``variants``: its own from :data:`COLOURS`, else a spare one
    far from every other colour here, so no two variants on one figure look alike."""
    names = list(dict.fromkeys(variants))
    chosen = {name: COLOURS[name] for name in names if name in COLOURS}
    spares = list(SPARE_COLOURS)
    for index, name in enumerate(n for n in names if n not in chosen):
        far = [
            c for c in spares if all(colour_distance(c, o) >= MIN_COLOUR_DISTANCE for o in chosen.values())
        ]
        chosen[name] = far[0] if far else _generated(index)
        spares = [c for c in spares if c != chosen[name]]
    return {name: chosen[name] for name in names}


def colour_distance(first: str, second: str) -> float:
    """How different two ``#rrggbb`` colours look: the "redmean" weighted RGB distance (0-765)."""
    (r1, g1, b1), (r2, g2, b2) = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in (first, second))
    red = (r1 + r2) / 2
    return (
        (2 + red / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2 + (2 + (255 - red) / 256) * (b1 - b2) ** 2
    ) ** 0.5


def _generated(index: int) -> str:
    """A distinct colour beyond the spare ones (more variants on one figure than anyone can tell apart)."""
    import colorsys

    red, green, blue = colorsys.hsv_to_rgb((index * 0.618034) % 1.0, 0.55, 0.75)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def display_unit(unit: str, values: pd.Series) -> tuple[float, str]:
    """The divisor and label that show ``values`` (in ``unit``) with 1-3 digits before the point."""
    return scale_for(unit, values)


def bars(results: pd.DataFrame, metric: str, *, title: str | None = None, log: bool = False) -> Figure:
    """One horizontal bar per row (median) with a min-max whisker, its value written past the whisker.

    For a metric measured at one size. Bars run top to bottom in the rows' order; the axis names
    the display unit chosen for the medians (one unit for the whole axis).
    """
    import matplotlib.pyplot as plt

    rows = _rows(results, metric)
    unit = rows["unit"].iloc[0]
    factor, label = display_unit(unit, rows["median"])
    names = labels(rows)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))  # the size nbval compares stays put
    positions = list(range(len(rows)))
    medians = rows["median"] / factor
    whiskers = [medians - rows["min"] / factor, rows["max"] / factor - medians]
    palette = variant_colours(rows["variant"])
    colours = [palette[v] for v in rows["variant"]]
    ax.barh(positions, medians, xerr=whiskers, color=colours, capsize=3, height=0.6)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()  # first row on top
    ax.set_xlabel(f"{_words(metric)} ({label}): median, whisker min-max")
    if log:
        ax.set_xscale("log")
    values = [
        ax.annotate(
            format_value(float(median), unit),
            (float(top), y),
            textcoords="offset points",
            xytext=(6, 0),
            ha="left",
            va="center",
            fontsize=8,
        )
        for y, median, top in zip(positions, rows["median"], rows["max"] / factor, strict=True)
    ]
    ax.set_title(title or _words(metric))
    fig.tight_layout()
    _make_room(ax, values)
    return fig


def ratios(
    table: pd.DataFrame,
    *,
    title: str = "before / after, measured in one run (log scale)",
    xlabel: str = "before / after (x): above 1 the change made it cheaper",
) -> Figure:
    """Ratio bars with their intervals on a log axis, a line at 1 (no change), each value written.

    ``table`` has one row per figure: ``label``, ``ratio``, ``ratio_low``, ``ratio_high``
    (e.g. :func:`explorer.measure.reading.tables.before_after`). Rows with no ratio are left out.
    """
    import matplotlib.pyplot as plt

    rows = table[table["ratio"].notna()].reset_index(drop=True)
    if rows.empty:
        raise ValueError("table must hold at least one measured ratio, got none")
    fig, ax = plt.subplots(figsize=(6.4, 4.4))  # one size for up to 8 rows: nbval compares it
    positions = list(range(len(rows)))
    low = (rows["ratio"] - rows["ratio_low"]).clip(lower=0)
    high = (rows["ratio_high"] - rows["ratio"]).clip(lower=0)
    colours = ["#1e8449" if r > 1 else "#c0392b" for r in rows["ratio"]]
    # bars grow from 1 (no change): right for cheaper after, left for costlier
    widths = rows["ratio"] - 1.0
    ax.barh(positions, widths, xerr=[low, high], color=colours, capsize=3, height=0.6, left=1.0)
    ax.axvline(1.0, color="#333333", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(positions, rows["label"])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    values = [
        ax.annotate(
            format_value(float(r), "x"),
            (float(max(top, r)), y),
            textcoords="offset points",
            xytext=(6, 0),
            ha="left",
            va="center",
            fontsize=8,
        )
        for y, r, top in zip(positions, rows["ratio"], rows["ratio_high"], strict=True)
    ]
    ax.set_title(title)
    fig.tight_layout()
    _make_room(ax, values)
    return fig


def _finish(fig: Figure) -> Figure:
    """Lay the figure out; wrap any title or axis label wider than the figure, then lay it out again."""
    import textwrap

    fig.tight_layout()
    fig.canvas.draw()
    width = fig.bbox.width
    wrapped = False
    for ax in fig.axes:
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            box = text.get_window_extent()
            if text is ax.yaxis.label:
                along, centre, room = box.height, (box.y0 + box.y1) / 2, fig.bbox.height
            else:
                along, centre, room = box.width, (box.x0 + box.x1) / 2, width
            fits = 0.97 * 2 * min(centre, room - centre)  # a centred text grows both ways
            if text.get_text() and along > fits:
                chars = max(20, int(len(text.get_text()) * fits / along))
                text.set_text(textwrap.fill(text.get_text(), chars))
                wrapped = True
    if wrapped:
        fig.tight_layout()
    return fig


def _make_room(ax, texts: list) -> None:
    """Widen the x axis until every value label sits inside the axes, past its whisker."""
    fig = ax.figure
    for _ in range(30):
        fig.canvas.draw()
        right = ax.get_window_extent().x1
        overflow = max((t.get_window_extent().x1 for t in texts), default=0) - right
        if overflow <= 0:
            break
        low, high = ax.get_xlim()
        if ax.get_xscale() == "log":
            ax.set_xlim(low, high * 1.5)
        else:
            ax.set_xlim(low, high + 0.1 * (high - low))
    _finish(fig)


def scaling(
    results: pd.DataFrame,
    metric: str,
    *,
    title: str | None = None,
    per: str | None = "agent",
    xlabel: str = "n (agents)",
    size: tuple[float, float] = (6.4, 4.0),
) -> Figure:
    """Median against ``n`` on log-log axes, one line per variant, min-max as a shaded band.

    ``size`` in inches: smaller for a page that draws several (a notebook page has a size limit).
    """
    import matplotlib.pyplot as plt

    rows = _rows(results, metric)
    factor, label = display_unit(rows["unit"].iloc[0], rows["median"])
    fig, ax = plt.subplots(figsize=size)
    rows = rows.assign(label=labels(rows, within="n"))
    palette = variant_colours(rows["variant"])
    variants = list(palette)
    for name, group in rows.groupby("label", sort=False):
        group = group.sort_values("n")
        first = group.iloc[0]
        colour = palette[first["variant"]]
        secondary = any(str(first.get(c, "")) in _SECONDARY for c in ("stage", "method"))
        # lines that coincide stay visible: each variant its own hollow marker, the later ones thinner
        order = variants.index(first["variant"])
        ax.plot(
            group["n"],
            group["median"] / factor,
            "--" if secondary else "-",
            marker=_MARKERS[order % len(_MARKERS)],
            ms=7 - 1.5 * min(order, 2),
            markerfacecolor="none",
            linewidth=max(3.0 - order, 1.0),
            label=name,
            color=colour,
        )
        ax.fill_between(group["n"], group["min"] / factor, group["max"] / factor, alpha=0.2, color=colour)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{_words(metric)} ({label} per {per})" if per else f"{_words(metric)} ({label})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    ax.set_title(title or _words(metric))
    _finish(fig)
    return fig


def throughput(results: pd.DataFrame, metric: str, *, title: str | None = None) -> Figure:
    """Agent-steps per second (1 / seconds per agent-step) against ``n``, log-log, per variant."""
    rows = _rows(results, metric)
    if set(rows["unit"]) != {"s"}:
        raise ValueError(
            f"results for {metric!r} must be in seconds to invert, got units {sorted(set(rows['unit']))}"
        )
    inverted = rows.assign(median=1 / rows["median"], min=1 / rows["max"], max=1 / rows["min"], unit="")
    fig = scaling(inverted, metric, title=title, per=None)
    fig.axes[0].set_ylabel("agent-steps per second (median, band min-max)")
    return fig


def import_breakdown(breakdown: pd.DataFrame, *, top: int = 12, title: str | None = None) -> Figure:
    """The heaviest modules of an import (``-X importtime``): cumulative time, horizontal bars."""
    import matplotlib.pyplot as plt

    rows = breakdown.sort_values("cumulative_s", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.4, 0.28 * len(rows) + 1.2))
    colours = ["#c0392b" if depth == 0 else "#e6b0aa" for depth in rows["depth"]]
    from matplotlib.patches import Patch

    ax.barh(rows["module"], rows["cumulative_s"] * 1e3, color=colours)
    direct = [
        Patch(color="#c0392b", label="imported directly"),
        Patch(color="#e6b0aa", label="imported by those"),
    ]
    ax.legend(handles=direct, loc="lower right", fontsize=8)
    ax.set_xlabel("cumulative import time (ms), median of fresh processes")
    ax.set_title(title or breakdown.attrs.get("statement", "import breakdown"))
    _finish(fig)
    return fig


def rss_timeline(
    samples: pd.DataFrame, *, title: str = "resident memory while agents spawn and step"
) -> Figure:
    """RSS over time, as memory_profiler sampled it, with the moment spawning ended marked.

    ``samples.attrs["spawned_s"]`` (seconds since sampling began, from :func:`memory_samples`)
    draws a dashed line labelled "spawning ends"; the steps follow it.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.plot(samples["t_s"], samples["rss_MiB"], marker=".", ms=3, drawstyle="steps-post")
    ax.set_xlabel("time since sampling started (s)")
    ax.set_ylabel("RSS (MiB)")
    spawned = samples.attrs.get("spawned_s")
    if spawned is not None:
        ax.axvline(spawned, color="#7f8c8d", linestyle="--", linewidth=1)
        ax.annotate(
            "spawning ends, steps begin",
            (spawned, 0.04),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(4, 0),
            fontsize=8,
            color="#555555",
        )
    ax.set_title(title)
    _finish(fig)
    return fig


def labels(rows: pd.DataFrame, within: str | None = None) -> list[str]:
    """A name per row: the variant, plus the stage or method in words where those differ between rows.

    With ``within`` (e.g. ``"n"``), only differences among rows sharing that column's value count:
    a stage that merely follows ``n`` (such as "10 steps") does not split a line. Stage and method
    are named as readers say them (:func:`explorer.names.plain`): "lazy: steady step (CPU time)".
    """
    from explorer.names import plain

    groups = [rows] if within is None else [group for _, group in rows.groupby(within)]
    parts = [c for c in ("stage", "method") if c in rows.columns and any(g[c].nunique() > 1 for g in groups)]
    names = []
    for _, row in rows.iterrows():
        stage = plain("stage", row["stage"]) if "stage" in parts else ""
        method = plain("method", row["method"]) if "method" in parts else ""
        name = f"{row['variant']}: {stage}" if stage else row["variant"]
        names.append(f"{name} ({method})" if method else name)
    return names


def _rows(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = results[results["metric"] == metric]
    if rows.empty:
        found = sorted(results["metric"].unique())
        raise ValueError(f"metric must be one of the measured metrics {found}, got {metric!r}")
    return rows.reset_index(drop=True)


def _words(metric: str) -> str:
    return metric.replace("_", " ")


def history(runs: pd.DataFrame, steps: pd.DataFrame, *, columns: int = 3) -> Figure:
    """Each headline over the commits in time order, one line per machine and profile, asv's steps marked.

    ``runs`` and ``steps`` are :func:`explorer.history.load_history` and ``history_steps`` frames. A
    series (one headline, machine and profile) is drawn once it has two runs. The instruction counts
    share one panel, as each series' change from its first count: exact, they show a 1% step that a
    panel of its own would not show better, and nine more panels would weigh the page down.
    """
    import matplotlib.pyplot as plt

    from explorer.history import HEADLINE_NAMES, SERIES
    from explorer.units import axis_label

    runs = runs[runs.groupby(["headline", *SERIES])["run_id"].transform("nunique") >= 2]
    if runs.empty:
        raise ValueError("runs must hold at least one series (headline, machine, profile) of two runs")
    # x: commits in the order first measured (a dirty tree gets its own place, marked *)
    keys = [f"{c}{'*' if d else ''}" for c, d in zip(runs["commit"], runs["dirty"], strict=True)]
    ticks = list(dict.fromkeys(keys))
    position = {run: ticks.index(key) for run, key in zip(runs["run_id"], keys, strict=True)}
    series = list(dict.fromkeys(zip(runs["machine_id"], runs["profile"], runs["machine"], strict=True)))
    # panels in the history's headline order (import, spawn, memory, first action, steps, population)
    rank = {name: index for index, name in enumerate(HEADLINE_NAMES)}
    headlines = sorted(dict.fromkeys(runs["headline"]), key=lambda name: rank.get(name, len(rank)))
    counted = [h for h in headlines if runs.loc[runs["headline"] == h, "unit"].iloc[0] == "instructions"]
    panels = [h for h in headlines if h not in counted] + (["instructions"] if counted else [])
    rows = -(-len(panels) // columns)
    # 72 dpi: every headline's panel on one page, whose size the history's growth must not push past
    # its limit (a dozen records drew 06 at 102 kB gzip at matplotlib's 100 dpi; fourteen, with the
    # counts' legend in a slot of its own, 104 kB at 80 dpi)
    fig, axes = plt.subplots(rows, columns, figsize=(3.5 * columns, 2.5 * rows), squeeze=False, dpi=72)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    counts_ax = None  # the instruction counts' panel
    for ax, panel in zip(axes.flat, panels, strict=False):
        lines = counted if panel == "instructions" else [panel]
        labelled = 0  # step labels in this panel so far: each hangs below the one before
        for line_index, headline in enumerate(lines):
            for index, (machine_id, profile, machine) in enumerate(series):
                line = runs[
                    (runs["headline"] == headline)
                    & (runs["machine_id"] == machine_id)
                    & (runs["profile"] == profile)
                ]
                if line.empty:
                    continue
                x = [position[r] for r in line["run_id"]]
                if panel == "instructions":  # colour: the count; line style: the machine and profile
                    colour, style = colours[line_index % len(colours)], ("-", "--", ":", "-.")[index % 4]
                    y = 100 * (line["median"] / line["median"].iloc[0] - 1)
                    name = line["label"].iloc[0].removeprefix("instructions: ")
                else:
                    colour, style, y = colours[index % len(colours)], "-", None
                    factor, _ = display_unit(
                        line["unit"].iloc[0], runs.loc[runs["headline"] == headline, "median"]
                    )
                    y = line["median"] / factor
                    name = f"{machine}, {profile}" if profile else machine
                ax.plot(x, y, style, marker="o", ms=3, color=colour, label=name)
                marked = steps[
                    (steps["headline"] == headline)
                    & (steps["machine_id"] == machine_id)
                    & (steps["profile"] == profile)
                ]
                for _, step in marked.iterrows():
                    at = x[int(step["run_index"])]
                    ax.axvline(at - 0.5, color=colour, linestyle="--", alpha=0.6)
                    # inside the panel, hanging from its top edge (a label above it would meet the title)
                    ax.annotate(
                        f"x{step['ratio']:.2f} {step['change']}",
                        (at - 0.5, 1.0),
                        xycoords=("data", "axes fraction"),
                        textcoords="offset points",
                        xytext=(3, -3 - 9 * labelled),
                        va="top",
                        fontsize=6,
                        color=colour,
                    )
                    labelled += 1
        if panel == "instructions":
            ax.set_ylabel("change from the first count (%)", fontsize=8)
            ax.set_title("instructions (exact counts), lower is better", fontsize=8)
            counts_ax = ax
        else:
            shown = runs[runs["headline"] == panel]
            label = axis_label(
                f"median, {shown['better'].iloc[0]} is better", shown["unit"].iloc[0], shown["median"]
            )
            ax.set_ylabel(label, fontsize=8)
            ax.set_title(shown["label"].iloc[0], fontsize=8)
        ax.set_xticks(range(len(ticks)), ticks, rotation=60, ha="right", fontsize=6)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, alpha=0.3)
    spare = list(axes.flat)[len(panels) :]
    for ax in spare:
        ax.set_visible(False)
    if counts_ax is not None:  # its many lines' legend in a free slot of the grid, else inside it
        if spare:
            spare[0].set_visible(True)
            spare[0].axis("off")
            spare[0].legend(*counts_ax.get_legend_handles_labels(), fontsize=6, loc="center left",
                            title="instructions", title_fontsize=7)  # fmt: skip
        else:
            counts_ax.legend(fontsize=5, loc="best")
    if panels[0] != "instructions":
        axes.flat[0].legend(fontsize=6)
    _finish(fig)
    return fig


def before_after(verdicts: list[dict], *, columns: int = 3) -> Figure:
    """BASE and HEAD medians per metric with their 95% intervals, one panel each, HEAD/BASE in the title.

    ``verdicts`` are :class:`explorer.compare.verdict.Verdict` dicts (``compare``'s JSON ``verdicts``).
    """
    import matplotlib.pyplot as plt

    from explorer.units import axis_label

    if not verdicts:
        raise ValueError("verdicts must hold at least one measured metric, got none")
    rows = -(-len(verdicts) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.0 * rows), squeeze=False)
    for ax, v in zip(axes.flat, verdicts, strict=False):
        values = [v["base_median"], v["head_median"]]
        factor, _ = display_unit(v["unit"], values)
        lows = [
            v["base_low"] if v["base_low"] is not None else v["base_median"],
            v["head_low"] or v["head_median"],
        ]
        highs = [
            v["base_high"] if v["base_high"] is not None else v["base_median"],
            v["head_high"] or v["head_median"],
        ]
        medians = [value / factor for value in values]
        errors = [[m - lo / factor for m, lo in zip(medians, lows, strict=True)],
                  [hi / factor - m for m, hi in zip(medians, highs, strict=True)]]  # fmt: skip
        colour = (
            "#c0392b"
            if v["regressed"]
            else "#1e8449"
            if v["verdict"] not in ("same within noise",)
            else "#2471a3"
        )
        ax.bar([0, 1], medians, yerr=errors, capsize=4, color=["#7f8c8d", colour])
        ax.set_xticks([0, 1], ["BASE", "HEAD"])
        ax.set_ylabel(axis_label(f"median, {v['better']} is better", v["unit"], values), fontsize=8)
        ratio = f"HEAD/BASE {v['ratio']:.3g} [{v['ratio_low']:.3g}, {v['ratio_high']:.3g}]"
        ax.set_title(f"{v['metric']}\n{ratio}\n{v['verdict']}", fontsize=8)
    for ax in list(axes.flat)[len(verdicts) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
