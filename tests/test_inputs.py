"""Inputs everywhere: repeatable episodes, consistent types, bounded sizes, and a fuzz of the public API."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from explorer import (
    EagerAgent,
    ExplorerAgent,
    GridWorld,
    LazyAgent,
    Model,
    Population,
    create_agent,
    run_episode,
)
from explorer.__main__ import main
from explorer.demo import spawn_comparison
from explorer.limits import using_memory_limit

WORLD = GridWorld(side=5)


def path(seed, world=WORLD):
    return run_episode(create_agent(0, "a", world=world), world, 30, seed=seed, stop_at_goal=False).states


def test_one_seed_one_trajectory_and_the_callers_rng_untouched():
    np.random.seed(123)
    before = np.random.get_state()
    first = path(7)
    assert path(7) == first
    after = np.random.get_state()
    assert after[0] == before[0] and np.array_equal(after[1], before[1]) and after[2:] == before[2:]
    paths = {path(seed) for seed in range(6)}
    assert len(paths) > 1, "ties in the open 5x5 world are broken by the seed"


def test_the_same_seed_gives_the_same_trajectory_in_another_process():
    code = (
        "from explorer import *; w = GridWorld(side=5); "
        "print(run_episode(create_agent(0, 'a', world=w), w, 30, seed=7, stop_at_goal=False).states)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == str(path(7))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": "x"}, TypeError, "seed must be an int"),
        ({"seed": True}, TypeError, "seed must be an int"),
        ({"seed": -1}, ValueError, "seed must be an int"),
        ({"stop_at_goal": "no"}, TypeError, "stop_at_goal must be a bool"),
        (
            {"world": GridWorld(side=5, walls=[6])},
            ValueError,
            r"agent 0 was built for GridWorld\(side=5, walls=\(\)",
        ),
    ],
)
def test_episode_arguments_are_checked(kwargs, error, message):
    arguments = {"agent": create_agent(0, "a", world=WORLD), "world": WORLD, "steps": 5, **kwargs}
    with pytest.raises(error, match=message):
        run_episode(**arguments)


def test_numpy_ints_are_ints_and_bools_never():
    agent = create_agent(np.int64(3), "a", world=GridWorld(side=np.int32(4)))
    assert agent.agent_id == 3 and type(agent.agent_id) is int
    assert run_episode(agent, agent.world, np.int64(3), seed=np.uint8(1)).actions
    for bad in (True, np.bool_(True)):
        with pytest.raises(TypeError, match="agent_id must be an int"):
            create_agent(bad, "a")
        with pytest.raises(TypeError, match="side must be an int"):
            GridWorld(side=bad)


def test_arrays_and_masked_arrays_are_refused_by_name():
    with pytest.raises(TypeError, match=r"walls\[...\] must be an int, got array\(\[6, 7\]\)"):
        GridWorld(side=5, walls=np.array([[6, 7]]))
    with pytest.raises(TypeError, match=r"walls must be an iterable of state indices \(not masked\)"):
        GridWorld(side=5, walls=np.ma.array([6, 7], mask=[0, 1]))
    with pytest.raises(TypeError, match="observation must be an int"):
        ExplorerAgent(0, "a").step(np.ma.array([3], mask=[1])[0])
    population = Population(WORLD, 2)
    with pytest.raises(TypeError, match=r"observations must be a plain int array .* masked array"):
        population.step(np.ma.array([0, 1], mask=[0, 1]))


def test_demo_agents_are_bounded(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--agents", "5000000"])
    assert "expected at most 10,000 agents" in capsys.readouterr().err
    with pytest.raises(ValueError, match="agents must be an int in"):
        spawn_comparison(5_000_000)


def test_an_oversized_population_is_refused_under_a_memory_cap():
    from test_limits import run_capped

    done = run_capped(
        """
        from explorer import GridWorld, Population
        try:
            Population(GridWorld(side=5), 10**8)
        except MemoryError as error:
            print("refused:", error)
        print(len(Population(GridWorld(side=5), 10_000)))
        """
    )
    assert done.returncode == 0, done.stderr
    refused, built = done.stdout.splitlines()
    assert refused.startswith("refused: Population(n=100,000,000) in a world of 25 states")
    # auto's engine on a 5x5 world (lanes) states its bytes per agent, and the total is n times that
    assert "(lanes engine: 272 bytes per agent)" in refused and built == "10000"
    assert "(27,200,000,000 bytes)" in refused


# --- fuzz: random values of random types at every public constructor and step -----------------

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.binary(max_size=3),
    st.lists(st.integers(min_value=-2, max_value=30), max_size=4),
    st.tuples(st.integers(0, 30)),
    st.integers(0, 30).map(np.int64),
    st.integers(0, 3).map(lambda v: np.array([v, v])),
    st.just(np.ma.array([1, 2], mask=[0, 1])),
    st.just(np.bool_(False)),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.just(object()),
    st.just(WORLD),
)
EXPECTED = (TypeError, ValueError, MemoryError)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def refused_by_name(call, names):
    """Run ``call``; if it raises, it must be an expected type whose message names one of ``names``."""
    try:
        with using_memory_limit("16MiB"):
            return call()
    except EXPECTED as error:
        assert any(name in str(error) for name in names), (type(error), str(error), names)
        return None


@FUZZ
@given(
    st.fixed_dictionaries({}, optional={k: ANYTHING for k in ("side", "walls", "start", "goal", "obs_noise")})
)
def test_fuzz_gridworld(kwargs):
    refused_by_name(lambda: GridWorld(**kwargs), list(kwargs) or ["side"])


@FUZZ
@given(ANYTHING, ANYTHING, ANYTHING, ANYTHING)
def test_fuzz_agents_and_population(agent_id, name, world, n):
    refused_by_name(lambda: create_agent(agent_id, name, world=world), ["agent_id", "name", "world"])
    refused_by_name(lambda: Population(world, n), ["model", "n"])
    refused_by_name(lambda: Population(WORLD, 3, seed=agent_id, backend=name), ["seed", "backend"])


STEPPED = ExplorerAgent(0, "fuzzed", WORLD)
STEPPED.step(0)
POPULATION = Population(WORLD, 2)
POPULATION.step(np.array([0, 1]))


@FUZZ
@given(ANYTHING)
def test_fuzz_step_changes_nothing_when_it_refuses(observation):
    beliefs = STEPPED.beliefs
    if refused_by_name(lambda: STEPPED.step(observation), ["observation"]) is None:
        assert np.array_equal(STEPPED.beliefs, beliefs)
    beliefs = POPULATION.beliefs
    if refused_by_name(lambda: POPULATION.step(observation), ["observations"]) is None:
        assert np.array_equal(POPULATION.beliefs, beliefs)


#: a small model of two modalities and one factor of three controls, and a population of it
SMALL_MODEL = Model(
    [np.eye(3), np.full((2, 3), 0.5)],
    np.stack([np.roll(np.eye(3), k, axis=0) for k in range(3)], axis=2),
    C=[np.arange(3.0), np.zeros(2)],
    action_selection="stochastic",
)
MODEL_POPULATION = Population(SMALL_MODEL, 2)
MODEL_POPULATION.step(np.array([[0, 1], [2, 0]]))
OBSERVATION_ARRAYS = st.one_of(
    hnp.arrays(np.int64, (2, 2), elements=st.integers(-1, 3)),  # in range, or out by one
    hnp.arrays(
        st.sampled_from([np.int64, np.uint8, np.int8, np.float64, np.bool_]),
        st.sampled_from([(2, 2), (2,), (2, 3), (1, 2), (2, 2, 1), (0, 2)]),
    ),
)


@FUZZ
@given(ANYTHING, ANYTHING, ANYTHING)
def test_fuzz_model_population(n, backend, seed):
    refused_by_name(lambda: Population(SMALL_MODEL, n), ["n"])
    refused_by_name(lambda: Population(SMALL_MODEL, 2, backend=backend, seed=seed), ["backend", "seed"])
    refused_by_name(lambda: Population(SMALL_MODEL, 2, legacy_rng=seed), ["legacy_rng"])


@FUZZ
@given(
    st.one_of(ANYTHING, OBSERVATION_ARRAYS, st.lists(st.lists(st.integers(-3, 5), max_size=3), max_size=3))
)
def test_fuzz_model_population_step_changes_nothing_when_it_refuses(observations):
    beliefs, q_pi = MODEL_POPULATION.beliefs, MODEL_POPULATION.policy_posterior
    state = MODEL_POPULATION._rng.bit_generator.state
    actions = refused_by_name(lambda: MODEL_POPULATION.step(observations), ["observations"])
    if actions is None:
        assert all(np.array_equal(a, b) for a, b in zip(MODEL_POPULATION.beliefs, beliefs, strict=True))
        assert np.array_equal(MODEL_POPULATION.policy_posterior, q_pi)
        assert MODEL_POPULATION._rng.bit_generator.state == state
    else:
        assert actions.shape == (2, 1) and actions.min() >= 0 and actions.max() < 3


# --- fuzz: explorer.Model and the agents of any model ------------------------------------------

#: Every keyword Model takes: a refusal's message starts with one of them (or "Model(" for memory).
MODEL_ARGUMENTS = (
    "A", "B", "C", "D", "E", "policy_len", "control_fac_idx", "policies", "gamma", "alpha", "use_utility",
    "use_states_info_gain", "action_selection", "inference_params", "pA", "pB", "pD", "use_param_info_gain",
    "sophisticated", "inference_algo", "A_factor_list", "B_factor_list", "sampling_mode",
)  # fmt: skip
#: A valid model to perturb one keyword at a time: one factor of 3 states and 3 controls, two modalities.
VALID = {
    "A": [np.eye(3), np.full((2, 3), 0.5)],
    "B": np.stack([np.roll(np.eye(3), k, axis=0) for k in range(3)], axis=2),
    "C": [np.arange(3.0), np.zeros(2)],
    "D": [np.ones(3) / 3],
    "E": np.ones(3),
}
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 3))
ARRAYS = st.one_of(
    hnp.arrays(
        st.sampled_from([np.float64, np.int64, np.bool_, np.complex128, np.float16, object]),
        hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
        elements=st.integers(0, 1),
    ),
    hnp.arrays(np.float64, st.sampled_from([(3, 3), (2, 3), (3, 3, 3), (3,), (3, 3, 1)]), elements=NUMBERS),
    st.lists(hnp.arrays(np.float64, st.sampled_from([(3, 3), (2, 3), (3,)]), elements=NUMBERS), max_size=3),
)
PERTURBED = st.fixed_dictionaries(
    {},
    optional={name: st.one_of(ANYTHING, ARRAYS) for name in MODEL_ARGUMENTS},
)


def refused_naming_an_argument(call, names):
    """Run ``call``; a refusal must be an expected type whose message starts with an argument's name."""
    try:
        with using_memory_limit("16MiB"):
            return call()
    except EXPECTED as error:
        message = str(error)
        starts = [
            n for n in names if message.startswith(n) and message[len(n) : len(n) + 1] in ("[", " ", "=")
        ]
        assert starts or (isinstance(error, MemoryError) and message.startswith("Model(")), message
        return None


