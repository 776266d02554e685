"""One type for any discrete pymdp model: validated once, read-only, shared by every agent and engine."""

from __future__ import annotations

import math

import numpy as np

from explorer.checks import check_int
from explorer.limits import check_memory
from explorer.pomdp import validation as v
from explorer.pomdp.policies import MAX_POLICY_COUNT, construct_policies, policy_count


class Model:
    """A discrete POMDP as pymdp legacy's ``Agent`` takes it, checked before anything is built.

    ``A`` (one array per modality, ``(n_obs[m], *n_states)``), ``B`` (one per factor,
    ``(n_states[f], n_states[f], n_controls[f])``), ``C``, ``D``, ``E`` and the keywords have pymdp
    legacy's names, meanings and defaults; a single array is one modality (or factor). Columns must be
    distributions within pymdp's own tolerance (``|sum - 1| <= 1e-08 + 1e-05``, ``numpy.allclose`` as
    ``utils.is_normalized``), so that pymdp's ``Agent`` accepts whatever is accepted here; a factor needs
    at least 2 states (pymdp's maths fails on one). Ints and floats become float64; bool, complex, object
    and text arrays are refused. An uncontrolled factor is one whose ``B`` has one control. Settings explorer
    does not compute (``pA``, ``pB``, ``pD``, ``use_param_info_gain``, ``sophisticated``, an
    ``inference_algo`` other than ``"VANILLA"``, ``A_factor_list``, ``B_factor_list``, a ``sampling_mode``
    other than ``"marginal"``) are refused by name. The arrays and the policies are estimated in bytes
    and refused above :func:`explorer.limits.memory_limit` before any is allocated.

    Every array is a float64 (policies int64), C-contiguous, read-only copy; the model is immutable
    and picklable.
    """

    __slots__ = (
        "A",
        "B",
        "C",
        "D",
        "E",
        "policies",
        "policy_len",
        "control_fac_idx",
        "gamma",
        "alpha",
        "use_utility",
        "use_states_info_gain",
        "action_selection",
        "num_iter",
        "dF",
        "dF_tol",
        "__weakref__",
    )

    A: tuple[np.ndarray, ...]
    B: tuple[np.ndarray, ...]
    C: tuple[np.ndarray, ...]
    D: tuple[np.ndarray, ...]
    E: np.ndarray
    policies: np.ndarray
    policy_len: int
    control_fac_idx: tuple[int, ...]
    gamma: float
    alpha: float
    use_utility: bool
    use_states_info_gain: bool
    action_selection: str
    num_iter: int
    dF: float
    dF_tol: float

    def __init__(
        self,
        A: object,
        B: object,
        C: object = None,
        D: object = None,
        E: object = None,
        *,
        policy_len: int = 1,
        control_fac_idx: object = None,
        policies: object = None,
        gamma: float = 16.0,
        alpha: float = 16.0,
        use_utility: bool = True,
        use_states_info_gain: bool = True,
        action_selection: str = "deterministic",
        inference_params: dict | None = None,
        pA: object = None,
        pB: object = None,
        pD: object = None,
        use_param_info_gain: bool = False,
        sophisticated: bool = False,
        inference_algo: str = "VANILLA",
        A_factor_list: object = None,
        B_factor_list: object = None,
        sampling_mode: str = "marginal",
    ) -> None:
        v.check_unsupported(
            {
                "pA": pA,
                "pB": pB,
                "pD": pD,
                "use_param_info_gain": use_param_info_gain,
                "sophisticated": sophisticated,
                "inference_algo": inference_algo,
                "A_factor_list": A_factor_list,
                "B_factor_list": B_factor_list,
                "sampling_mode": sampling_mode,
            }
        )
        self._setup(
            A,
            B,
            C,
            D,
            E,
            policy_len=policy_len,
            control_fac_idx=control_fac_idx,
            policies=policies,
            gamma=gamma,
            alpha=alpha,
            use_utility=use_utility,
            use_states_info_gain=use_states_info_gain,
            action_selection=action_selection,
            inference_params=inference_params,
            copy=True,
        )

    def _setup(
        self,
        A: object,
        B: object,
        C: object,
        D: object,
        E: object,
        *,
        policy_len: object = 1,
        control_fac_idx: object = None,
        policies: object = None,
        gamma: object = 16.0,
        alpha: object = 16.0,
        use_utility: object = True,
        use_states_info_gain: object = True,
        action_selection: object = "deterministic",
        inference_params: object = None,
        copy: bool,
    ) -> None:
        """Check everything, estimate the bytes, convert and store (``copy=False``: arrays explorer made)."""
        policy_len = check_int("policy_len", policy_len, low=1)
        settings = {
            "policy_len": policy_len,
            "gamma": v.check_finite_real("gamma", gamma, positive=True),
            "alpha": v.check_finite_real("alpha", alpha, positive=True),
            "use_utility": v.check_flag("use_utility", use_utility),
            "use_states_info_gain": v.check_flag("use_states_info_gain", use_states_info_gain),
            "action_selection": v.check_action_selection(action_selection),
        }
        settings["num_iter"], settings["dF"], settings["dF_tol"] = v.check_inference_params(inference_params)

        B_list = v.split_arrays("B", B)
        for f, b in enumerate(B_list):
            v.check_transitions_shape(f"B[{f}]", b)
        n_states = tuple(b.shape[0] for b in B_list)
        n_controls = tuple(b.shape[2] for b in B_list)
        A_list = v.split_arrays("A", A)
        for m, a in enumerate(A_list):
            v.check_sizes(f"A[{m}]", a, None, "observation, then the state of each factor")
            v.check_shape(
                f"A[{m}]",
                a,
                (a.shape[0], *n_states),
                f"observations, then the states of each factor in B: {n_states}",
            )
        n_obs = tuple(a.shape[0] for a in A_list)
        C_list = None if C is None else _per_index("C", C, n_obs, "modality", "observations of modality")
        D_list = None if D is None else _per_index("D", D, n_states, "factor", "states of factor")
        settings["control_fac_idx"] = v.check_control_fac_idx(control_fac_idx, n_controls)
        if policies is None:
            n_policies = policy_count(n_controls, policy_len)
        else:
            policies = v.check_policies(policies, policy_len, n_controls)
            n_policies = len(policies)
        count = (
            f"{n_policies:,}" if n_policies < MAX_POLICY_COUNT else f"{math.prod(n_controls)}**{policy_len}"
        )
        floats = sum(a.size for a in A_list) + sum(b.size for b in B_list) + sum(n_obs) + sum(n_states)
        check_memory(
            8 * (floats + n_policies * (1 + policy_len * len(n_states))),
            f"Model(n_states={n_states}, n_obs={n_obs}, n_controls={n_controls}, policy_len={policy_len}) "
            f"({count} policies, its arrays float64 and its policies int64)",
        )
        if E is not None:
            E = v.numeric_array("E", E)
            v.check_shape("E", E, (n_policies,), f"one prior weight per policy, {n_policies:,} policies")

        A_tuple = tuple(_stored(f"A[{m}]", a, copy, v.check_probabilities) for m, a in enumerate(A_list))
        B_tuple = tuple(_stored(f"B[{f}]", b, copy, v.check_probabilities) for f, b in enumerate(B_list))
        if C_list is None:
            C_list = [np.zeros(n) for n in n_obs]
        C_tuple = tuple(_stored(f"C[{m}]", c, copy, v.check_finite) for m, c in enumerate(C_list))
        if D_list is None:
            D_list = [np.ones(n) / n for n in n_states]  # pymdp's obj_array_uniform
        D_tuple = tuple(_stored(f"D[{f}]", d, copy, v.check_probabilities) for f, d in enumerate(D_list))
        E_array = _stored("E", np.ones(n_policies) / n_policies if E is None else E, copy, _check_weights)
        if policies is None:
            policies = construct_policies(n_controls, policy_len)
        policies = np.ascontiguousarray(policies, dtype=np.int64)
        policies.setflags(write=False)
        fields = {"A": A_tuple, "B": B_tuple, "C": C_tuple, "D": D_tuple, "E": E_array, "policies": policies}
        for name, value in {**fields, **settings}.items():
            object.__setattr__(self, name, value)

    @property
    def n_states(self) -> tuple[int, ...]:
        """States of each hidden-state factor."""
        return tuple(b.shape[0] for b in self.B)

    @property
    def n_obs(self) -> tuple[int, ...]:
        """Observations of each modality."""
        return tuple(a.shape[0] for a in self.A)

    @property
    def n_controls(self) -> tuple[int, ...]:
        """Controls (actions) of each factor: 1 for an uncontrolled factor."""
        return tuple(b.shape[2] for b in self.B)

    @property
    def n_factors(self) -> int:
        """Number of hidden-state factors."""
        return len(self.B)

    @property
    def n_modalities(self) -> int:
        """Number of observation modalities."""
        return len(self.A)

    @property
    def n_policies(self) -> int:
        """Number of policies."""
        return len(self.policies)

    @property
    def nbytes(self) -> int:
        """Bytes of every array held: A, B, C, D, E and the policies."""
        arrays = (*self.A, *self.B, *self.C, *self.D, self.E, self.policies)
        return sum(a.nbytes for a in arrays)

    def legacy_agent_kwargs(self, *, shared: bool = False) -> dict:
        """Keyword arguments that build the equivalent pymdp legacy ``Agent(**kwargs)``.

        Fresh writable copies as pymdp object arrays, or with ``shared=True`` the model's own read-only
        arrays (what agents sharing one model get). pymdp 1.0.4's legacy ``Agent`` stores its default
        ``inference_params`` whatever it is given: :func:`explorer.legacy.build_legacy_agent` sets them.
        """

        def objects(arrays: tuple[np.ndarray, ...]) -> np.ndarray:
            out = np.empty(len(arrays), dtype=object)
            for i, array in enumerate(arrays):
                out[i] = array if shared else array.copy()
            return out

        return {
            "A": objects(self.A),
            "B": objects(self.B),
            "C": objects(self.C),
            "D": objects(self.D),
            "E": self.E if shared else self.E.copy(),
            "policies": self.policies if shared else [policy.copy() for policy in self.policies],
            "policy_len": self.policy_len,
            # pymdp takes max() of an explicit control_fac_idx: none controlled is its default, None
            "control_fac_idx": list(self.control_fac_idx) or None,
            "gamma": self.gamma,
            "alpha": self.alpha,
            "use_utility": self.use_utility,
            "use_states_info_gain": self.use_states_info_gain,
            "use_param_info_gain": False,
            "action_selection": self.action_selection,
            "sampling_mode": "marginal",
            "inference_algo": "VANILLA",
            "inference_params": {
                "num_iter": self.num_iter,
                "dF": self.dF,
                "dF_tol": self.dF_tol,
                "compute_vfe": True,
            },
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_states={self.n_states}, n_obs={self.n_obs}, "
            f"n_controls={self.n_controls}, policy_len={self.policy_len}, n_policies={self.n_policies}, "
            f"action_selection={self.action_selection!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: {name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, name), getattr(other, name)) for name in _fields(type(self)))

    def __hash__(self) -> int:
        # equal models have equal sizes and settings: a cheap hash consistent with ==
        return hash(
            (type(self).__name__, self.n_states, self.n_obs, self.n_controls, self.n_policies, self.gamma)
        )

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in _fields(type(self))}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            for array in value if isinstance(value, tuple) else (value,):
                if isinstance(array, np.ndarray):
                    array.setflags(write=False)  # numpy unpickles arrays writable
            object.__setattr__(self, name, value)


