"""Populations of any model: per agent the beliefs, policy posteriors and actions of pymdp legacy Agents.

Each test steps a population with ``legacy_rng=True``, then as many legacy ``Agent``s (built by the
test from the model's arrays, nothing of explorer used) one after another on the same observations
from the same global RNG seed: beliefs of every factor and policy posteriors must agree within 1e-8
and actions exactly, draw for draw.
"""

import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymdp.legacy.envs import TMazeEnv
from pymdp_reference import legacy_agent, legacy_agent_from, run_against_legacy
from strategies import model_kwargs, observation_sequences

from explorer import GridWorld, Model, Population, build_model

TMAZE = TMazeEnv(reward_probs=[0.98, 0.02])
#: pymdp's T-maze: 2 factors (location, controlled; context, not), 3 modalities; reward preferred
TMAZE_KWARGS = {
    "A": list(TMAZE.get_likelihood_dist()),
    "B": list(TMAZE.get_transition_dist()),
    "C": [np.zeros(4), np.array([0.0, 3.0, -3.0]), np.zeros(2)],
    "control_fac_idx": [0],
}


class GenerativeProcess:
    """Each agent's true hidden states, moved by its actions through ``B``; outcomes drawn from ``A``."""

    def __init__(self, kwargs, n, seed):
        model = Model(**kwargs)
        self.A, self.B, self.rng = model.A, model.B, np.random.default_rng(seed)
        self.states = np.stack([self.rng.choice(len(d), size=n, p=d) for d in model.D], axis=1)

    def __call__(self, step, actions):
        if actions is not None:
            for f, B_f in enumerate(self.B):
                for i, (state, action) in enumerate(zip(self.states[:, f], actions[:, f], strict=True)):
                    self.states[i, f] = self.rng.choice(B_f.shape[0], p=B_f[:, state, action])
        return np.array(
            [[self.rng.choice(A_m.shape[0], p=A_m[(slice(None), *s)]) for A_m in self.A] for s in self.states]
        )


class TMazes:
    """``n`` of pymdp's own ``TMazeEnv``, drawing from numpy's global RNG in a stream of their own."""

    def __init__(self, n, seed):
        self.envs = [TMazeEnv(reward_probs=[0.98, 0.02]) for _ in range(n)]
        self.state = np.random.RandomState(seed).get_state()

    def __call__(self, step, actions):
        agents = np.random.get_state()
        np.random.set_state(self.state)
        if actions is None:
            observations = [env.reset() for env in self.envs]
        else:
            observations = [env.step(list(a)) for env, a in zip(self.envs, actions, strict=True)]
        self.state = np.random.get_state()
        np.random.set_state(agents)
        return np.array(observations, dtype=np.intp)


@pytest.mark.parametrize("selection", ["deterministic", "stochastic"])
@pytest.mark.parametrize("policy_len", [1, 2])
def test_tmaze_population_matches_legacy_agents(selection, policy_len):
    kwargs = {**TMAZE_KWARGS, "policy_len": policy_len, "action_selection": selection, "alpha": 4.0}
    n = 6 if policy_len == 1 else 3
    population = Population(Model(**kwargs), n, legacy_rng=True)
    references = [legacy_agent_from(kwargs) for _ in range(n)]
    assert run_against_legacy(population, references, TMazes(n, seed=n), steps=5, seed=policy_len) > 0


def test_tmaze_population_matches_across_blocks_on_surprising_observations(monkeypatch):
    monkeypatch.setattr("explorer.population.numpy_engine.MAX_BLOCK", 4)
    model, n, rng = Model(**TMAZE_KWARGS), 11, np.random.default_rng(1)
    population = Population(model, n, legacy_rng=True)
    assert population._engine.block == 4

    def surprising(step, actions):
        return np.stack([rng.integers(0, count, size=n) for count in model.n_obs], axis=1)

    references = [legacy_agent_from(TMAZE_KWARGS) for _ in range(n)]
    assert run_against_legacy(population, references, surprising, steps=4, seed=4) == 4 * n


@pytest.mark.parametrize(
    "world",
    [GridWorld(), GridWorld(side=6, walls=[7, 8, 14, 20, 26], start=3, goal=30, obs_noise=0.35)],
    ids=repr,
)
def test_grid_worlds_as_models_match_legacy_agents(world):
    n, rng, states = 5, random.Random(0), None
    population = Population(build_model(world), n, legacy_rng=True)

    def observe(step, actions):
        nonlocal states
        states = (
            [world.start] * n
            if actions is None
            else [world.move(s, int(a[0])) for s, a in zip(states, actions, strict=True)]
        )
        return np.array([[world.observe(s, rng)] for s in states])

    references = [legacy_agent(world) for _ in range(n)]
    assert run_against_legacy(population, references, observe, steps=8, seed=3) == 8 * n


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(model_kwargs(), st.integers(0, 2**16), st.booleans(), st.data())
def test_random_models_match_legacy_agents(kwargs, seed, adversarial, data):
    model, n, steps = Model(**kwargs), 3, 3
    if adversarial:
        sequences = [
            data.draw(observation_sequences(model.n_obs, min_steps=steps, max_steps=steps)) for _ in range(n)
        ]
        observe = lambda step, actions: np.array([sequence[step] for sequence in sequences])  # noqa: E731
    else:
        observe = GenerativeProcess(kwargs, n, seed)
    references = [legacy_agent_from(kwargs) for _ in range(n)]
    run_against_legacy(Population(model, n, legacy_rng=True), references, observe, steps, seed)


