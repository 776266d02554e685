"""explorer.tasks: the built-in tasks' models, their environments, bad settings and what agents do in them."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymdp.legacy import utils
from pymdp.legacy.agent import Agent
from pymdp.legacy.envs import TMazeEnv

import explorer
from explorer import GridWorld, build_model, tasks
from explorer.limits import using_memory_limit

#: Every task at small settings, as the agent-level exactness test steps them.
TASKS = {
    "grid": lambda: tasks.grid(side=4, walls=(5,), obs_noise=0.1),
    "grid_uncertain": lambda: tasks.grid(start=None, uncertain_start=True, obs_noise=0.1),
    "tmaze": lambda: tasks.tmaze(),
    "tmaze_stochastic_rewards": lambda: tasks.tmaze(reward_probs=(0.7, 0.3), policy_len=1),
    "signposts": lambda: tasks.signposts(loss=-1.0, policy_len=2),  # legacy: ~50 ms a step at 25 policies
}


def independent_agent(model, **settings):
    """pymdp's legacy Agent over copies of a task's arrays, without explorer's bridge."""
    arrays = {name: utils.obj_array_from_list([np.array(a) for a in getattr(model, name)]) for name in "ABCD"}
    return Agent(
        **arrays, policy_len=model.policy_len, control_fac_idx=list(model.control_fac_idx), **settings
    )


def entropy(q):
    return float(-(q * np.log(q + 1e-16)).sum())


def legacy_step(agent, observation):
    agent.infer_states(list(observation))
    agent.infer_policies()
    return np.array(agent.sample_action(), dtype=int)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_lazy_agents_on_each_task_match_pymdp_legacy_step_for_step(name):
    task = TASKS[name]()
    for seed in (0, 1):
        env = task.environment(1, seed=seed)
        observations = env.reset()
        ours, theirs = explorer.LazyAgent(task.model), independent_agent(task.model)
        for t in range(5):
            np.random.seed(100 * seed + t)  # the same draw for ties
            action = np.array(ours.step(observations[0]), dtype=int)
            np.random.seed(100 * seed + t)
            assert np.array_equal(action, legacy_step(theirs, observations[0]))
            for q_ours, q_theirs in zip(ours.beliefs, theirs.qs, strict=True):
                np.testing.assert_allclose(q_ours, q_theirs, rtol=0, atol=1e-8)
            np.testing.assert_allclose(ours.policy_posterior, theirs.q_pi, rtol=0, atol=1e-8)
            observations = env.step(action[None, :])


@pytest.mark.parametrize("name", sorted(TASKS))
def test_populations_on_each_task_match_pymdp_legacy_agents(name):
    task, n = TASKS[name](), 3
    env = task.environment(n, seed=5)
    observations = env.reset()
    population = explorer.Population(task.model, n, backend="numpy", legacy_rng=True)
    agents = [independent_agent(task.model) for _ in range(n)]
    for t in range(4):
        np.random.seed(t)  # legacy_rng: ties drawn as the legacy agents, in order, draw them
        actions = population.step(observations)
        np.random.seed(t)
        theirs = np.array([legacy_step(agent, o) for agent, o in zip(agents, observations, strict=True)])
        assert np.array_equal(actions, theirs)
        for f, q in enumerate(population.beliefs):
            np.testing.assert_allclose(q, [agent.qs[f] for agent in agents], rtol=0, atol=1e-8)
        np.testing.assert_allclose(population.policy_posterior, [a.q_pi for a in agents], rtol=0, atol=1e-8)
        observations = env.step(actions)


def test_the_known_grid_is_todays_world_and_model():
    task = tasks.grid(side=4, walls=(5,), goal=10, obs_noise=0.2)
    world = GridWorld(4, (5,), 0, 10, 0.2)
    assert task.model is build_model(world)
    assert task.events["goal"].tolist() == [s == 10 for s in range(16)]
    env = task.environment(3, seed=0)
    assert np.array_equal(env.reset()[:, 0] >= 0, [True] * 3) and np.array_equal(env.states, [[0]] * 3)
    moved = env.step(np.array([3, 2, 4]))  # right, left (off the edge: stays), stay
    assert env.states[:, 0].tolist() == [1, 0, 0] and moved.shape == (3, 1)


def test_the_tmaze_is_pymdps():
    task = tasks.tmaze()
    env = TMazeEnv(reward_probs=[0.98, 0.02])
    for ours, theirs in (
        (task.model.A, env.get_likelihood_dist()),
        (task.model.B, env.get_transition_dist()),
    ):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert a.shape == b.shape and np.array_equal(a, b)
    assert task.model.policies.shape == (16, 2, 2) and task.model.control_fac_idx == (0,)
    assert [c.tolist() for c in task.model.C] == [[0.0] * 4, [0.0, 3.0, -3.0], [0.0, 0.0]]


