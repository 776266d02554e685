"""explorer.Model: pymdp legacy's defaults and policy order, read-only arrays, pickling, pymdp's kwargs."""

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from pymdp.legacy import control
from pymdp.legacy.agent import Agent
from pymdp.legacy.envs import TMazeEnv
from pymdp_reference import legacy_agent_from
from strategies import model_kwargs

from explorer import GridWorld, Model, build_model


def tmaze():
    env = TMazeEnv(reward_probs=[0.98, 0.02])
    return env.get_likelihood_dist(), env.get_transition_dist()


def test_the_tmaze_as_pymdp_gives_it():
    A, B = tmaze()
    model = Model(A, B, control_fac_idx=[0])
    assert model.n_states == (4, 2) and model.n_obs == (4, 3, 2) and model.n_controls == (4, 1)
    assert (model.n_factors, model.n_modalities, model.n_policies) == (2, 3, 4)
    assert model.control_fac_idx == (0,)
    for ours, theirs in zip(model.A, A, strict=True):
        assert np.array_equal(ours, theirs) and ours is not theirs and ours.dtype == np.float64
    assert model.nbytes == sum(a.nbytes for a in (*A, *B)) + 8 * (4 + 3 + 2 + 4 + 2 + 4 + 4 * 2)


@pytest.mark.parametrize(
    ("n_controls", "policy_len"), [((4, 1), 1), ((4, 1), 3), ((2, 3), 2), ((1, 1), 2), ((3, 1, 2), 2)]
)
def test_policies_in_pymdp_legacy_order(n_controls, policy_len):
    n_states = tuple(max(n, 2) for n in n_controls)
    B = [np.repeat(np.eye(s)[:, :, None], n, axis=2) for s, n in zip(n_states, n_controls, strict=True)]
    A = np.ones((2, *n_states)) / 2
    model = Model(A, B, policy_len=policy_len)
    controlled = [f for f, n in enumerate(n_controls) if n > 1]
    theirs = control.construct_policies(list(n_states), list(n_controls), policy_len, controlled)
    assert model.policies.dtype == np.int64
    assert model.policies.shape == (len(theirs), policy_len, len(n_states))
    assert np.array_equal(model.policies, np.array(theirs))
    assert model.control_fac_idx == tuple(controlled)


def test_defaults_are_pymdp_legacys():
    A, B = tmaze()
    model = Model(A, B)
    agent = Agent(A=A, B=B)
    for ours, theirs in zip(model.C + model.D, list(agent.C) + list(agent.D), strict=True):
        assert np.array_equal(ours, theirs)
    assert np.array_equal(model.E, agent.E)
    assert np.array_equal(model.policies, np.array(agent.policies))
    assert list(model.control_fac_idx) == agent.control_fac_idx
    assert (model.gamma, model.alpha, model.policy_len) == (agent.gamma, agent.alpha, agent.policy_len)
    assert (model.use_utility, model.use_states_info_gain) == (agent.use_utility, agent.use_states_info_gain)
    assert model.action_selection == agent.action_selection
    expected = {"num_iter": model.num_iter, "dF": model.dF, "dF_tol": model.dF_tol, "compute_vfe": True}
    assert agent.inference_params == expected


def test_every_array_is_read_only_and_the_model_immutable():
    A, B = tmaze()
    model = Model(A, B, control_fac_idx=[0])
    for array in (*model.A, *model.B, *model.C, *model.D, model.E, model.policies):
        assert array.flags.c_contiguous and not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array.flat[0] = 0
    with pytest.raises(AttributeError, match="Model is immutable"):
        model.gamma = 1.0
    A[0][0, 0, 0] = 0.5  # the caller's arrays are not the model's
    assert model.A[0][0, 0, 0] == 1.0


def test_a_pickled_model_comes_back_equal_and_read_only():
    A, B = tmaze()
    params = {"num_iter": 3}
    model = Model(A, B, policy_len=2, gamma=4.0, action_selection="stochastic", inference_params=params)
    back = pickle.loads(pickle.dumps(model))
    assert back == model and back is not model and hash(back) == hash(model)
    assert (back.num_iter, back.gamma, back.action_selection) == (3, 4.0, "stochastic")
    for array in (*back.A, *back.B, *back.C, *back.D, back.E, back.policies):
        assert not array.flags.writeable
    assert back != Model(A, B, policy_len=2)
    grid = build_model(GridWorld(side=3))
    assert pickle.loads(pickle.dumps(grid)) == grid and pickle.loads(pickle.dumps(grid)).world == grid.world


def test_the_grid_model_is_a_model_of_one_factor_and_one_modality():
    model = build_model(GridWorld())
    assert isinstance(model, Model)
    assert (model.n_states, model.n_obs, model.n_controls, model.n_policies) == ((25,), (25,), (5,), 5)
    assert model.A[0].shape == (25, 25) and model.B[0].shape == (25, 25, 5)


def test_legacy_agent_kwargs_build_pymdps_agent_on_fresh_writable_copies():
    A, B = tmaze()
    model = Model(A, B, control_fac_idx=[0], policy_len=2, alpha=3.0)
    kwargs = model.legacy_agent_kwargs()
    assert kwargs["A"].dtype == object and kwargs["A"][0] is not model.A[0] and kwargs["A"][0].flags.writeable
    agent = Agent(**kwargs)
    assert len(agent.policies) == model.n_policies == 16 and agent.alpha == 3.0
    shared = model.legacy_agent_kwargs(shared=True)
    assert shared["B"][1] is model.B[1] and shared["E"] is model.E


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_kwargs())
def test_random_models_hold_what_pymdps_agent_holds(kwargs):
    model = Model(**kwargs)
    agent = legacy_agent_from(kwargs)
    assert np.array_equal(model.policies, np.array(agent.policies))
    assert np.array_equal(model.E, agent.E)
    for ours, theirs in zip(model.D, agent.D, strict=True):
        assert np.array_equal(ours, theirs)
    assert list(model.n_states) == agent.num_states and list(model.n_obs) == agent.num_obs
