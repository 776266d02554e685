"""explorer.behaviour: what a task's population does, and the split of G, checked against pymdp legacy."""

import numpy as np
import pytest
from pymdp.legacy import control, utils
from pymdp.legacy.agent import Agent

from explorer import behaviour, tasks

TASKS = {
    "tmaze": lambda: tasks.tmaze(),
    "grid_uncertain": lambda: tasks.grid(start=None, uncertain_start=True, obs_noise=0.1),
    "signposts": lambda: tasks.signposts(loss=-1.0, policy_len=2),
}


def independent_agent(model):
    arrays = {name: utils.obj_array_from_list([np.array(a) for a in getattr(model, name)]) for name in "ABCD"}
    return Agent(**arrays, policy_len=model.policy_len, control_fac_idx=list(model.control_fac_idx))


@pytest.mark.parametrize("name", sorted(TASKS))
def test_the_split_of_G_is_pymdp_legacys_for_the_policy_followed(name):
    task, n, steps = TASKS[name](), 3, 4
    np.random.seed(0)  # legacy_rng: ties drawn from numpy's global RNG, as the agents below draw them
    found = behaviour.run_behaviour(task, n, steps, seed=2, legacy_rng=True)
    np.random.seed(0)
    env = task.environment(n, seed=2)
    observations = env.reset()
    agents = [independent_agent(task.model) for _ in range(n)]
    model, factors = task.model, list(range(task.model.n_factors))
    for t in range(steps):
        actions = []
        for i, (agent, observation) in enumerate(zip(agents, observations, strict=True)):
            agent.infer_states(list(observation))
            agent.infer_policies()
            actions.append(np.array(agent.sample_action(), dtype=int))
            row = found.steps[(found.steps.agent == i) & (found.steps.t == t)].iloc[0]
            assert row.action == tuple(actions[-1])
            policy = agent.policies[row.policy]
            assert np.array_equal(policy[0], actions[-1])
            qs_pi = control.get_expected_states_interactions(
                agent.qs, agent.B, [[f] for f in factors], policy
            )
            qo_pi = control.get_expected_obs_factorized(qs_pi, agent.A, [factors] * model.n_modalities)
            utility = control.calc_expected_utility(qo_pi, agent.C)
            gain = control.calc_states_info_gain_factorized(agent.A, qs_pi, [factors] * model.n_modalities)
            assert row.pragmatic == pytest.approx(utility, abs=1e-8)
            assert row.epistemic == pytest.approx(gain, abs=1e-8)
            assert row.pragmatic + row.epistemic == pytest.approx(agent.G[row.policy], abs=1e-8)
            assert abs(row.G - agent.G[row.policy]) <= 1e-8
            assert row.q_policy == pytest.approx(agent.q_pi[row.policy], abs=1e-8)
            assert row.q_policy == pytest.approx(
                max(
                    agent.q_pi[i]
                    for i in np.flatnonzero([np.array_equal(p[0], actions[-1]) for p in agent.policies])
                ),
                abs=1e-12,
            )
            entropies = found.entropy[(found.entropy.agent == i) & (found.entropy.t == t)]["entropy"]
            theirs = [-(q * np.log(np.where(q > 0, q, 1.0))).sum() for q in agent.qs]
            np.testing.assert_allclose(entropies, theirs, rtol=0, atol=1e-8)
        observations = env.step(np.array(actions))
    assert np.array_equal(found.agents["succeeded"], env.succeeded)


def test_policy_terms_sum_to_the_engines_G():
    """softmax(gamma (utility + gain) + ln E) is the population's policy posterior, every policy."""
    task = tasks.tmaze()
    found = behaviour.run_behaviour(task, 4, 1, seed=0)
    from explorer import Population

    population = Population(task.model, 4, backend="numpy", seed=0)
    observations = task.environment(4, seed=0).reset()
    population.step(observations)
    utility, gain = behaviour.policy_terms(task.model, population.beliefs)
    G = task.model.gamma * (utility + gain) + np.log(task.model.E + 1e-16)
    q_pi = np.exp(G - G.max(axis=1, keepdims=True))
    np.testing.assert_allclose(
        q_pi / q_pi.sum(axis=1, keepdims=True), population.policy_posterior, atol=1e-12
    )
    assert np.all(gain[:, :4] >= 0) and set(found.steps.columns) == set(behaviour.STEP_COLUMNS)


def test_tmaze_summary_reports_the_cue_first():
    found = behaviour.run_behaviour(tasks.tmaze(), 50, 3, seed=0)
    summary = found.summary.iloc[0]
    assert list(found.summary.columns) == [*behaviour.SUMMARY_COLUMNS, "cue_first"]
    assert summary.cue_first == 1.0 and summary.success_rate == 1.0 and summary.steps_to_goal_median == 2
    assert summary.entropy_first == pytest.approx(np.log(2)) and summary.entropy_last < 1e-8
    first = found.steps[found.steps.t == 0]
    assert (first.action == (3, 0)).all() and (first.epistemic > 1.0).all() and (first.pragmatic < -3).all()
    assert list(found.agents.columns) == [
        *behaviour.AGENT_COLUMNS,
        "first_goal",
        "first_failure",
        "first_cue",
    ]


def test_the_known_grid_has_no_epistemic_value_and_reaches_the_goal_in_the_fewest_moves():
    found = behaviour.run_behaviour(tasks.grid(), 5, 10, seed=0)
    # spm_MDP_G's exp(-16) inside the ambiguity's log leaves about 1.1e-7 nats where nothing is unknown
    assert (found.steps.epistemic.abs() < 1e-6).all() and (found.entropy.entropy < 1e-12).all()
    assert found.summary.success_rate[0] == 1.0 and (found.agents.steps_to_goal == 8).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"task": "tmaze"}, TypeError, "task"),
        ({"n": 0}, ValueError, "n"),
        ({"steps": 0}, ValueError, "steps"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, message):
    arguments = {"task": tasks.tmaze(), "n": 2, "steps": 1} | kwargs
    with pytest.raises(error, match=message):
        behaviour.run_behaviour(**arguments)