# --- the Population API for a Model ------------------------------------------------------------

STOCHASTIC_TMAZE = Model(**TMAZE_KWARGS, policy_len=2, action_selection="stochastic", alpha=2.0)


def episode_of(population, steps, seed=0):
    rng = np.random.default_rng(seed)
    n, n_obs = len(population), population.model.n_obs
    return [
        population.step(np.stack([rng.integers(0, k, size=n) for k in n_obs], axis=1)) for _ in range(steps)
    ]


def test_the_seed_makes_stochastic_actions_reproducible():
    first = episode_of(Population(STOCHASTIC_TMAZE, 40, seed=7), 4)
    again = episode_of(Population(STOCHASTIC_TMAZE, 40, seed=7), 4)
    other = episode_of(Population(STOCHASTIC_TMAZE, 40, seed=8), 4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    assert first[0].shape == (40, 2) and first[0].dtype == np.intp and not first[0][:, 1].any()


def test_shapes_copies_and_reset():
    population = Population(STOCHASTIC_TMAZE, 3)
    assert len(population) == 3 and population.backend == "numpy" and population.world is None
    uniform = (np.full((3, 4), 1 / 4), np.full((3, 2), 1 / 2))
    assert all(np.array_equal(b, u) for b, u in zip(population.beliefs, uniform, strict=True))
    assert np.array_equal(population.policy_posterior, np.full((3, 16), 1 / 16))
    first = episode_of(population, 3, seed=1)
    population.beliefs[0][:] = 0
    population.policy_posterior[:] = 0
    assert np.allclose(population.beliefs[0].sum(axis=1), 1) and np.allclose(
        population.policy_posterior.sum(1), 1
    )
    population.reset()
    assert all(np.array_equal(b, u) for b, u in zip(population.beliefs, uniform, strict=True))
    population._rng = np.random.default_rng(0)
    fresh = Population(STOCHASTIC_TMAZE, 3)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(episode_of(population, 3, 1), episode_of(fresh, 3, 1), strict=True)
    )
    assert population.nbytes == 3 * 8 * (2 * (4 + 2) + 16)
    assert first[0].shape == (3, 2)


BAD_OBSERVATIONS = [
    (np.zeros((4, 2), dtype=int), ValueError, r"observations must have shape \(4, 3\), one row per agent"),
    (np.zeros(4, dtype=int), ValueError, r"got shape \(4,\)"),
    (
        np.array([[0, 0, 0], [0, 3, 0], [0, 0, 0], [0, 0, 0]]),
        ValueError,
        r"observations\[:, 1\] \(modality 1\) must be in \[0, 2\], got 3 for agent 1",
    ),
    (
        np.array([[0, 0, 0]] * 3 + [[0, 0, -1]]),
        ValueError,
        r"modality 2\) must be in \[0, 1\], got -1 for agent 3",
    ),
    (np.zeros((4, 3)), TypeError, "observations must be integers .* got dtype float64"),
    (np.zeros((4, 3), dtype=bool), TypeError, "got dtype bool"),
    (
        np.ma.array(np.zeros((4, 3), dtype=int)),
        TypeError,
        "observations must be a plain int array .* masked array",
    ),
    ([["a"] * 3] * 4, TypeError, "observations must be integers"),
]


@pytest.mark.parametrize(("observations", "error", "message"), BAD_OBSERVATIONS)
def test_bad_observations_are_refused_by_name_and_change_nothing(observations, error, message):
    population = Population(STOCHASTIC_TMAZE, 4)
    episode_of(population, 1)
    before = (population.beliefs, population.policy_posterior, population._rng.bit_generator.state)
    with pytest.raises(error, match=message):
        population.step(observations)
    assert all(np.array_equal(a, b) for a, b in zip(population.beliefs, before[0], strict=True))
    assert np.array_equal(population.policy_posterior, before[1])
    assert population._rng.bit_generator.state == before[2]


