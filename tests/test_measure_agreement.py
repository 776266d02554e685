"""population_agreement reports what it compares: equal actions, tiny differences, and real ones."""

import pytest

from explorer import GridWorld
from explorer.measure.instruments.agreement import population_agreement


@pytest.mark.parametrize("world", [GridWorld(), GridWorld(side=5, walls=[6, 7, 12], obs_noise=0.2)], ids=repr)
def test_numpy_population_agrees_with_legacy_agents(world):
    result = population_agreement(world, n=6, steps=5)
    assert result["same_actions"]
    assert result["max_belief_difference"] < 1e-8
    assert result["max_policy_difference"] < 1e-8


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        population_agreement(GridWorld(), n=0)
    with pytest.raises(TypeError, match="world must be a GridWorld"):
        population_agreement("world")  # neither a world, a Model nor a factory path


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_models_population_agrees_with_legacy_agents_walking_its_world(backend):
    result = population_agreement("explorer.measure.harness.declared:tmaze", n=6, steps=4, backend=backend)
    assert result["same_actions"]
    assert result["max_belief_difference"] < 1e-8 and result["max_policy_difference"] < 1e-8
