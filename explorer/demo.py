"""The demo: one episode drawn as text, and eager vs lazy spawn measured side by side."""

from __future__ import annotations

import statistics
import time

from explorer.agents import ExplorerAgent
from explorer.episode import Trajectory, run_episode
from explorer.factory import create_agent
from explorer.world import GridWorld

#: Most agents ``spawn_comparison`` spawns per repeat: 10,000 eager ones take about 20 s in all.
MAX_AGENTS = 10_000


def walk(world: GridWorld | None = None, steps: int = 50) -> str:
    """Run a lazy agent in ``world`` (5x5 open grid by default) and draw its path."""
    world = world or GridWorld()
    trajectory = run_episode(ExplorerAgent(0, "demo", world), world, steps)
    verdict = (
        f"reached the goal in {trajectory.steps_to_goal} steps"
        if trajectory.reached_goal
        else "did not reach the goal"
    )
    return f"{draw(trajectory)}\nlazy ExplorerAgent, real pymdp inference: {verdict}"


def draw(trajectory: Trajectory) -> str:
    """The grid as text: S start, G goal, # walls, * visited cells, . the rest."""
    world = trajectory.world
    visited = set(trajectory.states)
    marks = []
    for state in range(world.n_states):
        if state in world.walls:
            mark = "#"
        elif state == world.start:
            mark = "S"
        elif state == world.goal:
            mark = "G"
        else:
            mark = "*" if state in visited else "."
        marks.append(mark)
    return "\n".join(" ".join(marks[r * world.side : (r + 1) * world.side]) for r in range(world.side))


def spawn_comparison(agents: int = 1000, repeats: int = 5) -> str:
    """Spawn ``agents`` eager and lazy agents, interleaved ``repeats`` times; median per agent."""
    from explorer.checks import check_int

    agents = check_int("agents", agents, low=1, high=MAX_AGENTS + 1)
    repeats = check_int("repeats", repeats, low=1, high=101)
    per_agent: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for eager in (True, False):
            start = time.perf_counter()
            population = [create_agent(i, "agent", eager=eager) for i in range(agents)]
            per_agent[eager].append((time.perf_counter() - start) / agents)
            del population
    from explorer.units import format_value

    eager_s, lazy_s = (statistics.median(per_agent[e]) for e in (True, False))
    return (
        f"spawn, median of {repeats} x {agents:,} agents "
        "(constructor only; the lazy agent pays at its first step):\n"
        f"  eager {format_value(eager_s, 's'):>9} per agent\n"
        f"  lazy  {format_value(lazy_s, 's'):>9} per agent\n"
        f"  eager/lazy = {format_value(eager_s / lazy_s, 'x')}"
    )