def test_the_tmaze_environment_draws_as_tmazeenv():
    """TMazeEnv's process: start in the centre, the context uniform, observations drawn from A."""
    n = 4000
    env = tasks.tmaze(reward_probs=(0.8, 0.2)).environment(n, seed=3)
    first = env.reset()
    context = env.states[:, 1]
    assert np.all(env.states[:, 0] == 0) and np.all(first[:, 0] == 0) and np.all(first[:, 1] == 0)
    assert abs(context.mean() - 0.5) < 4 * 0.5 / np.sqrt(n)
    assert abs(first[:, 2].mean() - 0.5) < 4 * 0.5 / np.sqrt(n)  # the centre's cue is a coin flip
    cue = env.step(np.tile([3, 0], (n, 1)))
    assert np.all(cue[:, 0] == 3) and np.array_equal(cue[:, 2], context)
    left = env.step(np.tile([1, 0], (n, 1)))
    rewarded = left[:, 1] == 1
    assert set(np.unique(left[:, 1])) <= {1, 2}
    for paid, p in ((0, 0.8), (1, 0.2)):  # context 0 pays in the left arm
        mine = context == paid
        assert abs(rewarded[mine].mean() - p) < 4 * np.sqrt(p * (1 - p) / mine.sum())
    assert np.array_equal(env.at_goal, (context == 0)) and np.array_equal(env.succeeded, context == 0)


def run_population(task, n, steps, seed):
    """A population (numpy engine, checked against legacy agents above) in the task's environment;
    per step the mean total belief entropy."""
    env = task.environment(n, seed=seed)
    observations = env.reset()
    population = explorer.Population(task.model, n, backend="numpy", seed=seed)
    entropies = []
    for _ in range(steps):
        actions = population.step(observations)
        entropies.append(np.mean(sum(-(q * np.log(q + 1e-16)).sum(axis=1) for q in population.beliefs)))
        observations = env.step(actions)
    return env, np.array(entropies)


def test_an_uncertain_start_spreads_the_belief_then_localising_collapses_it():
    task = tasks.grid(start=None, uncertain_start=True, obs_noise=0.1)
    assert entropy(task.model.D[0]) == pytest.approx(np.log(25))
    env, entropies = run_population(task, n=200, steps=10, seed=0)
    assert entropies[0] > 0.3  # after the first observation, several cells still look alike
    assert np.all(np.diff(entropies) <= 1e-9) and entropies[-1] < 1e-3
    assert env.succeeded.all()


def test_tmaze_agents_visit_the_cue_before_an_arm():
    env, _ = run_population(tasks.tmaze(), n=500, steps=3, seed=0)
    first = env.first_visits
    arm = np.where(first["goal"] < 0, 99, first["goal"])
    arm = np.minimum(arm, np.where(first["failure"] < 0, 99, first["failure"]))
    cue_first = (first["cue"] >= 0) & (first["cue"] < arm)
    assert cue_first.mean() == 1.0 and env.succeeded.mean() > 0.95  # measured: 500 of 500 (seed 0)


