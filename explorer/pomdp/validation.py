"""Checks of a discrete POMDP's arrays and settings, run before a :class:`~explorer.pomdp.model.Model` exists.

Every error names the argument (and the array's index), the value found and what was expected. The
tolerance on distributions is pymdp's own (``utils.is_normalized`` is ``numpy.allclose``), so that
every model accepted here is accepted by pymdp's legacy ``Agent`` too.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.checks import check_choice, check_int, check_real

#: ``numpy.allclose``'s default tolerances, which pymdp legacy's ``utils.is_normalized`` uses:
#: a distribution is accepted when ``|sum - 1| <= NORM_ATOL + NORM_RTOL``.
NORM_RTOL = 1e-5
NORM_ATOL = 1e-8
TOLERANCE_TEXT = f"|sum - 1| <= {NORM_ATOL:g} + {NORM_RTOL:g}, pymdp's utils.is_normalized (numpy.allclose)"
ACTION_SELECTIONS = ("deterministic", "stochastic")
#: pymdp legacy's ``run_vanilla_fpi`` defaults; the only ``inference_params`` keys explorer computes.
INFERENCE_DEFAULTS = {"num_iter": 10, "dF": 1.0, "dF_tol": 0.001}
#: pymdp legacy ``Agent`` settings explorer does not compute, each with the only value accepted and why.
UNSUPPORTED = {
    "pA": (None, "learning of A (pA) is not computed by explorer"),
    "pB": (None, "learning of B (pB) is not computed by explorer"),
    "pD": (None, "learning of D (pD) is not computed by explorer"),
    "use_param_info_gain": (False, "the parameter information gain is not computed by explorer"),
    "sophisticated": (False, "sophisticated inference is not computed by explorer"),
    "inference_algo": ("VANILLA", "only pymdp's VANILLA fixed-point iteration is computed by explorer"),
    "A_factor_list": (None, "every modality depends on every factor in explorer's models"),
    "B_factor_list": (None, "every factor depends only on itself in explorer's models"),
    "sampling_mode": ("marginal", "actions are selected from their marginals, as pymdp's default"),
}


def check_unsupported(settings: dict[str, object]) -> None:
    """Refuse, by name, a pymdp setting that explorer does not compute unless it is left at its default."""
    for name, value in settings.items():
        default, why = UNSUPPORTED[name]
        same = value is None if default is None else (type(value) is type(default) and value == default)
        if not same:
            raise ValueError(
                f"{name}={_short(value)} is not supported: {why}; leave {name} at pymdp's default {default!r}"
            )


def split_arrays(name: str, value: object) -> list[np.ndarray]:
    """``value`` as a list of numeric arrays: one array, or a list, tuple or 1-D object array of them."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        items = [value]
    elif isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(
                f"{name} as an object array must be 1-D (one array each), got shape {value.shape}"
            )
        items = list(value)
    elif (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(x, (int, float, np.number)) for x in value)
    ):
        items = [value]  # a list of numbers is one vector (C or D of one modality or factor)
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise TypeError(
            f"{name} must be a numpy array, or a list, tuple or object array of numpy arrays, got "
            f"{_short(value)} ({type(value).__name__})"
        )
    if not items:
        raise ValueError(f"{name} must hold at least one array, got an empty {type(value).__name__}")
    return [numeric_array(f"{name}[{i}]", item) for i, item in enumerate(items)]


