"""GridWorld: numbering, moves, walls, observations and argument checks."""

import random

import pytest

from explorer import ACTIONS, GridWorld


def test_actions_are_the_five_moves():
    assert ACTIONS == ("up", "down", "left", "right", "stay")


def test_states_are_row_major_and_goal_defaults_to_last_cell():
    world = GridWorld(side=4)
    assert world.n_states == 16
    assert world.coords(6) == (1, 2)
    assert world.goal == 15


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (6, "up", 2),
        (6, "down", 10),
        (6, "left", 5),
        (6, "right", 7),
        (6, "stay", 6),
        (0, "up", 0),
        (0, "left", 0),
        (15, "down", 15),
        (15, "right", 15),
        (3, 3, 3),
    ],
)
def test_moves_and_grid_edges(state, action, expected):
    assert GridWorld(side=4).move(state, action) == expected


def test_moving_into_a_wall_stays_put():
    world = GridWorld(side=3, walls=[4])
    assert world.move(1, "down") == 1
    assert world.move(3, "right") == 3
    assert world.move(0, "right") == 1


def test_distance_to_goal_goes_around_walls():
    # 3x3, wall in the middle column's top two cells: 0 -> 8 must go down first
    world = GridWorld(side=3, walls=[1, 4], start=0, goal=2)
    assert world.distance_to_goal(2) == 0
    assert world.distance_to_goal(0) == 6
    assert world.distance_to_goal(1) is None


def test_observation_without_noise_is_the_state():
    world = GridWorld()
    assert world.observation_probabilities(7) == {7: 1.0}
    assert world.observe(7) == 7


def test_noisy_observation_spreads_to_open_neighbours():
    world = GridWorld(side=3, walls=[1], obs_noise=0.3)
    probs = world.observation_probabilities(0)
    assert probs == {0: pytest.approx(0.7), 3: pytest.approx(0.3)}
    rng = random.Random(1)
    draws = [world.observe(4, rng) for _ in range(2000)]
    assert set(draws) <= {4, 3, 5, 7}
    assert 0.6 < draws.count(4) / len(draws) < 0.8


def test_noisy_observe_requires_an_rng():
    with pytest.raises(ValueError, match="rng"):
        GridWorld(obs_noise=0.2).observe(3)


def test_worlds_with_equal_parameters_are_equal_and_hashable():
    assert GridWorld(walls=[3, 2]) == GridWorld(walls=(2, 3))
    assert len({GridWorld(), GridWorld(side=5, goal=24)}) == 1
    assert GridWorld() != GridWorld(obs_noise=0.1)


def test_world_is_immutable():
    with pytest.raises(AttributeError, match="immutable"):
        GridWorld().side = 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"side": 1}, ValueError, "side must be an int >= 2, got 1"),
        ({"side": 2.5}, TypeError, "side must be an int, got 2.5"),
        ({"side": True}, TypeError, "side must be an int"),
        ({"walls": [25]}, ValueError, r"walls\[...\] must be an int in \[0, 24\], got 25"),
        ({"walls": 3}, TypeError, "walls must be an iterable"),
        ({"start": -1}, ValueError, "start must be an int in"),
        ({"goal": 30}, ValueError, "goal must be an int in"),
        ({"walls": [0]}, ValueError, "start must not be on a wall"),
        ({"walls": [24]}, ValueError, "goal must not be on a wall"),
        ({"obs_noise": 1.0}, ValueError, r"obs_noise must be in \[0, 1\), got 1.0"),
        ({"obs_noise": -0.1}, ValueError, "obs_noise must be in"),
        ({"obs_noise": "0.1"}, TypeError, "obs_noise must be a real number"),
        ({"walls": [19, 23]}, ValueError, "cannot be reached"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        GridWorld(**kwargs)


@pytest.mark.parametrize(("action", "error"), [("jump", ValueError), (5, ValueError), (1.0, TypeError)])
def test_unknown_action_raises(action, error):
    with pytest.raises(error, match="action"):
        GridWorld().move(0, action)
