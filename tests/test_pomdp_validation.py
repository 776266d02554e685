"""explorer.Model refuses a bad model before building anything, naming the array, its index and why."""

import tracemalloc

import numpy as np
import pytest
from pymdp.legacy import utils
from pymdp.legacy.agent import Agent
from pymdp.legacy.envs import TMazeEnv

from explorer import Model
from explorer.limits import using_memory_limit


def tmaze() -> dict:
    env = TMazeEnv(reward_probs=[0.98, 0.02])
    A, B = env.get_likelihood_dist(), env.get_transition_dist()
    return {"A": [np.array(a) for a in A], "B": [np.array(b) for b in B], "control_fac_idx": [0]}


def changed(edit) -> dict:
    kwargs = tmaze()
    edit(kwargs)
    return kwargs


def setitem(name, index, value):
    def edit(kwargs):
        kwargs[name][index] = value

    return edit


def scaled(name, index, where, factor):
    def edit(kwargs):
        kwargs[name][index][where] *= factor

    return edit


def moved(name, index, source, target, amount):
    """Move ``amount`` of probability from ``source`` to ``target`` (sums kept, signs not)."""

    def edit(kwargs):
        array = kwargs[name][index]
        array[source] -= amount
        array[target] += amount

    return edit


def put(**values):
    return lambda kwargs: kwargs.update(values)


