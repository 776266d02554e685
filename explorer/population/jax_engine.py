"""The jax engine for any model: pymdp 1.0's own batched agent (``pymdp.agent.Agent(batch_size=n)``).

Importing this imports jax and pymdp. The agent is configured to compute what pymdp's legacy agent
computes (:func:`legacy_equivalent_agent`); the prior, the state inference and the policy posterior
run in one jitted function, compiled on the first step; actions are selected on the host by the
shared :mod:`explorer.population.actions` (pymdp's batched ``sample_action`` has no legacy tie rule).

Where it cannot agree with legacy (found by stepping both on the same observations): the batched
fixed-point iteration always runs ``num_iter`` iterations, while legacy stops as soon as the free
energy changes by less than ``dF_tol``; and it clips every log at float epsilon (2.2e-16) where legacy
adds 1e-16, which decides the posterior when an observation contradicts every state the beliefs
allow. With environment observations on pymdp's T-maze both reach the same fixed point and agree to
about 1e-6 (float32 and float64; tested, policy_len 2). On surprising observations the T-maze parts
by up to 0.4 (legacy's early stop alone: up to 6e-4); on random models of several factors stepped
through their own generative process, 4 of 10 measured agreed within 1e-5, the others parted by 3e-3
to 9e-2 (in 2 of those 6, legacy run for all ``num_iter`` iterations agreed to 1e-15: the stopping rule
alone). Only the T-maze is claimed. The batched agent also counts every predicted state in the
information gain (legacy: only those above ``exp(-16)``): differences far below 1e-5.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from pymdp.agent import Agent

from explorer.population.actions import ActionSelection

TYPE_CHECKING = False
if TYPE_CHECKING:
    from explorer.pomdp.model import Model

#: pymdp legacy's ``EPS_VAL`` inside the log of the preferences.
LOG_EPS = 1e-16
#: (model, dtype) -> bytes one more agent adds to a compiled step, XLA's count: kept for a few models
#: (a throughput table interleaves four), so that a population is not compiled twice more each time.
_XLA_BYTES: dict = {}
_XLA_MODELS = 8


def legacy_equivalent_agent(model: Model, n: int) -> Agent:
    """pymdp's batched agent for ``n`` agents of ``model``, every default that differs from legacy overridden.

    The batched agent's defaults are ``gamma=1`` (legacy 16), ``alpha=1``, ``num_iter=16`` (legacy 10),
    ``sampling_mode="full"`` (legacy "marginal") and utility ``qo . C`` on the raw ``C`` (legacy
    ``qo . ln(softmax(C) + 1e-16)``), so ``C`` is passed already log-normalized as legacy uses it;
    the policies and ``E`` are the model's own.
    """
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    log_preferences = []
    for C_m in model.C:
        shifted = np.exp(C_m - C_m.max())
        log_preferences.append(jnp.asarray(np.log(shifted / shifted.sum() + LOG_EPS), dtype=dtype))
    return Agent(
        A=[jnp.asarray(A_m, dtype=dtype) for A_m in model.A],
        B=[jnp.asarray(B_f, dtype=dtype) for B_f in model.B],
        C=log_preferences,
        D=[jnp.asarray(D_f, dtype=dtype) for D_f in model.D],
        E=jnp.asarray(model.E, dtype=dtype),
        policies=jnp.asarray(model.policies),
        policy_len=model.policy_len,
        gamma=model.gamma,
        alpha=model.alpha,
        num_iter=model.num_iter,
        use_utility=model.use_utility,
        use_states_info_gain=model.use_states_info_gain,
        use_param_info_gain=False,
        action_selection=model.action_selection,
        sampling_mode="marginal",
        inference_algo="fpi",
        batch_size=n,
    )


def _infer(agent: Agent, observations, qs_prev, actions_prev, first):
    predicted = agent.update_empirical_prior(actions_prev, [q[:, None, :] for q in qs_prev])
    prior = [jnp.where(first[:, None], D_f, p) for D_f, p in zip(agent.D, predicted, strict=True)]
    qs = agent.infer_states([observations[:, m] for m in range(observations.shape[1])], prior)
    q_pi, _ = agent.infer_policies(qs)
    return [q[:, -1] for q in qs], q_pi


_infer_jit = jax.jit(_infer)


def counted_bytes_per_agent(lowered: Callable[[int], Any]) -> float:
    """Bytes one more agent adds to a jitted computation, by XLA's count: its arguments, temporaries and
    outputs compiled (``lowered(n)``) for 2 and for 4 agents, the difference halved; 0 where the backend
    does not count."""
    totals = []
    for n in (2, 4):
        counted = lowered(n).compile().memory_analysis()
        if counted is None:
            return 0.0
        totals.append(
            counted.argument_size_in_bytes + counted.temp_size_in_bytes + counted.output_size_in_bytes
        )
    return (totals[1] - totals[0]) / 2


def xla_bytes_per_agent(model: Model) -> float:
    """What one more agent adds to a compiled step, by XLA's own count: arguments, temporaries and
    outputs of the step compiled for 2 and for 4 agents, the difference halved.

    pymdp's batched agent holds every array per agent, and its step more besides: on the 20x20 grid
    about 5.1 MB of temporaries per agent beside 3.8 MB of float32 arrays.
    """
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    key = (model, dtype)
    if key not in _XLA_BYTES:

        def lowered(n: int):
            engine = JaxEngine(model, n)
            observations = jnp.zeros((n, len(model.n_obs)), dtype=jnp.int32)
            return _infer_jit.lower(engine.agent, observations, engine.qs, engine.actions, engine.first)

        if len(_XLA_BYTES) >= _XLA_MODELS:
            _XLA_BYTES.pop(next(iter(_XLA_BYTES)))
        _XLA_BYTES[key] = counted_bytes_per_agent(lowered)
    return _XLA_BYTES[key]


class JaxEngine:
    """Beliefs of ``n`` agents of any model as device arrays, stepped by pymdp's batched agent."""

    def __init__(self, model: Model, n: int) -> None:
        self.model = model
        self.agent = legacy_equivalent_agent(model, n)
        self.selection = ActionSelection.from_model(model)
        self.dtype = self.agent.A[0].dtype
        self.reset()

    @staticmethod
    def bytes_per_agent(model: Model) -> int:
        """Bytes one more agent costs a step, by XLA's count (:func:`xla_bytes_per_agent`: the agent's
        copies of the model and the step's temporaries), never below the held arrays as float64."""
        arrays = sum(a.size for a in model.A) + sum(b.size for b in model.B) + sum(c.size for c in model.C)
        arrays += 3 * sum(d.size for d in model.D) + 2 * len(model.policies)
        return max(8 * arrays + 16 * len(model.n_states) + 1, math.ceil(xla_bytes_per_agent(model)))

    def reset(self) -> None:
        """Uniform beliefs and policy posteriors; the next prior is ``D`` for every agent."""
        n = self.agent.batch_size
        self.qs = [jnp.full((n, size), 1.0 / size, dtype=self.dtype) for size in self.model.n_states]
        self.q_pi = jnp.full((n, len(self.model.policies)), 1.0 / len(self.model.policies), dtype=self.dtype)
        self.actions = jnp.zeros((n, len(self.model.n_states)), dtype=jnp.int32)
        self.first = jnp.ones(n, dtype=bool)

    def beliefs(self) -> tuple[np.ndarray, ...]:
        """Every factor's posterior as float64 numpy, one ``(n, states_f)`` array per factor."""
        return tuple(np.asarray(q, dtype=np.float64) for q in self.qs)

    def policy_posterior(self) -> np.ndarray:
        """Every agent's posterior over policies as float64 numpy, ``(n, policies)``."""
        return np.asarray(self.q_pi, dtype=np.float64)

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """One jitted inference step for all agents, then host-side action selection; committed at the end."""
        obs = jnp.asarray(observations, dtype=jnp.int32)
        qs, q_pi = _infer_jit(self.agent, obs, self.qs, self.actions, self.first)
        actions = self.selection.select(np.asarray(q_pi, dtype=np.float64), rng)
        self.qs, self.q_pi = qs, q_pi
        self.actions = jnp.asarray(actions, dtype=jnp.int32)
        self.first = jnp.zeros_like(self.first)
        return actions

    def nbytes(self) -> int:
        """Bytes of every device array held: the agent's (per-agent copies of the model) and the beliefs."""
        leaves = jax.tree_util.tree_leaves((self.agent, self.qs, self.q_pi, self.actions, self.first))
        return sum(int(leaf.nbytes) for leaf in leaves if hasattr(leaf, "nbytes"))
