"""The timing gates (explorer/guards/gates.py): the project's speed claims, decided within one run.

Tests marked ``perf`` time real code (about 10 s in all); the others check the decision rule on
constructed samples. ``python tests/measure_gate_rates.py`` measures the gates' false-alarm and
detection rates (not run in CI: about 5 minutes).
"""

import numpy as np
import pytest

from explorer.guards.gates import (
    POPULATION_SPEEDUP_LIMIT,
    SPAWN_FLOOR_LIMIT,
    decide,
    model_spawn_floor_gate,
    population_speedup_gate,
    spawn_floor_gate,
)


@pytest.mark.perf
def test_lazy_spawn_within_3x_of_the_floor():
    result = spawn_floor_gate()
    assert not result.failed, result.summary()


@pytest.mark.perf
def test_lazy_agent_of_any_model_spawns_within_3x_of_its_floor():
    result = model_spawn_floor_gate()
    assert not result.failed, result.summary()
    assert result.name == "LazyAgent spawn / floor spawn"


@pytest.mark.perf
def test_population_at_least_50x_faster_than_lazy_agents_per_agent_step():
    result = population_speedup_gate()
    assert not result.failed, result.summary()


@pytest.mark.perf
def test_spawn_gate_fails_a_lazy_spawn_made_4x_slower():
    result = spawn_floor_gate(slowdown=4)
    assert result.failed, result.summary()
    assert result.ratio > SPAWN_FLOOR_LIMIT


@pytest.mark.perf
def test_model_spawn_gate_fails_a_lazy_agent_spawn_made_4x_slower():
    result = model_spawn_floor_gate(slowdown=4)
    assert result.failed, result.summary()
    assert result.ratio > SPAWN_FLOOR_LIMIT


@pytest.mark.perf
def test_population_gate_fails_a_population_made_15x_slower():
    result = population_speedup_gate(slowdown=15)
    assert result.failed, result.summary()
    assert result.ratio < POPULATION_SPEEDUP_LIMIT


def samples(median: float, spread: float = 0.05, size: int = 40, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(median * (1 + spread * rng.standard_normal(size)))


def test_decide_fails_a_cost_ratio_significantly_above_the_limit():
    result = decide("cost", samples(4.0), samples(1.0, seed=1), limit=3.0, worse_if="above")
    assert result.failed and result.p_value < 1e-6
    assert result.low < 4.0 < result.high


def test_decide_passes_a_cost_ratio_below_the_limit_and_one_only_noisily_above():
    assert not decide("cost", samples(2.9), samples(1.0, seed=1), limit=3.0, worse_if="above").failed
    noisy = decide(
        "cost", samples(3.1, spread=0.8, size=6), samples(1.0, 0.8, 6, 1), limit=3.0, worse_if="above"
    )
    assert not noisy.failed


def test_decide_fails_a_speedup_significantly_below_the_limit_and_passes_one_above():
    slow = decide("speed-up", samples(40.0), samples(1.0, seed=1), limit=50.0, worse_if="below")
    fast = decide("speed-up", samples(400.0), samples(1.0, seed=1), limit=50.0, worse_if="below")
    assert slow.failed and not fast.failed


def test_decide_rejects_a_bad_direction_and_too_few_samples():
    with pytest.raises(ValueError, match="worse_if must be 'above' or 'below'"):
        decide("x", samples(1.0), samples(1.0), limit=3.0, worse_if="up")
    with pytest.raises(ValueError, match="at least 5 samples"):
        decide("x", [1.0, 2.0], samples(1.0), limit=3.0, worse_if="above")


def test_gates_reject_bad_arguments_before_measuring():
    with pytest.raises(ValueError, match="repeats must be"):
        spawn_floor_gate(repeats=2)
    with pytest.raises(TypeError, match="slowdown must be an int"):
        population_speedup_gate(slowdown=1.5)
