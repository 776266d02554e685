"""The population: per agent, the same beliefs, policy posteriors and actions as pymdp's legacy Agent."""

import os
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from pymdp_reference import legacy_agent

from explorer import GridWorld, Population

WORLDS = [
    GridWorld(),
    GridWorld(side=4, walls=[5, 6, 9], start=0, goal=15),
    GridWorld(obs_noise=0.2),
    GridWorld(side=6, walls=[7, 8, 14, 20, 26], start=3, goal=30, obs_noise=0.35),
]
#: walls, noise, and start and goal anywhere (not in corners), for the sparse engine's exactness
ODD_WORLDS = [
    GridWorld(side=7, walls=[8, 9, 10, 24, 31, 38, 40], start=45, goal=17, obs_noise=0.3),
    GridWorld(side=5, walls=[6, 7, 8, 16, 17], start=12, goal=2, obs_noise=0.1),
    GridWorld(side=8, walls=[], start=27, goal=36),
]
ENGINES = ("lanes", "sparse", "dense")
TESTS = Path(__file__).resolve().parent
TIE = 1e-8  # pymdp legacy select_highest: marginals this close to the maximum are tied


def compare_with_legacy(population, steps, tolerance, *, seed, tie=TIE, random_observations=False):
    """Run ``population`` and one legacy Agent per agent on the same observations; return tie count.

    Observations come from each agent's true state in the world (moved by the population's
    actions), or uniformly at random. Where a legacy agent's best actions were within ``tie`` of
    each other, its action is set to the population's (asserted to be one of them) so both go on
    from the same prior; everywhere else the actions must be equal.
    """
    world, n = population.world, len(population)
    references = [legacy_agent(world) for _ in range(n)]
    rng = random.Random(seed)
    np.random.seed(seed)  # pymdp breaks ties with the global RNG
    states = [world.start] * n
    ties = 0
    for _ in range(steps):
        if random_observations:
            observations = np.array([rng.randrange(world.n_states) for _ in range(n)])
        else:
            observations = np.array([world.observe(s, rng) for s in states])
        actions = population.step(observations)
        beliefs, q_pi = population.beliefs, population.policy_posterior
        for i, reference in enumerate(references):
            reference.infer_states([int(observations[i])])
            reference_q_pi, _ = reference.infer_policies()
            reference_action = int(reference.sample_action()[0])
            np.testing.assert_allclose(beliefs[i], reference.qs[0], rtol=0, atol=tolerance)
            np.testing.assert_allclose(q_pi[i], reference_q_pi, rtol=0, atol=tolerance)
            marginals = reference_q_pi / reference_q_pi.sum()
            tied = np.flatnonzero(np.abs(marginals - marginals.max()) <= tie)
            if len(tied) > 1:
                ties += 1
                assert actions[i] in tied
                reference.action = np.array([float(actions[i])])
            else:
                assert actions[i] == reference_action
        states = [world.move(s, int(a)) for s, a in zip(states, actions, strict=True)]
    return ties


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("world", WORLDS, ids=repr)
@pytest.mark.parametrize("n", [1, 6, 150])
def test_population_matches_pymdp_legacy_agents(world, n, engine):
    steps = 12 if n < 150 else 4  # 150 spans two blocks of the dense engine
    compare_with_legacy(Population(world, n, backend=engine, seed=n), steps, 1e-8, seed=n)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("world", ODD_WORLDS, ids=repr)
def test_population_matches_with_walls_noise_and_goals_anywhere(world, engine):
    compare_with_legacy(Population(world, 12, backend=engine, seed=3), 10, 1e-8, seed=3)


def test_sparse_engine_matches_across_its_parallel_blocks():
    from explorer.population.sparse import BLOCK

    population = Population(ODD_WORLDS[0], BLOCK + 7, backend="sparse", seed=5)
    compare_with_legacy(population, 3, 1e-8, seed=5)


