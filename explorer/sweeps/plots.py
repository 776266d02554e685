"""Figures of a sweep: one metric as a heatmap over two of its parameters (mean over replicates)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def grid_of(table: pd.DataFrame, metric: str, rows: str, columns: str, how: str = "mean") -> pd.DataFrame:
    """``metric`` of a sweep's table as ``rows`` x ``columns``, ``how`` (mean or median) over the rest."""
    chosen = table[(table["metric"] == metric) & (table["error"] == "")]
    if chosen.empty:
        raise ValueError(f"metric must be one the table holds without error, got {metric!r}")
    return chosen.groupby([rows, columns])["value"].agg(how).unstack(columns)


def heatmap(
    table: pd.DataFrame, metric: str, rows: str, columns: str, *, how: str = "mean", title: str | None = None
) -> Figure:
    """A heatmap of :func:`grid_of`, each cell labelled, the colour bar in the metric's unit."""
    import matplotlib.pyplot as plt

    from explorer.plots import _finish

    grid = grid_of(table, metric, rows, columns, how)
    unit = table.loc[table["metric"] == metric, "unit"].iloc[0]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(grid.shape[1]), [f"{c:g}" if isinstance(c, float) else str(c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(r) for r in grid.index])
    ax.set_xlabel(columns)
    ax.set_ylabel(rows)
    for (i, j), value in pd.DataFrame(grid.to_numpy()).stack().items():
        text = f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"
        ax.text(
            j, i, text, ha="center", va="center", color="white" if value < grid.to_numpy().mean() else "black"
        )
    fig.colorbar(image, ax=ax, label=f"{metric} ({unit}), {how} over replicates")
    ax.set_title(title or f"{metric} by {rows} and {columns}")
    return _finish(fig)
