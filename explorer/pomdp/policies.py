"""The policies of a model, enumerated in pymdp legacy's order (``control.construct_policies``)."""

from __future__ import annotations

import itertools
import math

import numpy as np

#: Policy counts are capped at 2**64 when estimated, so that a huge ``policy_len`` never builds a huge int.
MAX_POLICY_COUNT = 2**64


def policy_count(n_controls: tuple[int, ...], policy_len: int) -> int:
    """How many policies pymdp legacy enumerates (every factor's controls at every step, multiplied),
    or :data:`MAX_POLICY_COUNT` if that is more."""
    per_step = math.prod(n_controls)
    if per_step > 1 and policy_len * math.log2(per_step) >= 64:
        return MAX_POLICY_COUNT
    return min(per_step**policy_len, MAX_POLICY_COUNT)


def construct_policies(n_controls: tuple[int, ...], policy_len: int) -> np.ndarray:
    """Every policy, int64 ``(n_policies, policy_len, n_factors)``, in pymdp legacy's order.

    pymdp takes ``itertools.product`` over the controls of every factor at every step (factor fastest
    within a step, the last step fastest of all) and reshapes each tuple to ``(policy_len, n_factors)``;
    uncontrolled factors have one control, so their actions are 0.
    """
    n_factors = len(n_controls)
    count = policy_count(n_controls, policy_len)
    actions = itertools.product(*(range(n) for n in n_controls * policy_len))
    flat = np.fromiter(
        itertools.chain.from_iterable(actions), dtype=np.int64, count=count * policy_len * n_factors
    )
    flat.shape = (count, policy_len, n_factors)  # in place: no view object kept beside the data
    return flat
