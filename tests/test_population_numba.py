"""The numba and jax engines for any model, against pymdp legacy Agents stepped one by one.

The helpers (legacy comparison, pymdp's own T-mazes as environments, a generative process) are the
numpy engine's tests'; here the same checks run on ``backend="numba"`` (within 1e-8, actions draw
for draw) and ``backend="jax"`` (within 1e-5, where its limits allow: see ``jax_engine``).
"""

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymdp_reference import legacy_agent, legacy_agent_from, run_against_legacy
from strategies import model_kwargs, observation_sequences
from test_population_models import TMAZE_KWARGS, GenerativeProcess, TMazes

from explorer import GridWorld, Model, Population, build_model

JAX_TOLERANCE = 1e-5


@pytest.mark.parametrize("selection", ["deterministic", "stochastic"])
@pytest.mark.parametrize("policy_len", [1, 3])
def test_numba_tmaze_matches_legacy_agents(selection, policy_len):
    kwargs = {**TMAZE_KWARGS, "policy_len": policy_len, "action_selection": selection, "alpha": 4.0}
    n = 5 if policy_len == 1 else 2
    population = Population(Model(**kwargs), n, backend="numba", legacy_rng=True)
    assert population.backend == "numba"
    references = [legacy_agent_from(kwargs) for _ in range(n)]
    assert run_against_legacy(population, references, TMazes(n, seed=n), steps=5, seed=policy_len) > 0


def test_numba_tmaze_matches_on_surprising_observations_across_blocks(monkeypatch):
    monkeypatch.setattr("explorer.population.numba_engine.BLOCK", 3)
    model, n, rng = Model(**TMAZE_KWARGS), 10, np.random.default_rng(2)

    def surprising(step, actions):
        return np.stack([rng.integers(0, count, size=n) for count in model.n_obs], axis=1)

    population = Population(model, n, backend="numba", legacy_rng=True)
    population._engine.threads = 2  # blocks run in parallel where numba has two threads
    references = [legacy_agent_from(TMAZE_KWARGS) for _ in range(n)]
    assert run_against_legacy(population, references, surprising, steps=5, seed=5) == 5 * n


def test_numba_grid_world_as_a_model_matches_legacy_agents():
    world, n, states = GridWorld(side=6, walls=[7, 8, 14, 20, 26], start=3, goal=30, obs_noise=0.35), 4, None
    rng = random.Random(0)

    def observe(step, actions):
        nonlocal states
        states = (
            [world.start] * n
            if actions is None
            else [world.move(s, int(a[0])) for s, a in zip(states, actions, strict=True)]
        )
        return np.array([[world.observe(s, rng)] for s in states])

    population = Population(build_model(world), n, backend="numba", legacy_rng=True)
    references = [legacy_agent(world) for _ in range(n)]
    assert run_against_legacy(population, references, observe, steps=6, seed=3) == 6 * n


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(model_kwargs(max_policies=27), st.integers(0, 2**16), st.booleans(), st.data())
def test_numba_random_models_match_legacy_agents(kwargs, seed, adversarial, data):
    model, n, steps = Model(**kwargs), 2, 3
    if adversarial:
        sequences = [
            data.draw(observation_sequences(model.n_obs, min_steps=steps, max_steps=steps)) for _ in range(n)
        ]
        observe = lambda step, actions: np.array([sequence[step] for sequence in sequences])  # noqa: E731
    else:
        observe = GenerativeProcess(kwargs, n, seed)
    references = [legacy_agent_from(kwargs) for _ in range(n)]
    run_against_legacy(
        Population(model, n, backend="numba", legacy_rng=True), references, observe, steps, seed
    )


def test_numba_engine_shapes_bytes_reset_and_a_failed_step_changes_nothing(monkeypatch):
    model = Model(**TMAZE_KWARGS, policy_len=2, action_selection="stochastic")
    population = Population(model, 3, backend="numba")
    engine = population._engine
    assert population.nbytes == engine.bytes_per_agent(model) * 3 - 3 * 8 * 2  # all but a step's actions
    observations = np.array([[0, 0, 0], [1, 1, 0], [3, 0, 1]])
    population.step(observations)
    before = (population.beliefs, population.policy_posterior)

    class Failing:
        def select(self, q_pi, rng):
            raise MemoryError("injected after the kernel ran")

    monkeypatch.setattr(engine, "selection", Failing())
    with pytest.raises(MemoryError, match="injected"):
        population.step(observations)
    assert all(np.array_equal(a, b) for a, b in zip(population.beliefs, before[0], strict=True))
    assert np.array_equal(population.policy_posterior, before[1])
    population.reset()
    assert np.array_equal(population.beliefs[1], np.full((3, 2), 0.5))
    assert np.array_equal(population.policy_posterior, np.full((3, 16), 1 / 16))