def numeric_array(name: str, value: object) -> np.ndarray:
    """``value`` as an int or float array (not converted yet); bool, complex, object and text refused."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a plain numpy array, got a masked array (its mask would be ignored)")
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {_short(value)} ({type(value).__name__})")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular array of numbers, got {_short(value)}: {error}"
        ) from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold ints or floats (converted to float64), got dtype {array.dtype}")
    return array


def check_shape(name: str, array: np.ndarray, expected: tuple[int, ...], meaning: str) -> None:
    """Raise ValueError unless ``array`` has shape ``expected``; ``meaning`` says what the axes are."""
    if array.shape != expected:
        raise ValueError(f"{name} must have shape {expected} ({meaning}), got shape {array.shape}")


def check_sizes(name: str, array: np.ndarray, ndim: int | None, meaning: str) -> None:
    """Raise ValueError unless ``array`` has ``ndim`` axes (at least 2 if None), each of size >= 1."""
    if (ndim is None and array.ndim < 2) or (ndim is not None and array.ndim != ndim):
        wanted = "at least 2" if ndim is None else str(ndim)
        raise ValueError(f"{name} must have {wanted} dimensions ({meaning}), got shape {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"{name} must have every dimension >= 1 ({meaning}), got shape {array.shape}")


def check_transitions_shape(name: str, array: np.ndarray) -> None:
    """Raise ValueError unless ``array`` is ``(states, states, controls)`` with at least 2 states."""
    check_sizes(name, array, 3, "next state, state, control")
    if array.shape[0] != array.shape[1]:
        raise ValueError(
            f"{name} must be square in its first two axes (next state, state) for each control, "
            f"got shape {array.shape}"
        )
    if array.shape[0] < 2:
        raise ValueError(
            f"{name} must have at least 2 states (pymdp legacy's maths squeezes a factor of one state "
            f"away and fails), got shape {array.shape}"
        )


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise ValueError naming the first NaN or infinite entry of ``array``."""
    bad = ~np.isfinite(array)
    if bad.any():
        index = _first(bad)
        raise ValueError(f"{name} must hold finite values, got {float(array[index]):g} at index {index}")


def check_probabilities(name: str, array: np.ndarray) -> None:
    """Raise ValueError unless ``array`` is finite, non-negative and each column (axis 0) sums to 1."""
    check_finite(name, array)
    negative = array < 0
    if negative.any():
        index = _first(negative)
        raise ValueError(f"{name} must hold probabilities >= 0, got {float(array[index]):g} at index {index}")
    sums = array.sum(axis=0)
    off = ~(np.abs(sums - 1.0) <= NORM_ATOL + NORM_RTOL)  # numpy.isclose(sums, 1.0)
    if np.any(off):
        column = _first(np.asarray(off)) if np.ndim(sums) else ()
        where = f"{name}[:{''.join(', ' + str(i) for i in column)}]" if column else name
        total = float(np.asarray(sums)[column]) if column else float(sums)
        raise ValueError(
            f"{name} must be a distribution over its first axis (each column summing to 1 within "
            f"{TOLERANCE_TEXT}), but {where} sums to {total!r}"
        )


def check_finite_real(name: str, value: object, *, positive: bool) -> float:
    """``value`` as a finite float (:func:`explorer.checks.check_real`, never a bool); ``positive``: > 0."""
    number = check_real(name, value, low=0.0 if positive else None)
    if not math.isfinite(number) or (positive and number <= 0):
        raise ValueError(f"{name} must be a finite number{' > 0' if positive else ''}, got {value!r}")
    return number


def check_flag(name: str, value: object) -> bool:
    """``value`` as a bool (Python or numpy bool only)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {_short(value)} ({type(value).__name__})")
    return bool(value)


def check_action_selection(value: object) -> str:
    """``"deterministic"`` or ``"stochastic"``, as pymdp legacy."""
    check_choice("action_selection", value, ACTION_SELECTIONS)
    return str(value)


def check_inference_params(value: object) -> tuple[int, float, float]:
    """``(num_iter, dF, dF_tol)`` from ``inference_params`` (a dict of some of those keys, or None)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise TypeError(
            f"inference_params must be a dict with keys among {tuple(INFERENCE_DEFAULTS)} or None, got "
            f"{_short(value)} ({type(value).__name__})"
        )
    unknown = [key for key in value if key not in INFERENCE_DEFAULTS]
    if unknown:
        raise ValueError(
            f"inference_params may hold only {tuple(INFERENCE_DEFAULTS)} (pymdp's run_vanilla_fpi), got "
            f"key {unknown[0]!r}"
        )
    params = {**INFERENCE_DEFAULTS, **value}
    num_iter = check_int("inference_params['num_iter']", params["num_iter"], low=1)
    dF = check_finite_real("inference_params['dF']", params["dF"], positive=False)
    dF_tol = check_finite_real("inference_params['dF_tol']", params["dF_tol"], positive=False)
    return num_iter, dF, dF_tol