@FUZZ
@given(PERTURBED)
def test_fuzz_model(changes):
    model = refused_naming_an_argument(lambda: Model(**(VALID | changes)), MODEL_ARGUMENTS)
    if model is not None:
        assert all(not a.flags.writeable for a in (*model.A, *model.B, *model.C, *model.D, model.E))
        assert model.policies.shape == (model.n_policies, model.policy_len, model.n_factors)


@FUZZ
@given(ANYTHING)
def test_fuzz_model_agents(model):
    refused_by_name(lambda: LazyAgent(model), ["model"])
    refused_by_name(lambda: EagerAgent(model), ["model"])


LAZY = LazyAgent(SMALL_MODEL)
LAZY.step((0, 1))
EAGER = EagerAgent(Model(**(VALID | {"E": np.ones(9)}), policy_len=2))


@FUZZ
@given(
    st.one_of(
        ANYTHING,
        hnp.arrays(
            st.sampled_from([np.int64, np.uint8, np.float64, np.bool_]),
            st.sampled_from([(2,), (1,), (3,), (2, 1)]),
        ),
        st.lists(st.integers(-2, 4), max_size=3),
        st.tuples(st.integers(-1, 3), st.integers(-1, 2)),
    )
)
def test_fuzz_model_agent_step_changes_nothing_when_it_refuses(observation):
    for agent in (LAZY, EAGER):
        beliefs, q_pi = agent.beliefs, agent.policy_posterior
        action = refused_by_name(lambda agent=agent: agent.step(observation), ["observation"])
        if action is None:
            assert all(np.array_equal(a, b) for a, b in zip(agent.beliefs, beliefs, strict=True))
            assert np.array_equal(agent.policy_posterior, q_pi)
        else:
            assert len(action) == 1 and 0 <= action[0] < 3 and type(action[0]) is int