def test_numba_engine_agrees_with_the_numpy_engine_at_many_agents():
    model, n, rng = Model(**TMAZE_KWARGS, policy_len=2), 600, np.random.default_rng(4)
    populations = [Population(model, n, backend=b, seed=1) for b in ("numpy", "numba")]
    for _ in range(3):
        observations = np.stack([rng.integers(0, count, size=n) for count in model.n_obs], axis=1)
        actions = [p.step(observations) for p in populations]
        assert np.array_equal(*actions)
        for a, b in zip(populations[0].beliefs, populations[1].beliefs, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_numba_reuses_a_twin_prefix_only_where_its_prediction_is_the_same():
    import dataclasses

    from explorer.population.numba_engine import kernel_arrays

    model, n, rng = Model(**TMAZE_KWARGS, policy_len=2), 150, np.random.default_rng(6)
    # after any move the T-maze's location is known: a prefix ending in move u predicts what u alone does
    assert kernel_arrays(model).node_twin.tolist() == [-1] * 4 + [0, 1, 2, 3] * 4
    populations = [Population(model, n, backend="numba", seed=2) for _ in range(3)]
    for population, twins in zip(populations[1:], (-1, 0), strict=True):
        engine = population._engine
        wrong = np.full_like(engine.arrays.node_twin, twins)
        wrong[0] = -1
        wrong.setflags(write=False)  # as the model's arrays are: the same compiled kernel
        engine.arrays = dataclasses.replace(engine.arrays, node_twin=wrong)  # none; every node node 0's
    for _ in range(3):
        observations = np.stack([rng.integers(0, count, size=n) for count in model.n_obs], axis=1)
        actions = [p.step(observations) for p in populations]
        for other in populations[1:]:
            assert np.array_equal(other.policy_posterior, populations[0].policy_posterior)
            assert all(
                np.array_equal(*pair) for pair in zip(other.beliefs, populations[0].beliefs, strict=True)
            )
        assert np.array_equal(actions[0], actions[1]) and np.array_equal(actions[0], actions[2])


def test_jax_tmaze_matches_legacy_agents_on_environment_observations():
    kwargs = {**TMAZE_KWARGS, "policy_len": 2}
    n = 2
    population = Population(Model(**kwargs), n, backend="jax", legacy_rng=True)
    assert population.backend == "jax"
    references = [legacy_agent_from(kwargs) for _ in range(n)]
    # ties: the references take the population's actions (its batched agent draws none of legacy's)
    run_against_legacy(
        population, references, TMazes(n, seed=7), 3, seed=1, tolerance=JAX_TOLERANCE, follow=True
    )
    assert population.nbytes > 0
    population.reset()
    assert np.allclose(population.beliefs[0], 0.25)


def test_lane_exp_and_log_stay_within_one_ulp_of_numpy():
    from explorer.population.lane_math import exp_lanes, log_lanes

    rng, m = np.random.default_rng(0), 4096
    bits, out = np.empty(2 * m, dtype=np.int64), np.empty(m)
    # the step's arguments: ln(p + 1e-16) of probabilities and sums of exps; exp(x - max) and beyond
    for x in (10 ** rng.uniform(-16, 0, m), 1 + rng.uniform(-1e-3, 1e-3, m), rng.uniform(1, 100, m)):
        log_lanes(x, out, bits, m)
        assert np.all(np.abs(out - np.log(x)) <= np.spacing(np.abs(np.log(x))))
    for x in (-rng.uniform(0, 700, m), rng.uniform(-1e-6, 1e-6, m), rng.uniform(0, 700, m)):
        exp_lanes(x, out, bits, m)
        # relative, not np.spacing: near exp(-700) the spacing is subnormal, and a library that sets
        # flush-to-zero in this process (seen in the full suite) makes it 0; the ratio stays normal
        assert np.all(np.abs(out / np.exp(x) - 1) <= np.finfo(np.float64).eps)
    exp_lanes(np.array([-745.5, -800.0, -np.inf, 0.0]), out, bits, 4)
    assert np.array_equal(out[:4], [0.0, 0.0, 0.0, 1.0])


def test_exp_and_log_of_one_value_in_a_fastmath_loop_stay_within_a_few_ulps_of_numpy():
    from numba import njit

    from explorer.population.lane_math import exp_value, log_value
    from explorer.population.lanes_kernel import FASTMATH

    @njit(_nrt=False, error_model="numpy", fastmath=FASTMATH)
    def over_a_row(function_is_log, x, out):  # as the lanes kernel calls them: in a vectorized loop
        for j in range(x.shape[0]):
            out[j] = log_value(x[j]) if function_is_log else exp_value(x[j])

    rng, m = np.random.default_rng(1), 4096
    out = np.empty(m)
    for x in (10 ** rng.uniform(-16, 0, m), 1 + rng.uniform(-1e-3, 1e-3, m), rng.uniform(1, 100, m)):
        over_a_row(True, x, out)  # measured: up to 3 ulps (products fused into FMAs)
        assert np.all(np.abs(out - np.log(x)) <= 4 * np.spacing(np.abs(np.log(x))))
    for x in (-rng.uniform(0, 700, m), rng.uniform(-1e-6, 1e-6, m), rng.uniform(0, 700, m)):
        over_a_row(False, x, out)  # measured: up to 1.5 eps
        assert np.all(np.abs(out / np.exp(x) - 1) <= 2 * np.finfo(np.float64).eps)
    over_a_row(False, np.array([-745.5, -800.0, -np.inf, 0.0]), out[:4])
    assert np.array_equal(out[:4], [0.0, 0.0, 0.0, 1.0])


def test_quotient_in_a_fastmath_loop_is_the_division_bit_for_bit():
    from numba import njit

    from explorer.population.lane_math import QUOTIENT_FLOOR, quotient, reciprocal
    from explorer.population.lanes_kernel import FASTMATH

    @njit(_nrt=False, error_model="numpy", fastmath=FASTMATH)
    def divide(a, b, y, out):  # as the lanes kernel calls them: in vectorized loops
        for j in range(a.shape[0]):
            y[j] = reciprocal(b[j])
        for j in range(a.shape[0]):
            out[j] = quotient(a[j], b[j], y[j])

    rng, m = np.random.default_rng(2), 200_000
    near_two = (2.0 - rng.integers(0, 2**20, m) * 2.0**-52) * np.exp2(rng.integers(-60, 60, m))
    cases = [
        (10 ** rng.uniform(-32, 0, m), rng.uniform(1e-32, 25, m)),  # beliefs and their sums
        (np.exp(-rng.uniform(0, 600, m)), rng.uniform(1, 5, m)),  # exps and their sums (softmax)
        ((1 + rng.integers(0, 2**20, m) * 2.0**-52) * np.exp2(rng.integers(-60, 60, m)), near_two),
        (np.exp(rng.uniform(np.log(QUOTIENT_FLOOR / 8), 600, m)), np.exp(rng.uniform(-80, 80, m))),
    ]
    y, out = np.empty(m), np.empty(m)
    for a, b in cases:
        divide(a, b, y, out)
        assert np.array_equal(out, a / b)
    assert np.count_nonzero(a * y != a / b) > m // 10  # the product alone is not the quotient


def test_auto_takes_numba_for_many_agents_of_a_model_and_numpy_without_it(monkeypatch):
    from explorer import population

    least = dict(population.AUTO_MODEL)["numba"]
    assert population.resolve_model_backend("auto", least - 1) == "numpy"
    assert population.resolve_model_backend("auto", least) == "numba"
    assert Population(Model(**TMAZE_KWARGS), least).backend == "numba"
    monkeypatch.setattr(population, "_numba_installed", lambda: False)
    assert population.resolve_model_backend("auto", least) == "numpy"
    assert population.resolve_model_backend("numba", 1) == "numba"
