"""LazyAgent and EagerAgent for any model: step for step what pymdp's own legacy Agent computes.

The reference is built by the test from the same arrays (tests/pymdp_reference.py), never through explorer.
Stochastic runs seed numpy's global RNG the same before each side: both draw from it as pymdp does.
"""

import copy
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymdp.legacy import utils
from pymdp.legacy.agent import Agent
from pymdp.legacy.envs import TMazeEnv
from pymdp_reference import legacy_agent_from
from strategies import model_kwargs, observation_sequences

from explorer import EagerAgent, GridWorld, LazyAgent, Model, build_model

EXACT = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tmaze_kwargs(**settings) -> dict:
    env = TMazeEnv(reward_probs=[0.98, 0.02])
    C = utils.obj_array_zeros([a.shape[0] for a in env.get_likelihood_dist()])
    C[1][1], C[1][2] = 3.0, -3.0  # pymdp's T-maze tutorial: reward preferred, punishment avoided
    kwargs = {"A": env.get_likelihood_dist(), "B": env.get_transition_dist(), "C": C, "control_fac_idx": [0]}
    return kwargs | settings


def assert_same_step(ours, theirs, our_action, their_action):
    assert our_action == tuple(int(a) for a in their_action)
    assert len(ours.beliefs) == len(theirs.qs)
    for mine, reference in zip(ours.beliefs, theirs.qs, strict=True):
        assert np.array_equal(mine, reference), np.abs(mine - reference).max()
    assert np.array_equal(ours.policy_posterior, theirs.q_pi), np.abs(
        ours.policy_posterior - theirs.q_pi
    ).max()


def run_tmaze(make_agent, kwargs, steps, seed):
    """Actions, beliefs and policy posteriors of ``steps`` steps in pymdp's T-maze environment."""
    np.random.seed(seed)  # the environment and stochastic actions draw from numpy's global RNG
    env = TMazeEnv(reward_probs=[0.98, 0.02])
    agent = make_agent(kwargs)
    observation = env.reset()
    trace = []
    for _ in range(steps):
        if isinstance(agent, Agent):
            agent.infer_states(observation)
            agent.infer_policies()
            action = tuple(int(a) for a in agent.sample_action())
            beliefs, q_pi = [q.copy() for q in agent.qs], agent.q_pi.copy()
        else:
            action = agent.step([int(o) for o in observation])
            beliefs, q_pi = agent.beliefs, agent.policy_posterior
        trace.append((action, beliefs, q_pi))
        observation = env.step(np.array(action, dtype=float))
    return trace


@pytest.mark.parametrize("agent_class", [LazyAgent, EagerAgent])
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"policy_len": 2},
        {"action_selection": "stochastic", "alpha": 2.0},
        {"gamma": 2.0, "use_utility": False},
    ],
    ids=["default", "policy_len=2", "stochastic", "no-utility"],
)
def test_tmaze_step_for_step_as_pymdps_agent(agent_class, settings):
    kwargs = tmaze_kwargs(**settings)
    for seed in (0, 1):
        ours = run_tmaze(lambda kw: agent_class(Model(**kw)), kwargs, 8, seed)
        theirs = run_tmaze(lambda kw: Agent(**copy.deepcopy(kw)), kwargs, 8, seed)
        for (action, beliefs, q_pi), (their_action, their_beliefs, their_q_pi) in zip(
            ours, theirs, strict=True
        ):
            assert action == their_action
            for mine, reference in zip(beliefs, their_beliefs, strict=True):
                assert np.array_equal(mine, reference)
            assert np.array_equal(q_pi, their_q_pi)
    assert {t[0][0] for t in ours} - {0}, "the agent moves"


@settings(EXACT, max_examples=12)
@given(st.data())
def test_random_models_step_for_step_as_pymdps_agent_on_adversarial_observations(data):
    kwargs = data.draw(model_kwargs())
    model = Model(**kwargs)
    observations = data.draw(observation_sequences(model.n_obs, max_steps=5))
    seed = data.draw(st.integers(0, 2**32 - 1))
    ours, theirs = LazyAgent(model), legacy_agent_from(kwargs)
    np.random.seed(seed)
    our_actions = []
    for observation in observations:
        our_actions.append(ours.step(observation))
    our_beliefs, our_q_pi = ours.beliefs, ours.policy_posterior
    np.random.seed(seed)
    for observation, our_action in zip(observations, our_actions, strict=True):
        theirs.infer_states(observation)
        theirs.infer_policies()
        assert our_action == tuple(int(a) for a in theirs.sample_action())
    for mine, reference in zip(our_beliefs, theirs.qs, strict=True):
        assert np.array_equal(mine, reference)
    assert np.array_equal(our_q_pi, theirs.q_pi)
    assert all(
        a == 0 for action in our_actions for a, n in zip(action, model.n_controls, strict=True) if n == 1
    )


def generative_process(model_kwargs: dict, seed: int):
    """An environment from the model's own arrays: hidden states drawn from D and B, observations from A."""
    rng = np.random.default_rng(seed)
    A, B = model_kwargs["A"], model_kwargs["B"]
    D = model_kwargs["D"] or [np.ones(b.shape[0]) / b.shape[0] for b in B]
    states = [rng.choice(len(d), p=d / d.sum()) for d in D]

    def observe():
        return tuple(int(rng.choice(a.shape[0], p=a[(slice(None), *states)])) for a in A)

    def act(action):
        for f, (b, u) in enumerate(zip(B, action, strict=True)):
            column = b[:, states[f], u]
            states[f] = rng.choice(len(column), p=column / column.sum())

    return observe, act