def check_control_fac_idx(value: object, n_controls: tuple[int, ...]) -> tuple[int, ...]:
    """The controlled factors: by default (None) those with more than one control, as pymdp legacy.

    Given explicitly, they must be distinct factor indices each with more than one control (pymdp
    asserts that) and include every factor with more than one control: pymdp's ``construct_policies``
    enumerates the actions of every factor whatever ``control_fac_idx`` says, so a factor left out would
    be controlled anyway.
    """
    controllable = tuple(f for f, n in enumerate(n_controls) if n > 1)
    if value is None:
        return controllable
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__") or hasattr(value, "mask"):
        raise TypeError(f"control_fac_idx must be a sequence of factor indices or None, got {_short(value)}")
    factors = [check_int("control_fac_idx[...]", f, low=0, high=len(n_controls)) for f in value]
    if len(set(factors)) != len(factors):
        raise ValueError(f"control_fac_idx must not repeat a factor, got {factors}")
    for f in factors:
        if n_controls[f] < 2:
            raise ValueError(
                f"control_fac_idx names factor {f}, but B[{f}] has {n_controls[f]} control (its last axis): "
                "a controlled factor needs at least 2"
            )
    missing = [f for f in controllable if f not in factors]
    if missing:
        f = missing[0]
        raise ValueError(
            f"control_fac_idx must include factor {f}: B[{f}] has {n_controls[f]} controls and pymdp's "
            f"construct_policies enumerates them whatever control_fac_idx says; give B[{f}] a last axis of "
            "size 1 to make it uncontrolled"
        )
    return tuple(sorted(factors))


def check_policies(value: object, policy_len: int, n_controls: tuple[int, ...]) -> np.ndarray:
    """Given policies as int ``(n_policies, policy_len, n_factors)`` (or pymdp's list of 2-D arrays)."""
    array = numeric_array("policies", value)
    if array.dtype.kind not in "iu":
        raise TypeError(f"policies must hold action indices (ints), got dtype {array.dtype}")
    expected = f"(n_policies, policy_len={policy_len}, n_factors={len(n_controls)})"
    if array.ndim != 3 or array.shape[1:] != (policy_len, len(n_controls)) or array.shape[0] < 1:
        raise ValueError(f"policies must have shape {expected}, got shape {array.shape}")
    for f, n in enumerate(n_controls):
        bad = (array[:, :, f] < 0) | (array[:, :, f] >= n)
        if bad.any():
            p, t = _first(bad)
            raise ValueError(
                f"policies[{p}, {t}, {f}] must be an action of factor {f} in [0, {n - 1}] (B[{f}] has {n} "
                f"controls), got {int(array[p, t, f])}"
            )
    return array.astype(np.int64)


def check_observation(observation: object, n_obs: tuple[int, ...]) -> tuple[int, ...]:
    """One observation index per modality, as a tuple of ints; a bare int is accepted for one modality.

    Sequences and 1-D int arrays of length ``len(n_obs)`` are accepted; floats, bools, text, masked
    arrays and indices outside ``[0, n_obs[m])`` are refused, naming the modality.
    """
    if len(n_obs) == 1 and not isinstance(observation, (list, tuple, np.ndarray)):
        return (check_int("observation", observation, low=0, high=n_obs[0]),)
    expected = f"one int per modality ({len(n_obs)}: a sequence or 1-D int array)"
    if isinstance(observation, np.ndarray):
        if isinstance(observation, np.ma.MaskedArray):
            raise TypeError(f"observation must be {expected}, got a masked array (its mask would be ignored)")
        if observation.dtype.kind not in "iu":
            raise TypeError(f"observation must be {expected}, got an array of dtype {observation.dtype}")
        if observation.ndim != 1:
            raise ValueError(f"observation must be {expected}, got an array of shape {observation.shape}")
    elif not isinstance(observation, (list, tuple)):
        raise TypeError(
            f"observation must be {expected}, got {_short(observation)} ({type(observation).__name__})"
        )
    if len(observation) != len(n_obs):
        raise ValueError(
            f"observation must be {expected}, got {len(observation)} values: {_short(observation)}"
        )
    return tuple(
        check_int(f"observation[{m}]", value, low=0, high=n_obs[m]) for m, value in enumerate(observation)
    )


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _short(value: object) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:77] + "..."
