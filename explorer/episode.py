"""Running an agent in a world: the simulation loop and the trajectory it returns."""

from __future__ import annotations

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

    ``seed`` drives the observation noise (unused when ``obs_noise`` is 0); with ``stop_at_goal``
    the episode ends on the step that reaches the goal.
    """
    check_instance("agent", agent, ExplorerAgent, "an ExplorerAgent or EagerExplorerAgent")
    check_instance("world", world, GridWorld, "a GridWorld")
    steps = check_int("steps", steps, low=1)
    if agent.world.n_states != world.n_states:
        raise ValueError(
            f"agent's world has {agent.world.n_states} states but world has {world.n_states}: "
            "observations would be out of the agent's range"
        )
    import random

    rng = random.Random(seed)
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