BOOLS = np.ones((2, 4, 2), dtype=bool)
MASKED = np.ma.array(np.ones((2, 4, 2)) / 2, mask=False)
BAD = [
    (put(A="A"), TypeError, r"A must be a numpy array, or a list, tuple or object array"),
    (put(A=[]), ValueError, r"A must hold at least one array, got an empty list"),
    (put(A=np.empty((2, 2), dtype=object)), ValueError, r"A as an object array must be 1-D"),
    (setitem("A", 1, np.ones((3, 4)) / 3), ValueError, r"A\[1\] must have shape \(3, 4, 2\) \(observations"),
    (setitem("A", 0, np.ones(4) / 4), ValueError, r"A\[0\] must have at least 2 dimensions"),
    (setitem("A", 0, np.ones((0, 4, 2))), ValueError, r"A\[0\] must have every dimension >= 1"),
    (setitem("B", 0, np.ones((4, 3, 4)) / 4), ValueError, r"B\[0\] must be square in its first two axes"),
    (setitem("B", 1, np.eye(2)), ValueError, r"B\[1\] must have 3 dimensions .* got shape \(2, 2\)"),
    (put(B=[np.ones((1, 1, 1))]), ValueError, r"B\[0\] must have at least 2 states"),
    (scaled("A", 0, (slice(None), 0, 1), 1.1), ValueError, r"A\[0\]\[:, 0, 1\] sums to 1.1"),
    (scaled("B", 0, (slice(None), 2, 3), 0.99), ValueError, r"B\[0\]\[:, 2, 3\] sums to 0.99"),
    (moved("A", 2, (0, 1, 1), (1, 1, 1), 0.6), ValueError, r"A\[2\] must hold probabilities >= 0, got -0.1"),
    (setitem("A", 2, np.full((2, 4, 2), np.nan)), ValueError, r"A\[2\] must hold finite values, got nan at"),
    (scaled("B", 1, (0, 0, 0), np.inf), ValueError, r"B\[1\] must hold finite values, got inf at index"),
    (setitem("A", 2, BOOLS), TypeError, r"A\[2\] must hold ints or floats .*got dtype bool"),
    (setitem("A", 2, BOOLS + 0j), TypeError, r"A\[2\] must hold ints or floats .*got dtype complex128"),
    (setitem("A", 2, BOOLS.astype(object)), TypeError, r"A\[2\] must hold ints or floats .*got dtype object"),
    (setitem("A", 2, "ab"), TypeError, r"A\[2\] must be an array of numbers, got 'ab'"),
    (setitem("A", 2, [[0.5], [0.5, 0.5]]), ValueError, r"A\[2\] must be a rectangular array of numbers"),
    (setitem("A", 2, MASKED), TypeError, r"A\[2\] must be a plain numpy array, got a masked array"),
    (put(C=[np.zeros(4)]), ValueError, r"C must hold one array per modality \(3\), got 1"),
    (put(C=[np.zeros(4), np.zeros(2), np.zeros(2)]), ValueError, r"C\[1\] must have shape \(3,\)"),
    (put(C=[np.zeros(4), np.array([0, np.inf, 0]), np.zeros(2)]), ValueError, r"C\[1\] must hold finite"),
    (put(D=[np.ones(4) / 4]), ValueError, r"D must hold one array per factor \(2\), got 1"),
    (put(D=[np.ones(4) / 4, np.ones(3) / 3]), ValueError, r"D\[1\] must have shape \(2,\)"),
    (
        put(D=[np.ones(4) / 4, np.array([0.5, 0.6])]),
        ValueError,
        r"D\[1\] must be a distribution .*sums to 1.1",
    ),
    (put(D=[np.ones(4) / 4, np.array([1.5, -0.5])]), ValueError, r"D\[1\] must hold probabilities >= 0"),
    (put(E=np.ones(3)), ValueError, r"E must have shape \(4,\) \(one prior weight per policy, 4 policies\)"),
    (put(E=np.array([1, 1, -1, 1])), ValueError, r"E must hold prior weights >= 0, got -1 at index 2"),
    (put(E=np.array([1, 1, np.nan, 1])), ValueError, r"E must hold finite values, got nan at index \(2,\)"),
    (put(E="uniform"), TypeError, r"E must be an array of numbers"),
    (put(control_fac_idx=[2]), ValueError, r"control_fac_idx\[...\] must be an int in \[0, 1\], got 2"),
    (put(control_fac_idx=[0, 0]), ValueError, r"control_fac_idx must not repeat a factor"),
    (put(control_fac_idx=[0, 1]), ValueError, r"control_fac_idx names factor 1, but B\[1\] has 1 control"),
    (put(control_fac_idx=[]), ValueError, r"control_fac_idx must include factor 0: B\[0\] has 4 controls"),
    (put(control_fac_idx="0"), TypeError, r"control_fac_idx must be a sequence of factor indices"),
    (put(control_fac_idx=[0.0]), TypeError, r"control_fac_idx\[...\] must be an int"),
    (put(policy_len=0), ValueError, r"policy_len must be an int >= 1, got 0"),
    (put(policy_len=2.0), TypeError, r"policy_len must be an int"),
    (put(policy_len=True), TypeError, r"policy_len must be an int"),
    (put(gamma=0.0), ValueError, r"gamma must be a finite number > 0, got 0.0"),
    (put(gamma=float("nan")), ValueError, r"gamma must be a real number in \[0, inf\], got nan"),
    (put(gamma="16"), TypeError, r"gamma must be a real number, got '16'"),
    (put(alpha=-1), ValueError, r"alpha must be a real number in \[0, inf\], got -1"),
    (put(alpha=True), TypeError, r"alpha must be a real number"),
    (put(use_utility="yes"), TypeError, r"use_utility must be a bool"),
    (put(use_states_info_gain=1), TypeError, r"use_states_info_gain must be a bool"),
    (put(action_selection="random"), ValueError, r"action_selection must be one of \('deterministic', 'st"),
    (put(inference_params=[]), TypeError, r"inference_params must be a dict"),
    (put(inference_params={"compute_vfe": False}), ValueError, r"inference_params may hold only"),
    (
        put(inference_params={"num_iter": 0}),
        ValueError,
        r"inference_params\['num_iter'\] must be an int >= 1",
    ),
    (put(inference_params={"dF_tol": np.inf}), ValueError, r"inference_params\['dF_tol'\] must be a finite"),
    (put(policies=np.zeros((4, 1, 2))), TypeError, r"policies must hold action indices \(ints\)"),
    (
        put(policies=np.zeros((4, 2, 2), int)),
        ValueError,
        r"policies must have shape \(n_policies, policy_len=1",
    ),
    (put(policies=[[[0, 1]]]), ValueError, r"policies\[0, 0, 1\] must be an action of factor 1 in \[0, 0\]"),
]


