"""Running an agent in a world: the simulation loop and the trajectory it returns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.agents import ExplorerAgent
from explorer.checks import check_instance, check_int
from explorer.world import ACTIONS, GridWorld

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Trajectory:
    """What happened in an episode: ``states[t]`` was observed as ``observations[t]``, then ``actions[t]``.

    ``states`` has one entry more than ``actions``: the state the last action led to.
    """

    world: GridWorld
    states: tuple[int, ...]
    observations: tuple[int, ...]
    actions: tuple[int, ...]

    @property
    def reached_goal(self) -> bool:
        """Whether the agent ended the episode on the goal."""
        return self.states[-1] == self.world.goal

    @property
    def steps_to_goal(self) -> int | None:
        """Number of actions taken until the goal was first reached, or None if it never was."""
        for t, state in enumerate(self.states):
            if state == self.world.goal:
                return t
        return None

    def to_frame(self) -> pd.DataFrame:
        """One row per step: time, state, (row, col), observation, action name."""
        import pandas as pd

        rows = []
        for t, action in enumerate(self.actions):
            row, col = divmod(self.states[t], self.world.side)
            rows.append(
                {
                    "t": t,
                    "state": self.states[t],
                    "row": row,
                    "col": col,
                    "observation": self.observations[t],
                    "action": ACTIONS[action],
                }
            )
        return pd.DataFrame(rows)


def run_episode(
    agent: ExplorerAgent, world: GridWorld, steps: int, *, seed: int | None = 0, stop_at_goal: bool = True
) -> Trajectory:
    """Let ``agent`` act in ``world`` for up to ``steps`` steps from the world's start.

    ``seed`` drives the observation noise and the agent's tie-breaking between equally good
    actions (pymdp draws those from numpy's global RNG: it is seeded for the episode, and the
    caller's state put back after it), so one seed gives one trajectory in every process;
    ``seed=None`` draws from the global RNGs. With ``stop_at_goal`` the episode ends on the step
    that reaches the goal.
    """
    check_instance("agent", agent, ExplorerAgent, "an ExplorerAgent or EagerExplorerAgent")
    check_instance("world", world, GridWorld, "a GridWorld")
    steps = check_int("steps", steps, low=1)
    if seed is not None:
        seed = check_int("seed", seed, low=0, high=2**32)
    if stop_at_goal.__class__ is not bool:
        raise TypeError(f"stop_at_goal must be a bool, got {stop_at_goal!r} ({type(stop_at_goal).__name__})")
    if agent.world != world:
        raise ValueError(
            f"agent {agent.agent_id} was built for {agent.world!r}, not for world {world!r}: its model's "
            "walls, goal and noise would not match the world it moves in"
        )
    import random

    with _numpy_seeded(seed):
        return _episode(agent, world, steps, random.Random(seed), stop_at_goal)


@contextmanager
def _numpy_seeded(seed: int | None) -> Iterator[None]:
    """numpy's global RNG seeded with ``seed`` inside the block, the caller's state restored after it."""
    if seed is None:
        yield
        return
    import numpy as np

    saved = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(saved)


def _episode(agent: ExplorerAgent, world: GridWorld, steps: int, rng, stop_at_goal: bool) -> Trajectory:
    state = world.start
    states, observations, actions = [state], [], []
    for _ in range(steps):
        obs = world.observe(state, rng)
        action = agent.step(obs)
        state = world.move(state, action)
        observations.append(obs)
        actions.append(action)
        states.append(state)
        if stop_at_goal and state == world.goal:
            break
    return Trajectory(world, tuple(states), tuple(observations), tuple(actions))