def test_lanes_engine_matches_across_its_blocks_on_two_threads():
    from explorer.population.lanes import lanes_for

    world = ODD_WORLDS[0]
    population = Population(world, lanes_for(world.n_states) + 7, backend="lanes", seed=5)
    population._engine.threads = 2  # a block per thread, whatever the size rule would pick
    compare_with_legacy(population, 3, 1e-8, seed=5)


@pytest.mark.parametrize("world", [WORLDS[0], WORLDS[3], ODD_WORLDS[0]], ids=repr)
def test_lanes_engine_in_float32_takes_legacy_actions_with_beliefs_within_its_tolerance(world):
    from explorer.population.lanes import FLOAT32_TOLERANCE

    population = Population(world, 12, backend="lanes", dtype="float32", seed=2)
    assert population._engine.qs.dtype == np.float32 and population.beliefs.dtype == np.float64
    compare_with_legacy(population, 10, FLOAT32_TOLERANCE, seed=2)


def test_float32_is_refused_by_the_engines_that_hold_float64_only():
    with pytest.raises(ValueError, match=r"dtype='float32' needs backend='lanes'.*got backend='dense'"):
        Population(GridWorld(), 2, backend="dense", dtype="float32")
    with pytest.raises(ValueError, match=r"dtype must be one of \('float64', 'float32'\), got 'float16'"):
        Population(GridWorld(), 2, backend="lanes", dtype="float16")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("world", [WORLDS[1], WORLDS[3], ODD_WORLDS[0]], ids=repr)
def test_population_matches_on_surprising_observations(world, engine):
    population = Population(world, 8, backend=engine, seed=1)
    compare_with_legacy(population, 10, 1e-8, seed=2, random_observations=True)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("world", [WORLDS[0], WORLDS[3], ODD_WORLDS[1]], ids=repr)
def test_legacy_ties_reproduce_every_action_of_legacy_agents_stepped_in_order(world, engine):
    n, steps, rng = 30, 10, random.Random(0)
    population = Population(world, n, backend=engine, legacy_ties=True)
    np.random.seed(5)
    states, episode, chosen = [world.start] * n, [], []
    for _ in range(steps):
        episode.append(np.array([world.observe(s, rng) for s in states]))
        chosen.append(population.step(episode[-1]))
        states = [world.move(s, int(a)) for s, a in zip(states, chosen[-1], strict=True)]
    after_population = np.random.random()
    references = [legacy_agent(world) for _ in range(n)]
    np.random.seed(5)
    ties = 0
    for observations, actions in zip(episode, chosen, strict=True):
        for reference, obs, action in zip(references, observations, actions, strict=True):
            reference.infer_states([int(obs)])
            q_pi, _ = reference.infer_policies()
            ties += np.count_nonzero(np.abs(q_pi / q_pi.sum() - (q_pi / q_pi.sum()).max()) <= TIE) > 1
            assert int(reference.sample_action()[0]) == action
    assert ties > 0
    assert np.random.random() == after_population  # the same draws from the global RNG, no more


@pytest.mark.parametrize("engine", ENGINES)
def test_ties_occur_and_are_broken_at_random(engine):
    # From the corner of an open grid, "down" and "right" are equally good: an exact tie.
    population = Population(GridWorld(), 400, backend=engine, seed=3)
    actions = population.step(np.zeros(400, dtype=int))
    assert set(actions) == {1, 3}
    assert 150 < np.count_nonzero(actions == 1) < 250


@pytest.mark.parametrize("engine", ENGINES)
def test_the_seed_makes_tie_breaking_reproducible(engine):
    observations = np.zeros(50, dtype=int)
    first = Population(GridWorld(), 50, backend=engine, seed=7).step(observations)
    again = Population(GridWorld(), 50, backend=engine, seed=7).step(observations)
    other = Population(GridWorld(), 50, backend=engine, seed=8).step(observations)
    dense = Population(GridWorld(), 50, backend="dense", seed=7).step(observations)
    assert np.array_equal(first, again)
    assert np.array_equal(first, dense)  # both engines draw the same keys for the same ties
    assert not np.array_equal(first, other)