def test_signposts_read_the_sign_unless_guessing_pays():
    env, _ = run_population(tasks.signposts(), n=100, steps=4, seed=0)
    assert np.all(env.first_visits["signpost"] == 1) and np.all(env.first_visits["goal"] == 4)
    env, _ = run_population(tasks.signposts(loss=-1.0), n=100, steps=2, seed=0)
    assert np.all(env.first_visits["signpost"] == -1)  # guessing: on a coin flip, some fail first
    assert 0 < env.succeeded.mean() < 1 and np.all(
        (env.first_visits["goal"] == 2) | (env.first_visits["failure"] == 2)
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: tasks.grid(obs_noise=-0.1), "obs_noise"),
        (lambda: tasks.grid(obs_noise=1.0), "obs_noise"),
        (lambda: tasks.grid(obs_noise=1.5, uncertain_start=True), "obs_noise"),
        (lambda: tasks.grid(obs_noise=float("nan")), "obs_noise"),
        (lambda: tasks.grid(walls=(24,)), "goal"),
        (lambda: tasks.grid(start=None), "start"),
        (lambda: tasks.grid(policy_len=0), "policy_len"),
        (lambda: tasks.tmaze(policy_len=0), "policy_len"),
        (lambda: tasks.tmaze(reward_probs=(0.5, 0.6)), "reward_probs"),
        (lambda: tasks.tmaze(reward_probs=(1.2, -0.2)), r"reward_probs\[0\]"),
        (lambda: tasks.tmaze(reward_probs=(1.0,)), "reward_probs"),
        (lambda: tasks.signposts(signpost=0), "signpost"),
        (lambda: tasks.signposts(side=4, goals=(0, 3), start=5, signpost=15, walls=(11, 14)), "signpost=15"),
        (lambda: tasks.signposts(walls=(2,)), "goals"),
        (lambda: tasks.signposts(goals=(0, 0)), "goals"),
        (lambda: tasks.signposts(policy_len=0), "policy_len"),
    ],
)
def test_impossible_settings_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: tasks.grid(obs_noise="0.1"), "obs_noise"),
        (lambda: tasks.grid(uncertain_start=1), "uncertain_start"),
        (lambda: tasks.tmaze(reward_probs=0.98), "reward_probs"),
        (lambda: tasks.tmaze(reward=True), "reward"),
        (lambda: tasks.signposts(goals=3), "goals"),
    ],
)
def test_wrong_types_are_refused_by_name(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_bad_actions_are_refused_and_nothing_moves():
    env = tasks.tmaze().environment(2, seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros((2, 2), dtype=int))
    env.reset()
    before = env.states
    for actions, error, message in (
        (np.zeros((2, 1), dtype=int), ValueError, "shape"),
        (np.array([[4, 0], [0, 0]]), ValueError, r"actions\[:, 0\]"),
        (np.array([[0, 1], [0, 0]]), ValueError, r"actions\[:, 1\]"),
        (np.zeros((2, 2)), TypeError, "integers"),
        ([[0, 0], [0]], TypeError, "actions"),  # ragged
    ):
        with pytest.raises(error, match=message):
            env.step(actions)
        assert np.array_equal(env.states, before) and env.t == 0


def test_one_seed_gives_one_episode():
    task = tasks.grid(start=None, uncertain_start=True, obs_noise=0.3)
    runs = []
    for _ in range(2):
        env = task.environment(5, seed=7)
        runs.append([env.reset(), env.step(np.full(5, 1)), env.states])
    for a, b in zip(*runs, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(task.environment(5, seed=8).reset(), runs[0][0])


#: Values of every kind a caller might pass by mistake.
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.lists(st.integers(min_value=-2, max_value=30), max_size=3),
    st.tuples(st.floats(0, 1), st.floats(0, 1)),
    st.just(np.ma.array([1, 2], mask=[0, 1])),
    st.just(object()),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def refused_by_name(call, names):
    try:
        with using_memory_limit("16MiB"):
            return call()
    except (TypeError, ValueError, MemoryError) as error:
        assert any(name in str(error) for name in names), (type(error), str(error), names)
        return None


def arguments(*names):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, ANYTHING))


@FUZZ
@given(
    arguments("side", "walls", "start", "goal", "obs_noise", "uncertain_start", "policy_len"),
    arguments("reward_probs", "policy_len", "reward", "loss", "action_selection", "alpha"),
    arguments("side", "goals", "signpost", "start", "walls", "reward", "loss", "policy_len"),
)
def test_fuzz_tasks_refuse_by_name(grid_kwargs, tmaze_kwargs, signposts_kwargs):
    for make, kwargs in (
        (tasks.grid, grid_kwargs),
        (tasks.tmaze, tmaze_kwargs),
        (tasks.signposts, signposts_kwargs),
    ):
        # a refusal names an argument given, or (for a default made impossible by one) a default's name
        refused_by_name(
            lambda make=make, kwargs=kwargs: make(**kwargs),
            [*kwargs, "goal", "start", "signpost", "goals", "side", "walls"],
        )


STEPPED = tasks.tmaze().environment(2, seed=0)
STEPPED.reset()


@FUZZ
@given(st.one_of(ANYTHING, st.lists(st.lists(st.integers(-1, 4), max_size=3), max_size=3)), ANYTHING)
def test_fuzz_environments_refuse_by_name_and_change_nothing(actions, n):
    refused_by_name(lambda: tasks.tmaze().environment(n), ["n"])
    refused_by_name(lambda: tasks.tmaze().environment(2, seed=n), ["seed"])
    before, t = STEPPED.states, STEPPED.t
    if refused_by_name(lambda: STEPPED.step(actions), ["actions"]) is None:
        assert np.array_equal(STEPPED.states, before) and STEPPED.t == t


def test_tasks_and_their_environments_need_numpy_only():
    code = (
        "import sys, numpy as np, explorer\n"
        "from explorer.tasks import grid, signposts, tmaze\n"
        "for task in (grid(uncertain_start=True), tmaze(), signposts()):\n"
        "    env = task.environment(3, seed=0)\n"
        "    env.reset(), env.step(np.zeros((3, task.model.n_factors), int))\n"
        "heavy = ('pymdp', 'jax', 'pandas', 'matplotlib', 'numba', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
