"""What every step of a population needs from a model, computed once per model and shared read-only.

The arrays are over the model's joint hidden states (every factor's state, factor 0 slowest, as
``A[m].reshape(n_obs[m], -1)``), so the engines' expected free energy is a few matrix products. The
cache is keyed by the model object (held, so its id stays its own) and bounded like the model cache.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from explorer.limits import check_memory
from explorer.model import MODEL_CACHE_BYTES, MODEL_CACHE_SIZE

#: pymdp legacy's ``EPS_VAL``, added inside every ``log`` (``spm_log_single``).
LOG_EPS = 1e-16
#: ``spm_MDP_G`` uses ``log(p + exp(-16))`` for the ambiguity of each joint state, and counts only
#: predicted joint states with ``q(s) > exp(-16)``.
INFO_GAIN_EPS = float(np.exp(-16))


@dataclass(frozen=True)
class ModelArrays:
    """A model's step arrays (see the module docstring); built by :func:`model_arrays`."""

    #: per modality, ``A[m] + eps`` as ``(n_obs[m], joint states)``: the one-factor posterior's product
    likelihood: tuple[np.ndarray, ...]
    #: per modality, ``ln(A[m] + eps)`` as ``(n_obs[m], joint states)``: the mean-field iteration's terms
    log_likelihood: tuple[np.ndarray, ...]
    #: per factor, ``(S, n_controls[f] * S)``: ``(qs @ T)[u*S + i] = (B[f][:, :, u] @ qs)[i]``
    transitions: tuple[np.ndarray, ...]
    #: per factor, ``(n_controls[f], S, S)``: ``B[f][:, :, u].T``, to move ``(..., S)`` predictions by ``@``
    transitions_T: tuple[np.ndarray, ...]
    #: ``(joint states, sum of n_obs)``: every modality's ``A[m].T`` side by side, to predict outcomes
    outcomes: np.ndarray
    #: ``sum_m ln(softmax(C[m]) + eps) @ A[m]``: expected utility ``qo . ln C`` as a weight per joint state
    utility_weights: np.ndarray
    #: ``sum_m sum_o A[m][o, s] ln(A[m][o, s] + exp(-16))``: each joint state's negative ambiguity
    neg_ambiguity: np.ndarray
    #: ``ln(E + eps)``
    log_policy_prior: np.ndarray
    #: per step of the policies, their distinct beginnings up to that step (see :class:`PolicyStep`)
    policy_steps: tuple[PolicyStep, ...]

    @property
    def nbytes(self) -> int:
        """Bytes of every array held."""
        arrays = [*self.likelihood, *self.log_likelihood, *self.transitions, *self.transitions_T]
        arrays += [self.outcomes, self.utility_weights, self.neg_ambiguity, self.log_policy_prior]
        return sum(a.nbytes for a in arrays) + sum(step.nbytes for step in self.policy_steps)


@dataclass(frozen=True)
class PolicyStep:
    """The distinct beginnings ("prefixes") of the policies up to step ``t``: policies that begin alike
    predict alike up to ``t``, so each prefix's expected free energy at ``t`` is computed once."""

    #: ``(prefixes,)``: each prefix's own prefix at step ``t - 1`` (0 at the first step)
    parent: np.ndarray
    #: ``(prefixes, n_factors)``: each prefix's actions at step ``t``
    actions: np.ndarray
    #: per factor: ``(action, indices of the prefixes taking it at t)`` for every action taken
    groups: tuple[tuple[tuple[int, np.ndarray], ...], ...]
    #: ``(n_policies,)``: each policy's prefix at step ``t``
    of_policy: np.ndarray

    @property
    def nbytes(self) -> int:
        """Bytes of every array held."""
        indices = sum(i.nbytes for factor in self.groups for _, i in factor)
        return self.parent.nbytes + self.actions.nbytes + self.of_policy.nbytes + indices


