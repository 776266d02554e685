"""Eager and lazy explorer agents: the same answers as pymdp's own legacy Agent, step for step."""

import numpy as np
import pytest
from pymdp_reference import legacy_agent

from explorer import EagerExplorerAgent, ExplorerAgent, GridWorld, build_model, create_agent, run_episode

WORLDS = [
    GridWorld(),
    GridWorld(side=4, walls=[5, 6, 9], start=0, goal=15),
    GridWorld(obs_noise=0.2),
    GridWorld(side=6, walls=[7, 8, 14, 20, 26], start=3, goal=30, obs_noise=0.35),
]


def pymdp_run(world, observations, seed):
    """pymdp's legacy Agent, built from copies of the model, fed ``observations``."""
    reference = legacy_agent(world)
    np.random.seed(seed)  # pymdp breaks exact ties with the global RNG
    out = []
    for obs in observations:
        reference.infer_states([obs])
        q_pi, _ = reference.infer_policies()
        action = int(reference.sample_action()[0])
        out.append((reference.qs[0].copy(), q_pi.copy(), action))
    return out


def explorer_run(agent, observations, seed):
    np.random.seed(seed)
    out = []
    for obs in observations:
        action = agent.step(obs)
        out.append((agent.beliefs, agent.policy_posterior, action))
    return out


@pytest.mark.parametrize("world", WORLDS, ids=repr)
@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test_steps_match_pymdp_legacy_agent_exactly(world, eager):
    observations = list(
        run_episode(create_agent(0, "probe", world=world), world, 25, seed=3, stop_at_goal=False).observations
    )
    agent = create_agent(1, "under-test", world=world, eager=eager)
    ours = explorer_run(agent, observations, seed=11)
    theirs = pymdp_run(world, observations, seed=11)
    assert len(ours) == len(theirs) == 25
    for (qs, q_pi, action), (ref_qs, ref_q_pi, ref_action) in zip(ours, theirs, strict=True):
        assert np.array_equal(qs, ref_qs)
        assert np.array_equal(q_pi, ref_q_pi)
        assert action == ref_action


def test_lazy_spawn_builds_nothing():
    agent = ExplorerAgent(3, "lazy")
    assert not agent.is_ready
    assert agent.world == GridWorld()
    assert not hasattr(agent, "__dict__")


def test_first_step_builds_and_shares_the_world_model():
    world = GridWorld(side=4)
    first, second = ExplorerAgent(1, "a", world), ExplorerAgent(2, "b", world)
    first.step(0)
    second.step(0)
    assert first.is_ready and second.is_ready
    assert first._pymdp.A[0] is build_model(world).A[0]
    assert second._pymdp.B[0] is build_model(world).B[0]


def test_eager_agent_is_built_at_spawn():
    agent = EagerExplorerAgent(4, "eager", GridWorld(side=3))
    assert agent.is_ready
    assert isinstance(create_agent(5, "e", eager=True), EagerExplorerAgent)
    assert type(create_agent(6, "l")) is ExplorerAgent


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test_beliefs_before_the_first_step_are_pymdps_uniform(eager):
    agent = create_agent(0, "x", eager=eager)
    assert np.array_equal(agent.beliefs, np.ones(25) / 25)
    assert np.array_equal(agent.policy_posterior, np.ones(5) / 5)


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
def test_reset_makes_the_agent_behave_like_a_new_one(eager):
    world = WORLDS[3]
    observations = list(
        run_episode(create_agent(0, "p", world=world), world, 12, seed=5, stop_at_goal=False).observations
    )
    agent = create_agent(1, "r", world=world, eager=eager)
    explorer_run(agent, observations[::-1], seed=2)
    agent.reset()
    assert np.array_equal(agent.beliefs, np.ones(world.n_states) / world.n_states)
    after_reset = explorer_run(agent, observations, seed=8)
    fresh = explorer_run(create_agent(2, "n", world=world, eager=eager), observations, seed=8)
    for (qs, q_pi, action), (f_qs, f_q_pi, f_action) in zip(after_reset, fresh, strict=True):
        assert np.array_equal(qs, f_qs) and np.array_equal(q_pi, f_q_pi) and action == f_action


def test_beliefs_are_copies():
    agent = create_agent(0, "c")
    agent.step(0)
    agent.beliefs[:] = 0
    assert agent.beliefs.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((-1, "a"), {}, ValueError, "agent_id must be an int >= 0, got -1"),
        (("1", "a"), {}, TypeError, "agent_id must be an int >= 0, got '1'"),
        ((True, "a"), {}, TypeError, "agent_id must be an int"),
        ((1, 2), {}, TypeError, "name must be a str, got 2"),
        ((1, "a"), {"world": "5x5"}, TypeError, "world must be a GridWorld or None"),
        ((1, "a"), {"eager": "yes"}, TypeError, "eager must be a bool"),
    ],
)
def test_bad_spawn_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        create_agent(*args, **kwargs)


@pytest.mark.parametrize("eager", [False, True], ids=["lazy", "eager"])
@pytest.mark.parametrize(
    ("observation", "error", "message"),
    [
        (25, ValueError, r"observation must be an int in \[0, 24\], got 25"),
        (-1, ValueError, "observation"),
        (1.0, TypeError, "observation must be an int, got 1.0"),
        ("3", TypeError, "observation"),
    ],
)
def test_bad_observation_raises_before_any_work(eager, observation, error, message):
    agent = create_agent(0, "o", eager=eager)
    with pytest.raises(error, match=message):
        agent.step(observation)
    assert agent.is_ready is eager  # the lazy agent did not build to reject it


def test_numpy_integer_observations_are_accepted():
    assert create_agent(0, "n").step(np.int64(3)) in range(5)
