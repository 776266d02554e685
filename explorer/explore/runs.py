"""What the explorer notebook runs: one agent's episode with its beliefs, a population, a measurement.

Each returns data (arrays, DataFrames); ``figures`` draws them. Long runs take ``progress`` (called
with done and total) and ``stop`` (a callable: True ends the run early, keeping what was done).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.agents import ExplorerAgent
from explorer.checks import check_choice, check_instance, check_int
from explorer.episode import Trajectory, run_episode
from explorer.world import GridWorld

Progress = Callable[[int, int], None]
Stop = Callable[[], bool]


class _RecordingAgent(ExplorerAgent):
    """A lazy agent that keeps its beliefs and policy posterior after every step."""

    __slots__ = ("beliefs_seen", "policies_seen")

    def __init__(self, world: GridWorld) -> None:
        super().__init__(0, "explorer", world)
        self.beliefs_seen: list[np.ndarray] = []
        self.policies_seen: list[np.ndarray] = []

    def step(self, observation: int) -> int:
        action = super().step(observation)
        self.beliefs_seen.append(self.beliefs)
        self.policies_seen.append(self.policy_posterior)
        return action


@dataclass(frozen=True)
class Episode:
    """One agent's episode: the trajectory, and after each step ``t`` its beliefs and policy posterior.

    ``beliefs[t]`` (shape ``(steps, states)``) is the posterior after observing
    ``trajectory.observations[t]``; ``policies[t]`` (``(steps, actions)``) chose ``trajectory.actions[t]``.
    """

    trajectory: Trajectory
    beliefs: np.ndarray
    policies: np.ndarray

    @property
    def steps(self) -> int:
        """Number of steps taken (actions)."""
        return len(self.trajectory.actions)

    def to_frame(self) -> pd.DataFrame:
        """The trajectory's table plus the belief in the true state and the chosen policy's probability."""
        table = self.trajectory.to_frame()
        states = np.array(self.trajectory.states[: self.steps])
        table["belief_in_true_state"] = self.beliefs[np.arange(self.steps), states].round(3)
        table["p_action"] = self.policies[np.arange(self.steps), self.trajectory.actions].round(3)
        return table


def record_episode(world: GridWorld, steps: int, seed: int = 0) -> Episode:
    """Run one lazy agent in ``world`` for up to ``steps`` steps, recording beliefs and policies.

    ``seed`` drives the observation noise and pymdp's tie-breaking, as in :func:`explorer.run_episode`,
    so the same arguments give the same episode.
    """
    check_instance("world", world, GridWorld, "a GridWorld")
    steps = check_int("steps", steps, low=1)
    seed = check_int("seed", seed, low=0)
    agent = _RecordingAgent(world)
    trajectory = run_episode(agent, world, steps, seed=seed)
    return Episode(trajectory, np.array(agent.beliefs_seen), np.array(agent.policies_seen))


class Walk:
    """True states of ``n`` agents in ``world``, each observing its own state with the world's noise.

    Observations are drawn from :meth:`GridWorld.observation_probabilities` (at most five outcomes
    per state), so no dense ``(states, states)`` table is built.
    """

    def __init__(self, world: GridWorld, n: int, seed: int) -> None:
        states = range(world.n_states)
        self.next_state = np.array([[world.move(s, a) for a in range(5)] for s in states])
        outcomes = np.tile(np.arange(world.n_states)[:, None], (1, 5))
        cumulative = np.ones((world.n_states, 5))
        for state in states:
            probabilities = world.observation_probabilities(state)
            k = len(probabilities)
            outcomes[state, :k] = list(probabilities)
            cumulative[state, :k] = np.cumsum(list(probabilities.values()))
        self.outcomes, self.cumulative = outcomes, cumulative
        self.states = np.full(n, world.start)
        self.rng = np.random.default_rng(seed)

    def observe(self) -> np.ndarray:
        """One observation per agent of its current state."""
        draws = self.rng.random(len(self.states))
        column = (self.cumulative[self.states] <= draws[:, None]).sum(axis=1)
        return self.outcomes[self.states, np.minimum(column, 4)]

    def move(self, actions: np.ndarray) -> None:
        """Each agent takes its action."""
        self.states = self.next_state[self.states, actions]


@dataclass(frozen=True)
class PopulationRun:
    """A population's run: ``occupancy[t, state]`` agents in each cell at time t, steps to the goal.

    ``steps_to_goal`` holds, per agent, the first time it stood on the goal, or -1 if it never
    did; ``completed`` is False when the run was stopped early (``occupancy`` then ends there).
    """

    world: GridWorld
    engine: str
    occupancy: np.ndarray
    steps_to_goal: np.ndarray
    completed: bool

    @property
    def n(self) -> int:
        """Number of agents."""
        return len(self.steps_to_goal)

    def summary(self) -> dict[str, object]:
        """Agents, steps run, share that reached the goal, median steps to it (among those that did).

        Not the engine: every engine computes the same agents (the figure's title names it).
        """
        reached = self.steps_to_goal[self.steps_to_goal >= 0]
        return {
            "agents": self.n,
            "steps run": len(self.occupancy) - 1,
            "reached goal": f"{len(reached) / self.n:.1%}",
            "median steps to goal": float(np.median(reached)) if len(reached) else None,
            "completed": self.completed,
        }


def run_population(
    world: GridWorld,
    n: int,
    steps: int,
    *,
    engine: str | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    stop: Stop | None = None,
) -> PopulationRun:
    """``n`` agents of ``explorer.Population`` walking ``world`` for ``steps`` steps.

    ``engine`` is the population's ``backend`` (None: its first, default one); the run records the
    engine the population says it used (an ``auto`` backend names the one it chose).

    Agents that reach the goal stay there for the occupancy (the episode ends on the goal, as in
    :func:`explorer.run_episode`); the others keep stepping.
    """
    from explorer import Population
    from explorer.explore.settings import engines

    check_instance("world", world, GridWorld, "a GridWorld")
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    engine = engines()[0] if engine is None else check_choice("engine", engine, engines())
    seed = check_int("seed", seed, low=0)
    population = Population(world, n, backend=engine, seed=seed)
    used = getattr(population, "backend", engine)
    engine = engine if used == engine else f"{used} ({engine})"
    walk = Walk(world, n, seed)
    occupancy = [np.bincount(walk.states, minlength=world.n_states)]
    steps_to_goal = np.where(walk.states == world.goal, 0, -1)
    completed = True
    for t in range(1, steps + 1):
        if stop is not None and stop():
            completed = False
            break
        actions = np.asarray(population.step(walk.observe()))
        actions = np.where(steps_to_goal >= 0, 4, actions)  # done agents stay on the goal
        walk.move(actions)
        steps_to_goal = np.where((steps_to_goal < 0) & (walk.states == world.goal), t, steps_to_goal)
        occupancy.append(np.bincount(walk.states, minlength=world.n_states))
        if progress is not None:
            progress(t, steps)
    return PopulationRun(world, engine, np.array(occupancy), steps_to_goal, completed)


#: The measurements "measure this world" runs, each with the bench's ``quick`` profile settings.
WORLD_MEASUREMENTS = ("spawn_time", "memory_per_agent", "step_time")


def measure_world(
    world: GridWorld, *, progress: Progress | None = None, stop: Stop | None = None
) -> pd.DataFrame:
    """Spawn time, memory per agent and step time of eager, lazy and floor agents in ``world``.

    Each of :data:`WORLD_MEASUREMENTS` runs as ``python -m explorer bench --quick`` runs it, in
    ``world``; stopping skips those not yet started. ``df.attrs["completed"]`` says whether all ran.
    """
    from explorer import measure

    check_instance("world", world, GridWorld, "a GridWorld")
    frames = []
    total = len(WORLD_MEASUREMENTS)
    for done, name in enumerate(WORLD_MEASUREMENTS):
        if stop is not None and stop():
            break
        if progress is not None:
            progress(done, total)
        function = getattr(measure, name)
        frames.append(function(world=world, **measure.PROFILES["quick"][name]))
    if progress is not None:
        progress(len(frames), total)
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    results.attrs = {"world": repr(world), "completed": len(frames) == total}
    return results
