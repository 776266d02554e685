"""run_episode: the simulation loop reaches the goal and records a consistent trajectory."""

import pytest

from explorer import GridWorld, create_agent, run_episode


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test_agent_reaches_the_goal_of_an_open_5x5_grid_by_a_shortest_path(eager):
    world = GridWorld()
    trajectory = run_episode(create_agent(0, "walker", eager=eager), world, 30)
    assert trajectory.reached_goal
    assert trajectory.steps_to_goal == 8  # the Manhattan distance from corner to corner


def test_agent_goes_around_walls():
    world = GridWorld(side=5, walls=[1, 6, 11, 16], start=0, goal=2)
    trajectory = run_episode(create_agent(0, "w", world=world), world, 40)
    assert trajectory.reached_goal
    assert not set(trajectory.states) & world.walls
    assert trajectory.steps_to_goal == world.distance_to_goal(0)


def test_agent_reaches_the_goal_despite_observation_noise():
    world = GridWorld(obs_noise=0.2)
    trajectory = run_episode(create_agent(0, "n", world=world), world, 60, seed=4)
    assert trajectory.reached_goal
    assert trajectory.observations != trajectory.states[:-1]  # the noise did blur some observations


def test_trajectory_is_consistent_with_the_world():
    world = GridWorld(side=4)
    trajectory = run_episode(create_agent(0, "t", world=world), world, 5, stop_at_goal=False)
    assert len(trajectory.states) == len(trajectory.actions) + 1 == 6
    for t, action in enumerate(trajectory.actions):
        assert trajectory.states[t + 1] == world.move(trajectory.states[t], action)
    frame = trajectory.to_frame()
    assert list(frame.columns) == ["t", "state", "row", "col", "observation", "action"]
    assert len(frame) == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"steps": 0}, ValueError, "steps must be an int >= 1"),
        ({"agent": object()}, TypeError, "agent must be"),
        ({"world": None}, TypeError, "world must be a GridWorld"),
        (
            {"world": GridWorld(side=3)},
            ValueError,
            r"agent 0 was built for GridWorld\(side=5, .* not for world GridWorld\(side=3",
        ),
    ],
)
def test_bad_arguments(kwargs, error, message):
    arguments = {"agent": create_agent(0, "x"), "world": GridWorld(), "steps": 5} | kwargs
    with pytest.raises(error, match=message):
        run_episode(**arguments)
