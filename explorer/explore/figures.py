"""Pictures of an episode, a population and a measured world, as matplotlib Figures or PNG bytes.

Figures are built without pyplot (``matplotlib.figure.Figure``), so drawing one neither shows it in
a notebook by itself nor keeps it alive in pyplot's registry; the notebook shows PNG bytes.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from explorer.checks import check_int
from explorer.world import ACTIONS, GridWorld

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from explorer.explore.runs import Episode, PopulationRun

#: Pixels per inch of the PNGs the notebook shows (small pages, sharp enough on screen).
DPI = 80
#: Colours kept in those PNGs: a palette of 128 makes them a third of full colour's size, and the
#: report's pages must stay small (plots use a few flat colours and one or two colour maps).
PALETTE = 128
_WALL = "#34495e"
_GOAL = "#f1c40f"
_PATH = "#c0392b"


def png(figure: Figure, dpi: int = DPI) -> bytes:
    """``figure`` as a palette PNG; a pyplot figure is closed afterwards (it was only drawn to be shown)."""
    from PIL import Image

    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=dpi)
    if getattr(figure, "number", None) is not None:  # made by pyplot (explorer.plots)
        import matplotlib.pyplot as plt

        plt.close(figure)
    image = Image.open(drawn).convert("RGB").quantize(colors=PALETTE, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def grid(ax: Axes, world: GridWorld, values: np.ndarray | None = None, *, cmap: str = "Blues") -> object:
    """Draw ``world`` on ``ax``: ``values`` per cell as a heatmap (walls masked), goal and start marked."""
    side = world.side
    cells = np.zeros(world.n_states) if values is None else np.asarray(values, dtype=float)
    image = np.ma.masked_array(cells.reshape(side, side), mask=_wall_mask(world))
    colour_map = _colour_map(cmap)
    shown = ax.imshow(image, cmap=colour_map, vmin=0, vmax=max(float(image.max() or 0), 1e-12))
    goal_row, goal_col = divmod(world.goal, side)
    start_row, start_col = divmod(world.start, side)
    ax.scatter([goal_col], [goal_row], marker="*", s=260, color=_GOAL, edgecolors="black", zorder=3)
    ax.text(start_col, start_row, "S", ha="center", va="center", fontsize=10, fontweight="bold", zorder=3)
    ax.set_xticks(range(side))
    ax.set_yticks(range(side))
    ax.tick_params(labelsize=7, length=0)
    ax.set_xticks(np.arange(-0.5, side), minor=True)
    ax.set_yticks(np.arange(-0.5, side), minor=True)
    ax.grid(which="minor", color="white", linewidth=1)
    return shown


def episode_figure(episode: Episode, step: int) -> Figure:
    """Step ``step`` of ``episode``: the path so far, the belief over states, the policy posterior."""
    from matplotlib.figure import Figure

    step = check_int("step", step, low=0, high=episode.steps)
    trajectory = episode.trajectory
    world = trajectory.world
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    path_ax, belief_ax, policy_ax = figure.subplots(1, 3, width_ratios=[1, 1.2, 1])
    grid(path_ax, world)
    rows, cols = zip(*(divmod(s, world.side) for s in trajectory.states[: step + 2]), strict=True)
    path_ax.plot(cols, rows, "-o", color=_PATH, ms=4, lw=2, zorder=2)
    obs_row, obs_col = divmod(trajectory.observations[step], world.side)
    path_ax.scatter([obs_col], [obs_row], marker="s", s=120, facecolors="none", edgecolors="#8e44ad", lw=2)
    path_ax.set_title(f"path to step {step} (□ observed)", fontsize=10)
    shown = grid(belief_ax, world, episode.beliefs[step], cmap="viridis")
    figure.colorbar(shown, ax=belief_ax, shrink=0.8, label="P(state)")
    belief_ax.set_title(f"belief after observing cell {trajectory.observations[step]}", fontsize=10)
    posterior = episode.policies[step]
    action = trajectory.actions[step]
    colours = [_PATH if a == action else "#95a5a6" for a in range(len(ACTIONS))]
    policy_ax.bar(ACTIONS, posterior, color=colours)
    policy_ax.set_ylim(0, 1)
    policy_ax.set_ylabel("P(policy)")
    policy_ax.set_title(f"policy posterior: takes '{ACTIONS[action]}'", fontsize=10)
    reached = "reached the goal" if trajectory.reached_goal else "did not reach the goal"
    figure.suptitle(f"one agent, step {step} of {episode.steps - 1} ({reached} in {episode.steps} steps)")
    return figure


def population_figure(run: PopulationRun, step: int) -> Figure:
    """Where ``run``'s agents are at ``step``, the share on the goal over time, and steps to the goal."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    step = check_int("step", step, low=0, high=len(run.occupancy))
    world = run.world
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    where_ax, goal_ax, hist_ax = figure.subplots(1, 3, width_ratios=[1.2, 1, 1])
    shares = run.occupancy[step] / run.n
    shown = grid(where_ax, world, shares, cmap="magma_r")
    figure.colorbar(shown, ax=where_ax, shrink=0.8, label="share of agents")
    where_ax.set_title(f"occupancy at step {step}", fontsize=10)
    on_goal = run.occupancy[:, world.goal] / run.n
    goal_ax.plot(range(len(on_goal)), on_goal, color="#1e8449")
    goal_ax.axvline(step, color="#7f8c8d", lw=1, ls="--")
    goal_ax.set_ylim(0, 1.02)
    goal_ax.set_xlabel("step")
    goal_ax.set_ylabel("share of agents on the goal")
    goal_ax.set_title("reaching the goal over time", fontsize=10)
    reached = run.steps_to_goal[run.steps_to_goal >= 0]
    if len(reached):
        bins = np.arange(reached.min(), reached.max() + 2) - 0.5
        hist_ax.hist(reached, bins=bins, color="#2471a3")
    hist_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    missed = run.n - len(reached)
    hist_ax.set_xlabel("steps to the goal")
    hist_ax.set_ylabel("agents")
    hist_ax.set_title(f"steps to the goal\n({missed} of {run.n} never reached it)", fontsize=10)
    stopped = "" if run.completed else ", stopped early"
    figure.suptitle(f"{run.n} agents, engine {run.engine}{stopped}")
    return figure


def measurement_figures(results: pd.DataFrame) -> list[Figure]:
    """The report's plots of a world's measurement: spawn time scaling, bytes per agent, step time."""
    from explorer import plots

    figures = []
    measured = set(results["metric"]) if len(results) else set()
    if "spawn_time" in measured:
        figures.append(plots.scaling(results, "spawn_time", title="Spawn time per agent in this world"))
    if "memory_per_agent" in measured:
        slopes = results[results["method"] == "tracemalloc_slope"]
        figures.append(plots.bars(slopes, "memory_per_agent", log=True, title="Python bytes per agent"))
    if "step_time" in measured:
        steps = results[results["metric"] == "step_time"]
        figures.append(plots.bars(steps, "step_time", log=True, title="Spawn, first step, steady step"))
    return figures


def _wall_mask(world: GridWorld) -> np.ndarray:
    mask = np.zeros(world.n_states, dtype=bool)
    mask[list(world.walls)] = True
    return mask.reshape(world.side, world.side)


def _colour_map(name: str) -> object:
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad=_WALL)