@pytest.mark.parametrize(("edit", "error", "message"), BAD)
def test_a_bad_model_is_refused_by_name(edit, error, message):
    with pytest.raises(error, match=message):
        Model(**changed(edit))


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("pA", "A"),
        ("pB", "B"),
        ("pD", [np.ones(4), np.ones(2)]),
        ("use_param_info_gain", True),
        ("sophisticated", True),
        ("inference_algo", "MMP"),
        ("A_factor_list", [[0, 1], [0, 1], [0, 1]]),
        ("B_factor_list", [[0], [1]]),
        ("sampling_mode", "full"),
    ],
)
def test_a_setting_explorer_does_not_compute_is_refused_by_name(setting, value):
    kwargs = tmaze()
    kwargs[setting] = kwargs[value] if isinstance(value, str) and value in ("A", "B") else value
    with pytest.raises(
        ValueError, match=rf"^{setting}=.* is not supported: .*leave {setting} at pymdp's default"
    ):
        Model(**kwargs)


def test_ints_are_converted_to_float64_and_a_single_array_is_one_modality_or_factor():
    model = Model(np.eye(3, dtype=np.int32), np.eye(3, dtype=np.uint8)[:, :, None], [0, 1, 2], [1, 0, 0])
    assert model.n_obs == (3,) and model.n_states == (3,) and model.n_controls == (1,)
    assert all(a.dtype == np.float64 for a in (*model.A, *model.B, *model.C, *model.D, model.E))
    objects = utils.obj_array_from_list([np.eye(3), np.ones((2, 3)) / 2])
    assert Model(objects, (np.eye(3)[:, :, None],)).n_obs == (3, 2)


def with_column_sum(total: float) -> dict:
    kwargs = tmaze()
    kwargs["A"][1][:, 0, 0] = [0.5 * total, 0.25 * total, 0.25 * total]
    return kwargs


@pytest.mark.parametrize(
    "excess", [0.0, 5e-6, 1.0e-5, 1.0009e-5, 1.0011e-5, 2e-5, -1.0009e-5, -1.0011e-5, -3e-5]
)
def test_the_tolerance_is_pymdps_so_pymdp_accepts_what_explorer_accepts(excess):
    kwargs = with_column_sum(1.0 + excess)
    pymdp_accepts = utils.is_normalized(utils.obj_array_from_list(kwargs["A"]))
    try:
        model = Model(**kwargs)
    except ValueError as error:
        assert "A[1][:, 0, 0] sums to" in str(error) and "1e-08 + 1e-05" in str(error)
        assert not pymdp_accepts
        with pytest.raises(AssertionError, match="A matrix is not normalized"):
            Agent(A=utils.obj_array_from_list(kwargs["A"]), B=utils.obj_array_from_list(kwargs["B"]))
    else:
        assert pymdp_accepts
        Agent(**model.legacy_agent_kwargs())
    assert pymdp_accepts == (abs(excess) <= 1.001e-5)


def test_too_many_policies_are_refused_before_any_is_built():
    kwargs = tmaze()
    with using_memory_limit("1MiB"):
        tracemalloc.start()
        try:
            with pytest.raises(MemoryError, match=r"4\*\*1000000 policies.*above the memory limit of 1 MiB"):
                Model(**kwargs, policy_len=1_000_000)
            with pytest.raises(MemoryError, match=r"\(65,536 policies, .*nothing was allocated"):
                Model(**kwargs, policy_len=8)  # 8.9 MB of policies
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 200_000
        assert Model(**kwargs, policy_len=4).n_policies == 256  # 27 KiB: within the limit


def test_arrays_above_the_memory_limit_are_refused_naming_the_model():
    big = np.ones((2, 300, 300)) / 2
    B = np.repeat(np.eye(300)[:, :, None], 2, axis=2)
    with (
        using_memory_limit("1MiB"),
        pytest.raises(MemoryError, match=r"Model\(n_states=\(300,\), n_obs=\(2,\)"),
    ):
        Model(big[:, :, 0], B)
    assert Model(big[:, :, 0], B).nbytes == 8 * (600 + 300 * 300 * 2 + 2 + 300 + 2 + 2)
