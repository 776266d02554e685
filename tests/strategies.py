"""Hypothesis strategies for random discrete pymdp models and their observations, shared by the tests.

``model_kwargs()`` draws the keyword arguments of ``explorer.Model`` (plain arrays, so that a test can
also build pymdp's own legacy ``Agent`` from them independently); ``models()`` builds the Model.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

#: Policies a drawn model may have at most: pymdp legacy evaluates each one per step, in Python.
MAX_POLICIES = 64


def _distribution_columns(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    """Columns (axis 0) that are distributions: dense, sparse (some exact zeros) or one-hot."""
    columns = int(np.prod(shape[1:]))
    if kind == "one-hot":
        array = np.zeros((shape[0], columns))
        array[rng.integers(0, shape[0], size=columns), np.arange(columns)] = 1.0
    else:
        concentration = 0.3 if kind == "sparse" else 2.0
        array = rng.dirichlet(np.full(shape[0], concentration), size=columns).T
        if kind == "sparse":
            array[array < 0.05] = 0.0
            array[rng.integers(0, shape[0], size=columns), np.arange(columns)] += 1e-3  # no all-zero column
            array /= array.sum(axis=0, keepdims=True)
    return np.ascontiguousarray(
        array.reshape(shape)
    )  # as a user's arrays usually are (and explorer's copies)


@st.composite
def model_kwargs(
    draw: st.DrawFn,
    *,
    max_factors: int = 3,
    max_modalities: int = 3,
    min_states: int = 2,
    max_states: int = 5,
    max_actions: int = 5,
    max_policy_len: int = 3,
    max_policies: int = MAX_POLICIES,
) -> dict:
    """Keyword arguments of a random ``explorer.Model`` (and of pymdp's legacy ``Agent``).

    1 to ``max_factors`` factors of ``min_states`` to ``max_states`` states, some uncontrolled (one
    control), the others 2 to ``max_actions`` controls; 1 to ``max_modalities`` modalities;
    ``policy_len`` up to ``max_policy_len`` while the policies stay at most ``max_policies``; dense,
    sparse and deterministic (one-hot) likelihoods and transitions; both action selections.
    """
    n_factors = draw(st.integers(1, max_factors))
    n_modalities = draw(st.integers(1, max_modalities))
    n_states = [draw(st.integers(min_states, max_states)) for _ in range(n_factors)]
    n_obs = [draw(st.integers(2, max_states)) for _ in range(n_modalities)]
    controlled = [draw(st.booleans()) for _ in range(n_factors)]
    n_controls = [draw(st.integers(2, max_actions)) if c else 1 for c in controlled]
    while math.prod(n_controls) > max_policies:  # the last controlled factor becomes uncontrolled
        n_controls[max(f for f, n in enumerate(n_controls) if n > 1)] = 1
    longest = max(
        length for length in range(1, max_policy_len + 1) if math.prod(n_controls) ** length <= max_policies
    )
    policy_len = draw(st.integers(1, longest))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kinds = st.sampled_from(["dense", "sparse", "one-hot"])
    A = [_distribution_columns(rng, (n, *n_states), draw(kinds)) for n in n_obs]
    sizes = zip(n_states, n_controls, strict=True)
    B = [_distribution_columns(rng, (s, s, u), draw(kinds)) for s, u in sizes]
    scale = draw(st.sampled_from([0.0, 1.0, 4.0]))
    C = [scale * rng.standard_normal(n) for n in n_obs]
    D = [_distribution_columns(rng, (s,), draw(kinds)) for s in n_states] if draw(st.booleans()) else None
    n_policies = math.prod(n_controls) ** policy_len
    E = rng.dirichlet(np.ones(n_policies)) if draw(st.booleans()) else None
    kwargs = {
        "A": A,
        "B": B,
        "C": C,
        "D": D,
        "E": E,
        "policy_len": policy_len,
        "gamma": draw(st.sampled_from([16.0, 1.0, 4.5])),
        "alpha": draw(st.sampled_from([16.0, 1.0, 2.5])),
        "use_utility": draw(st.booleans()),
        "use_states_info_gain": draw(st.booleans()),
        "action_selection": draw(st.sampled_from(["deterministic", "stochastic"])),
    }
    controlled_factors = [f for f, n in enumerate(n_controls) if n > 1]
    if controlled_factors and draw(st.booleans()):  # explicit, as for the T-maze (pymdp takes max() of it)
        kwargs["control_fac_idx"] = controlled_factors
    return kwargs


def models(**bounds: int) -> st.SearchStrategy:
    """Random ``explorer.Model`` instances (see :func:`model_kwargs` for the bounds)."""
    from explorer import Model

    return model_kwargs(**bounds).map(lambda kwargs: Model(**kwargs))


def observation_sequences(
    n_obs: tuple[int, ...], *, min_steps: int = 1, max_steps: int = 6
) -> st.SearchStrategy:
    """Adversarial observations: any in-range observation of every modality at every step."""
    one = st.tuples(*(st.integers(0, n - 1) for n in n_obs))
    return st.lists(one, min_size=min_steps, max_size=max_steps)