def _fields(cls: type) -> tuple[str, ...]:
    names = [name for klass in reversed(cls.__mro__) for name in getattr(klass, "__slots__", ())]
    return tuple(name for name in names if name != "__weakref__")


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and np.array_equal(a, b)
        )
    return bool(a == b)


def _per_index(name: str, value: object, sizes: tuple[int, ...], kind: str, meaning: str) -> list[np.ndarray]:
    arrays = v.split_arrays(name, value)
    if len(arrays) != len(sizes):
        raise ValueError(f"{name} must hold one array per {kind} ({len(sizes)}), got {len(arrays)}")
    for i, array in enumerate(arrays):
        v.check_shape(f"{name}[{i}]", array, (sizes[i],), f"the {meaning} {i}")
    return arrays


def _stored(name: str, array: np.ndarray, copy: bool, check) -> np.ndarray:
    """``array`` as a float64 C-contiguous read-only array (a copy unless ``copy`` is False), checked."""
    stored = (
        np.array(array, dtype=np.float64, order="C", copy=True)
        if copy
        else np.ascontiguousarray(array, np.float64)
    )
    check(name, stored)
    stored.setflags(write=False)
    return stored


def _check_weights(name: str, array: np.ndarray) -> None:
    v.check_finite(name, array)
    if (array < 0).any():
        index = int(np.argmax(array < 0))
        raise ValueError(f"{name} must hold prior weights >= 0, got {float(array[index]):g} at index {index}")
