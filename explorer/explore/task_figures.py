"""Pictures of any task: one agent's beliefs spreading and collapsing, its policies, a population's behaviour.

Drawn as :mod:`explorer.explore.figures` draws the grid world (``matplotlib.figure.Figure``, no pyplot).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from explorer.checks import check_int
from explorer.explore.figures import grid
from explorer.explore.task_runs import factor_labels, first_columns, is_model_task, policy_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from explorer.behaviour import Behaviour
    from explorer.explore.task_runs import TaskEpisode

#: Policies shown in the posterior's bars: the most probable ones (signposts has 125).
SHOWN_POLICIES = 8
#: Most state labels written on a heatmap's axis (a grid's cells beyond it are numbered sparsely).
MAX_STATE_LABELS = 12
_FOLLOWED = "#c0392b"
_OTHER = "#95a5a6"
_PRAGMATIC = "#2471a3"
_EPISTEMIC = "#d68910"
_TRUE = "white"


def task_episode_figure(episode: TaskEpisode, step: int) -> Figure:
    """Step ``step`` of ``episode``: per factor the belief over states at every step (the step marked),
    the grid's belief over cells, the policy posterior, the followed policy's two terms of G."""
    from matplotlib.figure import Figure

    step = check_int("step", step, low=0, high=episode.steps)
    task = episode.task
    labels = factor_labels(task)
    world = _world(episode)
    top = [f"factor{f}" for f in range(len(labels))] + (["map"] if world is not None else [])
    bottom = ["policies", "terms"]
    width = math.lcm(len(top), len(bottom))
    mosaic = [_spread(top, width), _spread(bottom, width)]
    figure = Figure(figsize=(11, 7), layout="constrained")
    axes = figure.subplot_mosaic(mosaic, height_ratios=[1.15, 1])
    for f, (name, states) in enumerate(labels):
        _belief_heatmap(figure, axes[f"factor{f}"], episode, f, name, states, step)
    if world is not None:
        shown = grid(axes["map"], world, episode.beliefs[0][step], cmap="viridis")
        row, col = divmod(int(episode.states[step, 0]), world.side)
        axes["map"].scatter([col], [row], marker="o", s=90, facecolors="none", edgecolors=_TRUE, lw=2)
        figure.colorbar(shown, ax=axes["map"], shrink=0.8, label="P(cell)")
        axes["map"].set_title(f"belief over cells at step {step} (○ true cell)", fontsize=10)
    _policy_bars(axes["policies"], episode, step)
    _terms(axes["terms"], episode, step)
    goal = episode.first_goal
    reached = f"reached the goal at step {goal}" if goal >= 0 else "did not reach the goal"
    figure.suptitle(f"{_title(task)}: one agent, step {step} of {episode.steps - 1} ({reached})")
    return figure


def task_population_figure(behaviour: Behaviour, task: object) -> Figure:
    """A population of ``task``'s agents: mean belief entropy per step and factor, success and events
    reached first (the T-maze's cue), and the steps each agent took to the goal."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    summary = behaviour.summary.iloc[0]
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    entropy_ax, rate_ax, hist_ax = figure.subplots(1, 3, width_ratios=[1.2, 1, 1])
    mean = behaviour.entropy.groupby(["factor", "t"])["entropy"].mean()
    names = [name for name, _ in factor_labels(task)]
    for factor, values in mean.groupby(level="factor"):
        t = values.index.get_level_values("t")
        entropy_ax.plot(t, values.to_numpy(), "-o", ms=3, label=f"over {names[factor]}")
    entropy_ax.set_xlabel("step")
    entropy_ax.set_ylabel("mean belief entropy (nats)")
    entropy_ax.set_ylim(bottom=0)
    entropy_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    entropy_ax.legend(fontsize=8)
    entropy_ax.set_title("beliefs spread and collapse", fontsize=10)
    names = ["success"] + [c.removesuffix("_first") + " first" for c in first_columns(behaviour)]
    values = [summary["success_rate"]] + [summary[c] for c in first_columns(behaviour)]
    colours = ["#1e8449"] + [_EPISTEMIC] * (len(values) - 1)
    bars = rate_ax.bar(names, [100 * v for v in values], color=colours)
    rate_ax.bar_label(bars, labels=[f"{v:.0%}" for v in values], fontsize=9)
    rate_ax.set_ylim(0, 115)
    rate_ax.set_ylabel("agents (%)")
    rate_ax.set_title("success, and what they visited first", fontsize=10)
    reached = behaviour.agents["steps_to_goal"].dropna().to_numpy()
    if len(reached):
        bins = np.arange(reached.min(), reached.max() + 2) - 0.5
        hist_ax.hist(reached, bins=bins, color="#2471a3")
    hist_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    n = int(summary["n"])
    hist_ax.set_xlabel("steps to the goal")
    hist_ax.set_ylabel("agents")
    hist_ax.set_title(f"steps to the goal\n({n - len(reached)} of {n} never reached it)", fontsize=10)
    figure.suptitle(f"{_title(task)}: {n} agents, {int(summary['steps'])} steps, numpy engine")
    return figure


def _belief_heatmap(figure, ax: Axes, episode: TaskEpisode, f: int, name: str, states: list[str], step: int):
    beliefs = episode.beliefs[f].T  # (states, steps)
    shown = ax.imshow(beliefs, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.scatter(range(episode.steps), episode.states[:-1, f], s=12, color=_TRUE, marker="o")
    ax.axvline(step, color=_FOLLOWED, lw=1.5)
    every = max(1, -(-len(states) // MAX_STATE_LABELS))
    ax.set_yticks(range(0, len(states), every), states[::every], fontsize=7)
    ax.set_xticks(range(episode.steps))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("step")
    ax.set_ylabel(f"{name} (state)")
    entropy = episode.entropy()[step, f]
    title = f"belief over {name} per step (• true)\nentropy at step {step}: {entropy:.2f} nats"
    ax.set_title(title, fontsize=10)
    figure.colorbar(shown, ax=ax, shrink=0.8, label="P(state)")


def _policy_bars(ax: Axes, episode: TaskEpisode, step: int) -> None:
    q = episode.q_pi[step]
    followed = int(episode.policy[step])
    order = [p for p in np.argsort(-q, kind="stable")[:SHOWN_POLICIES]]
    if followed not in order:
        order[-1] = followed
    policies = episode.task.model.policies
    names = [policy_label(episode.task, policies[p]) for p in order]
    ax.bar(range(len(order)), q[order], color=[_FOLLOWED if p == followed else _OTHER for p in order])
    ax.set_xticks(range(len(order)), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(policy)")
    shown = f"the {len(order)} likeliest of {len(q)}" if len(q) > len(order) else f"all {len(q)}"
    ax.set_title(f"policy posterior at step {step} ({shown}); red: followed", fontsize=10)


def _terms(ax: Axes, episode: TaskEpisode, step: int) -> None:
    steps = np.arange(episode.steps)
    pragmatic, epistemic = episode.followed("pragmatic"), episode.followed("epistemic")
    ax.bar(steps - 0.2, pragmatic, width=0.4, color=_PRAGMATIC, label="pragmatic (expected utility)")
    ax.bar(steps + 0.2, epistemic, width=0.4, color=_EPISTEMIC, label="epistemic (information gain)")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvspan(step - 0.5, step + 0.5, color=_FOLLOWED, alpha=0.12, lw=0)
    ax.set_xticks(steps)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("step")
    ax.set_ylabel("term of G (nats)")
    ax.legend(fontsize=8, loc="best")
    g = pragmatic[step] + epistemic[step]
    ax.set_title(f"followed policy's G = pragmatic + epistemic\n(step {step}: G = {g:.2f} nats)", fontsize=10)


def _world(episode: TaskEpisode) -> object | None:
    """The grid world of a grid task, its start the agent's true one, to draw the belief over cells."""
    from explorer.world import GridWorld

    task = episode.task
    if task.name != "grid" or is_model_task(task):
        return None
    s = task.settings
    try:
        return GridWorld(s["side"], s["walls"], int(episode.states[0, 0]), s["goal"])
    except ValueError:  # a start cut off from the goal (an uncertain start may be drawn there)
        return GridWorld(s["side"], s["walls"], s["start"] if s["start"] is not None else 0, s["goal"])


def _title(task: object) -> str:
    if is_model_task(task):
        return f"{task.name} (your model)"
    if task.name == "grid":
        return "uncertain-start grid" if task.settings["uncertain_start"] else "grid"
    return {"tmaze": "T-maze"}.get(task.name, task.name)


def _spread(names: list[str], width: int) -> list[str]:
    """``names`` over ``width`` mosaic columns (a multiple of their number), each as wide."""
    return [name for name in names for _ in range(width // len(names))]
