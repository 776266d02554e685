"""A grid world's population on pymdp's own batched JAX agent (``pymdp.agent.Agent(batch_size=n)``).

Importing this module imports jax and pymdp. The grid's model is an :class:`explorer.Model` of one
factor and one modality, so this is the model engine :class:`~explorer.population.jax_engine.JaxEngine`
(pymdp's agent configured as legacy, one jitted inference step, actions chosen on the host by legacy's
rule) seen through the grid's interface: one observation and one action per agent, one belief array.
"""

from __future__ import annotations

import numpy as np

from explorer.model import GenerativeModel
from explorer.population.jax_engine import JaxEngine


class JaxBackend:
    """Beliefs of ``n`` agents in a grid world as device arrays, stepped by pymdp's batched agent."""

    def __init__(self, model: GenerativeModel, n: int) -> None:
        self.engine = JaxEngine(model, n)
        self.agent, self.dtype = self.engine.agent, self.engine.dtype

    def reset(self) -> None:
        """Uniform beliefs, and the next prior is ``D`` for every agent."""
        self.engine.reset()

    def beliefs(self) -> np.ndarray:
        """Every agent's posterior over states as float64 numpy, ``(n, states)``."""
        return self.engine.beliefs()[0]

    def policy_posterior(self) -> np.ndarray:
        """Every agent's posterior over policies as float64 numpy, ``(n, actions)``."""
        return self.engine.policy_posterior()

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """One jitted inference step for all agents, then host-side action selection: ``(n,)`` actions."""
        return self.engine.step(observations[:, None], rng)[:, 0]

    def nbytes(self) -> int:
        """Bytes of every device array held: the agent's (per-agent copies of A, B, C, D, E) and beliefs."""
        return self.engine.nbytes()
