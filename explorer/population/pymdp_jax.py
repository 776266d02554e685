"""The population on pymdp's own batched JAX agent (``pymdp.agent.Agent(batch_size=n)``).

Importing this module imports jax and pymdp. The agent is configured to compute what pymdp's
legacy agent computes (see ``legacy_equivalent_agent``); inference and policy evaluation run in
one jitted function, compiled on the first step. Actions are chosen on the host with the legacy
rule (argmax, exact ties broken at random), which pymdp's batched ``sample_action`` does not have.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from pymdp.agent import Agent

from explorer.model import GenerativeModel
from explorer.population.dense import LOG_EPS, POLICY_PRECISION, select_actions


def legacy_equivalent_agent(model: GenerativeModel, n: int) -> Agent:
    """pymdp's batched agent for ``n`` agents, with every default that differs from legacy overridden.

    The batched agent's defaults are ``gamma=1`` (legacy 16), ``sampling_mode="full"`` (legacy
    "marginal") and utility ``qo . C`` on the raw ``C`` (legacy ``qo . ln(softmax(C) + 1e-16)``), so
    ``C`` is passed already log-normalized as legacy uses it.
    """
    dtype = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
    (A,), (B,), (C,), (D,) = model.A, model.B, model.C, model.D  # one factor, one modality
    shifted = np.exp(C - C.max())
    log_preference = np.log(shifted / shifted.sum() + LOG_EPS)
    return Agent(
        A=[jnp.asarray(A, dtype=dtype)],
        B=[jnp.asarray(B, dtype=dtype)],
        C=[jnp.asarray(log_preference, dtype=dtype)],
        D=[jnp.asarray(D, dtype=dtype)],
        policy_len=1,
        gamma=POLICY_PRECISION,
        alpha=POLICY_PRECISION,
        use_utility=True,
        use_states_info_gain=True,
        use_param_info_gain=False,
        action_selection="deterministic",
        sampling_mode="marginal",
        inference_algo="fpi",
        batch_size=n,
    )


def _infer(agent: Agent, observations, qs_prev, actions_prev, first):
    predicted = agent.update_empirical_prior(actions_prev[:, None], [qs_prev[:, None, :]])[0]
    prior = jnp.where(first[:, None], agent.D[0], predicted)
    qs = agent.infer_states([observations], [prior])
    q_pi, _ = agent.infer_policies(qs)
    return qs[0][:, -1], q_pi


_infer_jit = jax.jit(_infer)


class JaxBackend:
    """Beliefs of ``n`` agents as device arrays, stepped by pymdp's batched agent."""

    def __init__(self, model: GenerativeModel, n: int) -> None:
        self.agent = legacy_equivalent_agent(model, n)
        self.n_states, self.n_actions = model.n_states[0], model.n_actions
        self.dtype = self.agent.A[0].dtype
        self.reset()

    def reset(self) -> None:
        """Uniform beliefs, and the next prior is ``D`` for every agent."""
        n = self.agent.batch_size
        self.qs = jnp.full((n, self.n_states), 1.0 / self.n_states, dtype=self.dtype)
        self.q_pi = jnp.full((n, self.n_actions), 1.0 / self.n_actions, dtype=self.dtype)
        self.actions = jnp.zeros(n, dtype=jnp.int32)
        self.first = jnp.ones(n, dtype=bool)

    def beliefs(self) -> np.ndarray:
        """Every agent's posterior over states as float64 numpy, ``(n, states)``."""
        return np.asarray(self.qs, dtype=np.float64)

    def policy_posterior(self) -> np.ndarray:
        """Every agent's posterior over policies as float64 numpy, ``(n, actions)``."""
        return np.asarray(self.q_pi, dtype=np.float64)

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """One jitted inference step for all agents, then host-side action selection."""
        obs = jnp.asarray(observations, dtype=jnp.int32)
        qs, q_pi = _infer_jit(self.agent, obs, self.qs, self.actions, self.first)
        actions = select_actions(np.asarray(q_pi, dtype=np.float64), rng)
        self.qs, self.q_pi = qs, q_pi
        self.actions = jnp.asarray(actions, dtype=jnp.int32)
        self.first = jnp.zeros_like(self.first)
        return actions

    def nbytes(self) -> int:
        """Bytes of every device array held: the agent's (per-agent copies of A, B, C, D, E) and beliefs."""
        leaves = jax.tree_util.tree_leaves((self.agent, self.qs, self.q_pi, self.actions, self.first))
        return sum(int(leaf.nbytes) for leaf in leaves if hasattr(leaf, "nbytes"))