def test_the_lanes_prior_terms_sum_the_predecessor_table_and_refuse_what_is_not_a_grid():
    from explorer.population.lanes import prior_terms
    from explorer.population.sparse_model import build_sparse_model, predecessor_table

    model = build_sparse_model(ODD_WORLDS[0])
    table, count = predecessor_table(model.successors)
    neighbours, weights = prior_terms(table, count)
    belief = np.random.default_rng(0).random(model.n_states)
    for u in range(5):  # each action's prediction, B[:, :, u] @ belief, from the two terms
        expected = np.zeros(model.n_states)
        np.add.at(expected, model.successors[:, u], belief)
        got = belief[neighbours[:, u]] * weights[:, u] + belief * weights[:, 5 + u]
        np.testing.assert_allclose(got, expected, rtol=1e-15)
    two_others = np.array([[0, 1, 1], [1, 1, 2], [2, 2, 2]], dtype=np.int32)  # 0 and 1 both go to 1
    with pytest.raises(ValueError, match=r"needs 5 actions.*got 3 actions"):
        prior_terms(*predecessor_table(two_others))
    merging = np.repeat(np.array([[1], [1], [1], [3]], dtype=np.int32), 5, axis=1)  # 0, 1 and 2 go to 1
    with pytest.raises(ValueError, match=r"states \[0, 1, 2\] taken to 1 by action 0"):
        prior_terms(*predecessor_table(merging))


def test_lanes_worker_threads_are_kept_across_steps_raise_in_the_caller_and_end_with_the_population():
    import gc
    import threading

    def workers():
        return [t for t in threading.enumerate() if t.name.startswith("explorer-lanes")]

    before = set(workers())
    population = Population(GridWorld(), 3 * 512, backend="lanes", seed=1)
    population._engine.threads = 2
    observations = np.zeros(3 * 512, dtype=int)
    population.step(observations)
    kept = set(workers()) - before
    population.step(observations)
    assert len(kept) == 1 and set(workers()) - before == kept  # the same thread, not one per step
    call = population._engine._calls[1]
    population._engine._calls[1] = lambda: 1 / 0
    with pytest.raises(ZeroDivisionError):
        population.step(observations)
    population._engine._calls[1] = call
    population.step(observations)  # the worker still serves
    del population, call
    gc.collect()
    for thread in kept:
        thread.join(timeout=10)
        assert not thread.is_alive()


