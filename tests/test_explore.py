"""explorer.explore: the settings the notebook's controls describe, and the runs and pictures they drive."""

import numpy as np
import pytest

import explorer
from explorer.explore import (
    Settings,
    engines,
    figures,
    measure_world,
    parse_walls,
    record_episode,
    run_population,
)
from explorer.explore.runs import Walk

WORLD = explorer.GridWorld(side=5, walls=[6, 7, 12], obs_noise=0.2)


def test_walls_are_typed_as_states_or_row_col_pairs():
    assert parse_walls("6 7  12", 5) == (6, 7, 12)
    assert parse_walls("1,1; 1,2;7", 5) == (6, 7)
    assert parse_walls("", 5) == ()


@pytest.mark.parametrize(
    ("text", "expected"), [("6 x", "'x'"), ("5,0", "row,col '5,0'"), ("25", "walls"), ("-1", "'-1'")]
)
def test_bad_walls_are_named(text, expected):
    with pytest.raises(ValueError, match="walls") as error:
        parse_walls(text, 5)
    assert expected in str(error.value)


def test_settings_are_checked_before_anything_runs():
    with pytest.raises(ValueError, match="side must be an int in \\[2, 15\\], got 16"):
        Settings(side=16)
    with pytest.raises(ValueError, match="engine must be one of"):
        Settings(engine="gpu")
    with pytest.raises(ValueError, match="goal=24 cannot be reached"):
        Settings(side=5, walls=(18, 19, 23), goal=24)
    with pytest.raises(ValueError, match="start must not be on a wall"):
        Settings(side=5, walls=()).toggled_wall(0)


def test_the_engines_are_what_population_accepts():
    offered = engines()
    assert Settings().engine == offered[0]  # Population's default comes first
    for engine in offered:
        explorer.Population(WORLD, 2, backend=engine)  # each one really builds
    with pytest.raises(ValueError, match="backend"):
        explorer.Population(WORLD, 2, backend="not-an-engine")


def test_walls_toggle_and_typed_walls_replace():
    settings = Settings(side=5, walls=(6,), goal=None)
    assert settings.toggled_wall(7).walls == (6, 7)
    assert settings.toggled_wall(6).walls == ()
    assert settings.with_walls_text("2,2 3").walls == (3, 12)


def test_resizing_keeps_cells_that_fit():
    settings = Settings(side=6, walls=(1, 8, 30), start=7, goal=35)
    smaller = settings.resized(4)  # (0,1) and (1,2) fit; (5,0) does not; goal (5,5) falls back
    assert (smaller.side, smaller.walls, smaller.start, smaller.goal_state) == (4, (1, 6), 5, 15)
    larger = settings.resized(8)
    assert larger.walls == (1, 10, 40) and larger.start == 9 and larger.goal_state == 45


def test_episode_records_beliefs_and_policies_of_the_plain_agent():
    np.random.seed(123)
    state_before = np.random.get_state()[1].copy()
    episode = record_episode(WORLD, steps=20, seed=3)
    assert np.array_equal(np.random.get_state()[1], state_before)  # numpy's global RNG restored
    reference_rng = np.random.get_state()
    np.random.seed(3)
    plain = explorer.run_episode(explorer.ExplorerAgent(0, "plain", WORLD), WORLD, 20, seed=3)
    np.random.set_state(reference_rng)
    assert episode.trajectory == plain
    assert episode.beliefs.shape == (episode.steps, WORLD.n_states)
    assert episode.policies.shape == (episode.steps, len(explorer.ACTIONS))
    assert np.allclose(episode.beliefs.sum(axis=1), 1) and np.allclose(episode.policies.sum(axis=1), 1)
    # deterministic action selection: every action taken is a most probable one
    for t, action in enumerate(episode.trajectory.actions):
        assert episode.policies[t, action] == pytest.approx(episode.policies[t].max())
    frame = episode.to_frame()
    assert list(frame["belief_in_true_state"]) == list(
        episode.beliefs[np.arange(episode.steps), list(plain.states[:-1])].round(3)
    )


def test_same_seed_same_episode_other_seed_other_observations():
    noisy = explorer.GridWorld(side=5, obs_noise=0.6)
    first, again = record_episode(noisy, 12, seed=1), record_episode(noisy, 12, seed=1)
    assert first.trajectory == again.trajectory and np.array_equal(first.beliefs, again.beliefs)
    other = record_episode(noisy, 12, seed=2)
    assert other.trajectory.observations != first.trajectory.observations


def test_walk_observes_with_the_worlds_noise():
    walk = Walk(WORLD, 40_000, seed=0)
    walk.states[:] = 5  # neighbours of 5 that are open: 0 and 10 (6 is a wall)
    seen = walk.observe()
    expected = WORLD.observation_probabilities(5)
    assert set(np.unique(seen)) == set(expected)
    for state, probability in expected.items():
        assert np.mean(seen == state) == pytest.approx(probability, abs=0.01)


def test_population_occupancy_and_steps_to_goal():
    run = run_population(WORLD, 300, 25, seed=4)
    assert run.occupancy.shape == (26, WORLD.n_states)
    assert (run.occupancy.sum(axis=1) == 300).all()
    assert run.occupancy[0, WORLD.start] == 300
    assert run.occupancy[:, sorted(WORLD.walls)].sum() == 0
    reached = run.steps_to_goal[run.steps_to_goal >= 0]
    assert len(reached) and reached.min() >= WORLD.distance_to_goal(WORLD.start)
    # an agent that reached the goal stays there: the count on the goal never falls
    assert (np.diff(run.occupancy[:, WORLD.goal]) >= 0).all()
    assert run.occupancy[-1, WORLD.goal] == len(reached)
    assert run.summary()["agents"] == 300 and run.completed


def test_population_reports_progress_and_stops_keeping_what_was_done():
    seen = []
    run = run_population(
        WORLD, 50, 30, progress=lambda done, total: seen.append((done, total)), stop=lambda: len(seen) >= 3
    )
    assert seen == [(1, 30), (2, 30), (3, 30)]
    assert not run.completed and len(run.occupancy) == 4


def test_population_arguments_are_checked():
    with pytest.raises(ValueError, match="engine must be one of"):
        run_population(WORLD, 10, 5, engine="gpu")
    with pytest.raises(ValueError, match="n must be an int >= 1, got 0"):
        run_population(WORLD, 0, 5)


def test_measure_world_stopped_before_it_starts_measures_nothing():
    results = measure_world(WORLD, stop=lambda: True)
    assert results.empty and results.attrs["completed"] is False


def test_figures_are_pngs_and_steps_are_checked():
    episode = record_episode(WORLD, 10)
    picture = figures.png(figures.episode_figure(episode, episode.steps - 1))
    assert picture.startswith(b"\x89PNG") and len(picture) < 60_000
    assert figures.png(figures.episode_figure(episode, 0)) != picture
    with pytest.raises(ValueError, match="step must be an int in"):
        figures.episode_figure(episode, episode.steps)
    run = run_population(WORLD, 20, 5)
    assert figures.png(figures.population_figure(run, 5)).startswith(b"\x89PNG")