def policy_steps(policies: np.ndarray) -> tuple[PolicyStep, ...]:
    """Per step, the distinct prefixes of ``policies`` ``(n_policies, policy_len, n_factors)``."""
    steps, previous = [], None
    for t in range(policies.shape[1]):
        prefixes, first, of_policy = np.unique(
            policies[:, : t + 1, :].reshape(len(policies), -1), axis=0, return_index=True, return_inverse=True
        )
        actions = np.ascontiguousarray(prefixes[:, -policies.shape[2] :])
        parent = np.zeros(len(prefixes), dtype=np.intp) if previous is None else previous[first]
        groups = tuple(
            tuple((int(u), np.flatnonzero(actions[:, f] == u)) for u in np.unique(actions[:, f]))
            for f in range(policies.shape[2])
        )
        step = PolicyStep(parent.astype(np.intp), actions, groups, of_policy.ravel().astype(np.intp))
        for array in (step.parent, step.actions, step.of_policy, *(i for g in groups for _, i in g)):
            array.setflags(write=False)
        steps.append(step)
        previous = step.of_policy
    return tuple(steps)


def model_arrays_bytes(model: object) -> int:
    """Bytes :func:`model_arrays` allocates for ``model`` (estimated from its sizes, before building)."""
    joint = math.prod(model.n_states)
    per_joint = 3 * sum(model.n_obs) + 2
    transitions = sum(2 * u * s * s for u, s in zip(model.n_controls, model.n_states, strict=True))
    policies = model.n_policies * (model.policy_len + 1) * model.n_factors + model.n_policies
    return 8 * (joint * per_joint + transitions + policies)


def model_arrays(model: object) -> ModelArrays:
    """``model``'s step arrays, from a cache bounded at ``MODEL_CACHE_SIZE`` models, ``MODEL_CACHE_BYTES``."""
    key = id(model)
    with _lock:
        held = _cache.get(key)
        if held is not None and held[0] is model:
            _cache.move_to_end(key)
            return held[1]
    check_memory(
        model_arrays_bytes(model), f"the step arrays of {type(model).__name__}(n_states={model.n_states})"
    )
    arrays = _build(model)
    with _lock:
        _cache[key] = (model, arrays)
        _cache.move_to_end(key)
        total = sum(a.nbytes for _, a in _cache.values())
        while len(_cache) > 1 and (len(_cache) > MODEL_CACHE_SIZE or total > MODEL_CACHE_BYTES):
            _, (_, dropped) = _cache.popitem(last=False)
            total -= dropped.nbytes
    return arrays


_cache: OrderedDict[int, tuple[object, ModelArrays]] = OrderedDict()
_lock = threading.Lock()


def _build(model: object) -> ModelArrays:
    joint = math.prod(model.n_states)
    flat = [np.asarray(A_m, dtype=np.float64).reshape(A_m.shape[0], joint) for A_m in model.A]
    utility = np.zeros(joint)
    neg_ambiguity = np.zeros(joint)
    for A_m, C_m in zip(flat, model.C, strict=True):
        preference = np.exp(C_m - C_m.max())
        utility += np.log(preference / preference.sum() + LOG_EPS) @ A_m
        neg_ambiguity += np.einsum("os,os->s", A_m, np.log(A_m + INFO_GAIN_EPS))
    arrays = ModelArrays(
        likelihood=tuple(A_m + LOG_EPS for A_m in flat),
        log_likelihood=tuple(np.log(A_m + LOG_EPS) for A_m in flat),
        transitions=tuple(
            np.ascontiguousarray(B_f.transpose(1, 2, 0).reshape(B_f.shape[0], -1)) for B_f in model.B
        ),
        transitions_T=tuple(np.ascontiguousarray(B_f.transpose(2, 1, 0)) for B_f in model.B),
        outcomes=np.ascontiguousarray(np.concatenate(flat, axis=0).T),
        utility_weights=utility,
        neg_ambiguity=neg_ambiguity,
        log_policy_prior=np.log(np.asarray(model.E, dtype=np.float64) + LOG_EPS),
        policy_steps=policy_steps(np.asarray(model.policies)),
    )
    for array in (*arrays.likelihood, *arrays.log_likelihood, *arrays.transitions, *arrays.transitions_T):
        array.setflags(write=False)
    for array in (arrays.outcomes, arrays.utility_weights, arrays.neg_ambiguity, arrays.log_policy_prior):
        array.setflags(write=False)
    return arrays


def clear_model_arrays_cache() -> None:
    """Forget every cached model's step arrays (for memory measurements that must start cold)."""
    with _lock:
        _cache.clear()
