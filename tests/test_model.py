"""The generative model: shapes, normalization, read-only sharing and the bounded cache."""

import numpy as np
import pytest

from explorer import GridWorld, build_model
from explorer.model import MODEL_CACHE_SIZE, clear_model_cache


def test_noiseless_A_is_identity_and_B_moves_deterministically():
    world = GridWorld(side=3, walls=[4])
    model = build_model(world)
    assert model.A[0].shape == (9, 9)
    assert np.array_equal(model.A[0], np.eye(9))
    assert model.B[0].shape == (9, 9, 5)
    for state in range(9):
        for action in range(5):
            assert model.B[0][:, state, action].argmax() == world.move(state, action)
    assert np.allclose(model.B[0].sum(axis=0), 1.0)


def test_noisy_A_columns_are_normalized_and_peak_on_the_true_state():
    model = build_model(GridWorld(obs_noise=0.2, walls=[12]))
    assert np.allclose(model.A[0].sum(axis=0), 1.0)
    assert np.array_equal(model.A[0].argmax(axis=0), np.arange(25))
    assert model.A[0][0, 0] == pytest.approx(0.8)


def test_C_prefers_the_goal_and_D_is_the_start():
    world = GridWorld(side=4, start=5, goal=10)
    model = build_model(world)
    assert model.C[0].argmax() == 10
    assert model.C[0][10] == 0.0 and model.C[0][5] == -2.0
    assert model.D[0].argmax() == 5 and model.D[0].sum() == 1.0


def test_arrays_are_read_only():
    model = build_model(GridWorld())
    for array in (*model.A, *model.B, *model.C, *model.D, model.E, model.policies):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0


def test_one_model_per_world_is_shared():
    assert build_model(GridWorld(side=4)) is build_model(GridWorld(side=4))
    assert build_model(GridWorld(side=4)) is not build_model(GridWorld(side=4, obs_noise=0.1))


def test_cache_is_bounded():
    clear_model_cache()
    first = build_model(GridWorld(side=3))
    for goal in range(1, MODEL_CACHE_SIZE + 2):
        build_model(GridWorld(side=6, goal=goal))
    assert build_model(GridWorld(side=3)) is not first


def test_build_model_rejects_a_non_world():
    with pytest.raises(TypeError, match="world must be a GridWorld"):
        build_model("5x5")