#: Forks a process whose lanes engine has a worker thread; the child steps it (exit 0: the same actions).
#: In a fresh interpreter: in pytest's own process an imported JAX warns on any fork (an error here).
FORKED_CHILD = """
import os, signal, time
import numpy as np
from explorer import GridWorld, Population
population = Population(GridWorld(), 3 * 512, backend="lanes", seed=1)
population._engine.threads = 2
observations = np.zeros(3 * 512, dtype=int)
expected = Population(GridWorld(), 3 * 512, backend="lanes", seed=1)
expected.step(observations)
population.step(observations)
pid = os.fork()
if pid == 0:  # the child: the parent's worker thread does not run here
    same = False
    try:
        same = np.array_equal(population.step(observations), expected.step(observations))
    finally:
        os._exit(0 if same else 1)
deadline = time.monotonic() + 30
while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
    time.sleep(0.01)
if done[0] == 0:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
raise SystemExit(0 if done[0] == pid and os.waitstatus_to_exitcode(done[1]) == 0 else 1)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork only")
def test_a_forked_child_steps_the_lanes_engine_on_threads_of_its_own():
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", FORKED_CHILD], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]


@pytest.mark.parametrize("untied", ["three", "a stretch"])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_each_lanes_thread_draws_its_tie_keys_where_the_dense_engines_one_draw_would(threads, untied):
    from explorer.population.lanes import lanes_for

    lanes = lanes_for(25)
    n = 3 * lanes + 5  # four blocks: a thread's range ends mid-way through the ties
    observations = np.zeros(n, dtype=int)
    if untied == "three":  # three agents elsewhere: not tied, skipped among the tied
        observations[[4, lanes + lanes * 3 // 8, 3 * lanes - 36]] = 12
    else:  # a thread's four chains of draws find unequal numbers of ties (none in some)
        observations[lanes // 5 : 2 * lanes - 24] = 12
    lanes_population = Population(GridWorld(), n, backend="lanes", seed=7)
    lanes_population._engine.threads = threads
    dense_population = Population(GridWorld(), n, backend="dense", seed=7)
    for _ in range(2):
        actions = lanes_population.step(observations)
        assert np.count_nonzero(lanes_population._engine._ties[:n]) >= n - np.count_nonzero(observations)
        assert np.array_equal(actions, dense_population.step(observations))
    assert lanes_population._rng.bit_generator.state == dense_population._rng.bit_generator.state


@pytest.mark.parametrize("engine", ENGINES)
def test_before_the_first_step_beliefs_are_uniform_and_len_is_n(engine):
    population = Population(GridWorld(side=3), 4, backend=engine)
    assert len(population) == 4
    assert np.array_equal(population.beliefs, np.full((4, 9), 1 / 9))
    assert np.array_equal(population.policy_posterior, np.full((4, 5), 1 / 5))


@pytest.mark.parametrize("engine", ENGINES)
def test_beliefs_are_copies(engine):
    population = Population(GridWorld(), 3, backend=engine)
    population.step(np.zeros(3, dtype=int))
    population.beliefs[:] = 0
    population.policy_posterior[:] = 0
    assert np.allclose(population.beliefs.sum(axis=1), 1)
    assert np.allclose(population.policy_posterior.sum(axis=1), 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_reset_makes_the_population_behave_like_a_new_one(engine):
    world = WORLDS[3]
    rng = np.random.default_rng(0)
    episode = [rng.integers(0, world.n_states, size=5) for _ in range(6)]
    population = Population(world, 5, backend=engine, seed=1)
    for observations in episode[::-1]:
        population.step(observations)
    population.reset()
    assert np.array_equal(population.beliefs, np.full((5, world.n_states), 1 / world.n_states))
    fresh = Population(world, 5, backend=engine)
    fresh._rng.bit_generator.state = population._rng.bit_generator.state
    for observations in episode:
        assert np.array_equal(population.step(observations), fresh.step(observations))
        assert np.array_equal(population.beliefs, fresh.beliefs)
        assert np.array_equal(population.policy_posterior, fresh.policy_posterior)


@pytest.mark.parametrize(
    ("observations", "error", "message"),
    [
        (
            np.zeros(3, dtype=int),
            ValueError,
            r"observations must have shape \(4,\), one per agent, got shape \(3,\)",
        ),
        (np.zeros((4, 1), dtype=int), ValueError, r"shape \(4,\)"),
        (np.array([0, 1, 25, 2]), ValueError, r"observations must be in \[0, 24\], got 25 at index 2"),
        (np.array([0, -1, 0, 0]), ValueError, "got -1 at index 1"),
        (np.zeros(4), TypeError, "observations must be integers .* got dtype float64"),
        (np.zeros(4, dtype=bool), TypeError, "got dtype bool"),
        (["a", "b", "c", "d"], TypeError, "observations must be integers"),
        (3, ValueError, r"shape \(4,\)"),
    ],
)
@pytest.mark.parametrize("engine", ENGINES)
def test_bad_observations_raise_and_change_nothing(observations, error, message, engine):
    population = Population(GridWorld(), 4, backend=engine)
    population.step(np.array([0, 1, 5, 6]))
    before = (population.beliefs, population.policy_posterior, population._rng.bit_generator.state)
    with pytest.raises(error, match=message):
        population.step(observations)
    assert np.array_equal(population.beliefs, before[0])
    assert np.array_equal(population.policy_posterior, before[1])
    assert population._rng.bit_generator.state == before[2]


def test_observations_may_be_a_list_or_unsigned():
    population = Population(GridWorld(), 2)
    assert population.step([0, 1]).shape == (2,)
    assert population.step(np.array([1, 2], dtype=np.uint8)).shape == (2,)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((GridWorld(), 0), {}, ValueError, "n must be an int >= 1, got 0"),
        ((GridWorld(), 2.0), {}, TypeError, "n must be an int, got 2.0"),
        (
            (GridWorld(), 2),
            {"backend": "torch"},
            ValueError,
            r"backend must be one of \('auto', 'lanes', 'sparse', 'dense', 'jax'\)",
        ),
        (("5x5", 2), {}, TypeError, "model must be an explorer.Model or a GridWorld"),
        ((GridWorld(), 2), {"seed": -1}, ValueError, "seed must be an int >= 0"),
        ((GridWorld(), 2), {"legacy_ties": 1}, TypeError, "legacy_ties must be a bool, got 1"),
    ],
)
def test_bad_spawn_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        Population(*args, **kwargs)


@pytest.mark.parametrize("engine", ENGINES)
def test_spawn_allocates_arrays_not_per_agent_objects(engine):
    world = GridWorld()
    Population(world, 1, backend=engine)  # build and cache the model, import the engine first

    def traced(n):
        tracemalloc.start()
        population = Population(world, n, backend=engine)
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        stats = snapshot.statistics("filename")
        return population, sum(s.count for s in stats), sum(s.size for s in stats)

    _, few_blocks, few_bytes = traced(10)
    _, many_blocks, many_bytes = traced(20_010)
    assert many_blocks - few_blocks < 20  # a handful of arrays, not one object per agent
    assert (many_bytes - few_bytes) / 20_000 <= 1024


def test_small_populations_default_to_the_dense_engine_and_import_no_numba_pymdp_or_jax():
    code = (
        "import numpy as np, sys, explorer\n"
        "p = explorer.Population(explorer.GridWorld(), 10)\n"
        "p.step(np.zeros(10, dtype=int))\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    assert "numpy" in loaded
    assert loaded.isdisjoint({"pymdp", "jax", "scipy", "pandas", "matplotlib", "seaborn", "numba"})


# pymdp's batched agent differs from legacy in the ambiguity term of the information gain (legacy:
# A ln(A + exp(-16)), batched: A ln A), ~1e-6 on q_pi in noisy worlds: near-ties closer than the
# tolerance may then go either way, so they count as ties.
JAX_WORLDS = [WORLDS[1], WORLDS[2]]


@pytest.mark.parametrize("world", JAX_WORLDS, ids=repr)
def test_jax_population_matches_pymdp_legacy_agents_in_float32(world):
    population = Population(world, 5, backend="jax", seed=4)
    assert population._engine.dtype == np.float32
    compare_with_legacy(population, 10, 1e-5, seed=4, tie=2e-5)


def test_jax_population_in_float64_matches_to_1e8_where_the_ambiguity_term_agrees():
    code = (
        "from test_population import *\n"
        "population = Population(WORLDS[1], 4, backend='jax', seed=2)\n"
        "assert population._engine.dtype == np.float64\n"
        "compare_with_legacy(population, 8, 1e-8, seed=2)\n"
        "compare_with_legacy(Population(WORLDS[2], 4, backend='jax'), 8, 2e-6, seed=2, tie=4e-6)\n"
        "print('ok')"
    )
    environment = {**os.environ, "JAX_ENABLE_X64": "1"}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=TESTS,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


def test_jax_population_resets_and_returns_float64_copies():
    world = WORLDS[1]
    population = Population(world, 3, backend="jax")
    population.step(np.array([0, 1, 4]))
    population.beliefs[:] = 0
    assert population.beliefs.dtype == np.float64
    assert np.allclose(population.beliefs.sum(axis=1), 1, atol=1e-6)
    population.reset()
    assert np.allclose(population.beliefs, 1 / world.n_states)
    assert np.allclose(population.policy_posterior, 1 / 5)
    again = Population(world, 3, backend="jax")
    again.step(np.array([0, 1, 4]))
    population.step(np.array([0, 1, 4]))
    np.testing.assert_allclose(population.beliefs, again.beliefs, rtol=0, atol=1e-7)


def test_populations_of_one_world_share_its_read_only_step_arrays():
    first, second = Population(GridWorld(side=4), 3), Population(GridWorld(side=4), 5)
    assert first.backend == second.backend == "dense"
    assert first._engine.shared is second._engine.shared
    assert not first._engine.shared.transitions.flags.writeable
    assert first.nbytes == 3 * (16 + 5 + 16) * 8


def test_auto_takes_a_compiled_engine_for_many_agents_or_large_worlds():
    from explorer.population import AUTO_SPARSE_WORK, resolve_backend

    assert resolve_backend("auto", 1, 25) == "dense"
    assert resolve_backend("auto", AUTO_SPARSE_WORK // 25, 25) == "lanes"
    assert resolve_backend("auto", AUTO_SPARSE_WORK // 100, 100) == "lanes"  # measured faster up to 100x100
    assert resolve_backend("auto", 1, 10_000) == "lanes"
    assert resolve_backend("auto", 1, 10_201) == "sparse"  # beyond what lanes was measured at
    assert resolve_backend("dense", 10**6, 25) == "dense"
    assert resolve_backend("sparse", 10**6, 25) == "sparse"
    assert Population(GridWorld(), 2000).backend == "lanes"


@pytest.mark.parametrize("engine", ["lanes", "sparse"])
def test_the_compiled_engines_never_build_the_dense_model(monkeypatch, engine):
    def refuse(world):
        raise AssertionError(f"dense model built for {world!r}")

    monkeypatch.setattr("explorer.model._dense_model", refuse)
    world = GridWorld(side=100, walls=range(5050, 5090), start=0, goal=9999, obs_noise=0.2)
    population = Population(world, 3, backend=engine)
    assert population.step(np.array([0, 1, 100])).shape == (3,)
    assert population._engine.model.nbytes < 2**21
    # the lanes engine holds a whole block of agent slots (32 in a world this large), 3 of them used
    slots = 3 if engine == "sparse" else 32
    per_slot = (10_000 + 5) * 8 + (8 + 1 + 8 + 8 if engine == "sparse" else 4 * 8)
    assert population.nbytes == slots * per_slot
    np.testing.assert_allclose(population.beliefs.sum(axis=1), 1, rtol=0, atol=1e-12)


@pytest.mark.parametrize("world", WORLDS + ODD_WORLDS, ids=repr)
def test_the_sparse_model_holds_the_dense_models_numbers(world):
    from explorer import build_model
    from explorer.population.dense import step_arrays
    from explorer.population.sparse_model import build_sparse_model

    sparse, dense = build_sparse_model(world), build_model(world)
    np.testing.assert_array_equal(sparse.dense_A(), dense.A[0])
    for action in range(5):
        moved = np.zeros((world.n_states, world.n_states))
        moved[sparse.successors[:, action], np.arange(world.n_states)] = 1.0
        np.testing.assert_array_equal(moved, dense.B[0][:, :, action])
    np.testing.assert_array_equal(sparse.C, dense.C[0])
    np.testing.assert_array_equal(sparse.D, dense.D[0])
    arrays = step_arrays(dense)
    np.testing.assert_allclose(sparse.utility_weights, arrays.utility_weights, rtol=1e-14, atol=1e-13)
    np.testing.assert_allclose(sparse.neg_ambiguity, arrays.neg_ambiguity, rtol=1e-14, atol=1e-14)
    assert sparse.emission_count.max() <= 5 and sparse.emitter_count.max() <= 5
    assert not sparse.successors.flags.writeable


def test_without_numba_auto_takes_the_dense_engine_and_sparse_says_what_to_install(monkeypatch):
    from explorer import population

    assert population.resolve_backend("auto", 10_000, 25) == "lanes"  # numba is installed here
    monkeypatch.setattr(population, "_numba_installed", lambda: False)
    assert population.resolve_backend("auto", 10_000, 25) == "dense"
    assert population.resolve_backend("dense", 10_000, 25) == "dense"
    with pytest.raises(ModuleNotFoundError, match=r"sparse engine needs numba.*pip install numba"):
        population.resolve_backend("sparse", 10, 25)
    with pytest.raises(ModuleNotFoundError, match="auto chose it for a world of 400 states"):
        Population(GridWorld(side=20), 10)