@pytest.mark.parametrize("legacy", [False, True])
def test_a_step_that_fails_midway_changes_nothing(monkeypatch, legacy):
    monkeypatch.setattr("explorer.population.numpy_engine.MAX_BLOCK", 2)
    population = Population(STOCHASTIC_TMAZE, 5, legacy_rng=legacy)
    episode_of(population, 1)
    before = (population.beliefs, population.policy_posterior)
    rng_before = np.random.get_state()[1].copy() if legacy else population._rng.bit_generator.state
    engine, blocks = population._engine, []
    real = engine._infer_policies

    def fail_on_the_third_block(qs):
        blocks.append(len(qs[0]))
        if len(blocks) == 3:
            raise MemoryError("injected")
        return real(qs)

    monkeypatch.setattr(engine, "_infer_policies", fail_on_the_third_block)
    with pytest.raises(MemoryError, match="injected"):
        episode_of(population, 1)
    assert blocks == [2, 2, 1]  # two blocks stepped and drawn from the RNG before the failure
    assert all(np.array_equal(a, b) for a, b in zip(population.beliefs, before[0], strict=True))
    assert np.array_equal(population.policy_posterior, before[1])
    if legacy:
        assert np.array_equal(np.random.get_state()[1], rng_before)
    else:
        assert population._rng.bit_generator.state == rng_before


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (
            (STOCHASTIC_TMAZE, 2),
            {"backend": "sparse"},
            ValueError,
            "backend 'sparse' is for a GridWorld only",
        ),
        ((STOCHASTIC_TMAZE, 2), {"backend": "dense"}, ValueError, "backend 'dense' is for a GridWorld only"),
        (
            (STOCHASTIC_TMAZE, 2),
            {"backend": "torch"},
            ValueError,
            r"backend must be one of \('auto', 'numpy'",
        ),
        ((STOCHASTIC_TMAZE, 0), {}, ValueError, "n must be an int >= 1, got 0"),
        (("tmaze", 2), {}, TypeError, "model must be an explorer.Model or a GridWorld, got 'tmaze'"),
        ((STOCHASTIC_TMAZE, 2), {"legacy_rng": 1}, TypeError, "legacy_rng must be a bool, got 1"),
        (
            (STOCHASTIC_TMAZE, 2),
            {"legacy_rng": True, "legacy_ties": False},
            ValueError,
            "alias of legacy_rng",
        ),
    ],
)
def test_bad_arguments_are_refused_by_name(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        Population(*args, **kwargs)


def test_legacy_ties_is_an_alias_of_legacy_rng():
    assert Population(STOCHASTIC_TMAZE, 2, legacy_ties=True)._rng is None
    assert Population(GridWorld(), 2, legacy_rng=True)._rng is None
    assert Population(STOCHASTIC_TMAZE, 2)._rng is not None


def test_a_population_too_large_is_refused_before_allocating():
    from explorer.limits import using_memory_limit

    with using_memory_limit("1MiB"), pytest.raises(MemoryError, match=r"Population\(n=100,000\) of Model\("):
        Population(STOCHASTIC_TMAZE, 100_000)


def test_a_fresh_process_steps_a_model_population_with_numpy_only():
    code = (
        "import numpy as np, sys, explorer\n"
        "A = [np.eye(3), np.full((2, 3), 0.5)]\n"
        "B = np.stack([np.roll(np.eye(3), k, axis=0) for k in range(3)], axis=2)\n"
        "p = explorer.Population(explorer.Model(A, B, C=[np.arange(3.0), np.zeros(2)]), 10)\n"
        "assert p.step(np.zeros((10, 2), dtype=int)).shape == (10, 1)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    assert "numpy" in loaded
    assert loaded.isdisjoint({"pymdp", "jax", "scipy", "pandas", "matplotlib", "seaborn", "numba"})


def test_a_step_whose_temporaries_would_not_fit_is_refused_at_spawn():
    from explorer.limits import using_memory_limit
    from explorer.population.numpy_engine import temporaries_per_agent

    per_agent = temporaries_per_agent(STOCHASTIC_TMAZE)
    Population(STOCHASTIC_TMAZE, 1)  # its step arrays cached
    with using_memory_limit(per_agent + 100):
        with pytest.raises(MemoryError, match="a step's temporaries for 2 agents"):
            Population(STOCHASTIC_TMAZE, 2)
        assert len(Population(STOCHASTIC_TMAZE, 1)) == 1  # one agent's fit


def test_policy_steps_share_each_distinct_beginning_once():
    from explorer.population.model_arrays import policy_steps

    policies = Model(**TMAZE_KWARGS, policy_len=3).policies  # 64 policies of 3 steps, 4 actions each
    steps = policy_steps(policies)
    assert [len(step.parent) for step in steps] == [4, 16, 64]
    for t, step in enumerate(steps):
        assert np.array_equal(step.actions[step.of_policy], policies[:, t, :])
        if t:
            assert np.array_equal(step.parent[step.of_policy], steps[t - 1].of_policy)


@pytest.mark.parametrize("params", [{"num_iter": 2}, {"num_iter": 25, "dF_tol": 1e-9}, {"dF": 1e-4}])
def test_the_fixed_point_iteration_stops_where_legacy_stops_with_other_inference_params(params):
    # pymdp 1.0.4's legacy Agent keeps its defaults whatever inference_params it is given: set them after
    kwargs = {**TMAZE_KWARGS, "inference_params": params}
    model, n, rng = Model(**kwargs), 6, np.random.default_rng(5)
    references = [legacy_agent_from(TMAZE_KWARGS) for _ in range(n)]
    for reference in references:
        reference.inference_params = {
            "num_iter": 10,
            "dF": 1.0,
            "dF_tol": 0.001,
            "compute_vfe": True,
            **params,
        }

    def surprising(step, actions):
        return np.stack([rng.integers(0, count, size=n) for count in model.n_obs], axis=1)

    run_against_legacy(Population(model, n, legacy_rng=True), references, surprising, steps=4, seed=6)