@EXACT
@given(model_kwargs(), st.integers(0, 2**32 - 1))
def test_random_models_step_for_step_as_pymdps_agent_in_their_own_environment(kwargs, seed):
    ours, theirs = EagerAgent(Model(**kwargs)), legacy_agent_from(kwargs)
    observe, act = generative_process(kwargs, seed)
    for step in range(4):
        observation = observe()
        np.random.seed((seed + step) % 2**32)
        action = ours.step(observation)
        np.random.seed((seed + step) % 2**32)
        theirs.infer_states(observation)
        theirs.infer_policies()
        assert_same_step(ours, theirs, action, theirs.sample_action())
        act(action)


def test_inference_params_reach_pymdps_iteration():
    kwargs = tmaze_kwargs(inference_params={"num_iter": 1, "dF_tol": 0.5})
    ours = LazyAgent(Model(**kwargs))
    theirs = Agent(**copy.deepcopy({k: v for k, v in kwargs.items() if k != "inference_params"}))
    theirs.inference_params |= {"num_iter": 1, "dF_tol": 0.5}  # pymdp's Agent ignores the keyword
    default = LazyAgent(Model(**tmaze_kwargs()))
    for observation in [(0, 0, 0), (2, 1, 1), (1, 2, 0)]:
        action = ours.step(observation)
        default.step(observation)
        theirs.infer_states(observation)
        theirs.infer_policies()
        assert_same_step(ours, theirs, action, theirs.sample_action())
    assert not np.array_equal(ours.beliefs[1], default.beliefs[1])


def test_before_the_first_step_and_after_reset_the_agent_is_as_new():
    model = Model(**tmaze_kwargs(E=np.array([0.1, 0.2, 0.3, 0.4])))
    agent, fresh = LazyAgent(model), LazyAgent(model)
    assert not agent.is_ready and EagerAgent(model).is_ready
    assert [b.tolist() for b in agent.beliefs] == [[0.25] * 4, [0.5] * 2]
    assert np.array_equal(agent.policy_posterior, model.E)
    agent.step((0, 0, 0))
    agent.step((1, 1, 1))
    agent.reset()
    assert [b.tolist() for b in agent.beliefs] == [[0.25] * 4, [0.5] * 2]
    assert np.array_equal(agent.policy_posterior, model.E)
    assert agent.step((2, 1, 0)) == fresh.step((2, 1, 0))
    assert all(np.array_equal(a, b) for a, b in zip(agent.beliefs, fresh.beliefs, strict=True))


def test_agents_share_the_models_arrays():
    model = build_model(GridWorld(side=3))
    first, second = LazyAgent(model), EagerAgent(model)
    first.step(0)
    assert first._pymdp.A[0] is second._pymdp.A[0] is model.A[0]
    assert first._pymdp.policies is model.policies and first._pymdp.E is model.E


@pytest.mark.parametrize(
    ("observation", "error", "message"),
    [
        ((0, 0), ValueError, r"observation must be one int per modality \(3: .*got 2 values"),
        ((0, 0, 2), ValueError, r"observation\[2\] must be an int in \[0, 1\], got 2"),
        ((0, -1, 0), ValueError, r"observation\[1\] must be an int in \[0, 2\], got -1"),
        ((0, 0.0, 0), TypeError, r"observation\[1\] must be an int, got 0.0"),
        ((True, 0, 0), TypeError, r"observation\[0\] must be an int, got True"),
        (np.array([0, 0, 0.0]), TypeError, r"observation must be .*got an array of dtype float64"),
        (np.array([[0, 0, 0]]), ValueError, r"observation must be .*got an array of shape \(1, 3\)"),
        (np.ma.array([0, 0, 0], mask=[0, 1, 0]), TypeError, r"observation must be .*got a masked array"),
        (3, TypeError, r"observation must be one int per modality \(3: .*got 3 \(int\)"),
        ("abc", TypeError, r"observation must be one int per modality .*got 'abc' \(str\)"),
    ],
)
def test_bad_observations_are_refused_by_name_and_change_nothing(observation, error, message):
    agent = LazyAgent(Model(**tmaze_kwargs()))
    agent.step((0, 0, 0))
    before = agent.beliefs, agent.policy_posterior
    with pytest.raises(error, match=message):
        agent.step(observation)
    assert all(np.array_equal(a, b) for a, b in zip(before[0], agent.beliefs, strict=True))
    assert np.array_equal(before[1], agent.policy_posterior)


def test_one_modality_takes_a_bare_int_and_refuses_one_out_of_range():
    agent = LazyAgent(build_model(GridWorld(side=3)))
    actions = [agent.step(observation) for observation in (np.int64(0), [0], (0,), np.array([0]), 0)]
    assert all(len(action) == 1 and type(action[0]) is int for action in actions)
    with pytest.raises(ValueError, match=r"observation must be an int in \[0, 8\], got 9"):
        agent.step(9)
    with pytest.raises(TypeError, match=r"observation must be an int, got 1.5"):
        agent.step(1.5)


def test_a_lazy_agent_needs_a_model():
    with pytest.raises(TypeError, match=r"model must be an explorer.Model .*got GridWorld"):
        LazyAgent(GridWorld())
    with pytest.raises(TypeError, match=r"model must be an explorer.Model .*got None"):
        EagerAgent(None)


def test_importing_loads_no_numpy_and_spawning_no_pymdp():
    code = (
        "import sys, explorer\n"
        "explorer.LazyAgent\n"
        "assert 'numpy' not in sys.modules, 'numpy'\n"
        "from explorer.pomdp.lazy import LazyAgent\n"
        "model = explorer.build_model(explorer.GridWorld())\n"
        "agents = [LazyAgent(model) for _ in range(3)]\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pymdp', 'scipy', 'jax'))), agents[0].is_ready)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] False"
