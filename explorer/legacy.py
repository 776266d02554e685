"""The bridge to pymdp's numpy agent (``pymdp.legacy``): importing this module imports pymdp.

Both explorer agents run their inference through these functions, so eager and lazy compute
exactly what pymdp computes.
"""

from __future__ import annotations

import numpy as np
from pymdp.legacy.agent import Agent

from explorer.pomdp.model import Model


def build_legacy_agent(model: Model) -> Agent:
    """A pymdp legacy ``Agent`` with ``model``'s settings over its shared read-only arrays (no copy)."""
    kwargs = model.legacy_agent_kwargs(shared=True)
    inference_params = kwargs.pop("inference_params")
    agent = Agent(**kwargs)
    if agent.inference_params != inference_params:
        # pymdp 1.0.4's legacy Agent keeps its defaults whatever inference_params it is given
        agent.inference_params = inference_params
    return agent


def legacy_step(agent: Agent, observation: int) -> int:
    """One perception-action cycle: infer states, infer policies, select the action index."""
    agent.infer_states([observation])
    agent.infer_policies()
    return int(agent.sample_action()[0])


def legacy_model_step(agent: Agent, observation: tuple[int, ...]) -> tuple[int, ...]:
    """One perception-action cycle for any model: one observation per modality, one action per factor."""
    agent.infer_states(observation)
    agent.infer_policies()
    return tuple(int(action) for action in agent.sample_action())


def legacy_reset(agent: Agent) -> None:
    """Return ``agent`` to its state before its first observation."""
    agent.reset()
    # pymdp's reset keeps the last action, so the next prior would be B[:, :, a] @ uniform
    # instead of D; a freshly built agent has no action, nor a policy posterior.
    agent.action = None
    agent.prev_actions = None
    agent.q_pi = None


def legacy_beliefs(agent: Agent) -> np.ndarray:
    """A copy of the agent's posterior over states, shape ``(states,)``."""
    return np.array(agent.qs[0], dtype=float)


def legacy_model_beliefs(agent: Agent) -> tuple[np.ndarray, ...]:
    """Copies of the agent's posterior over each factor's states."""
    return tuple(np.array(qs, dtype=float) for qs in agent.qs)


def legacy_policy_posterior(agent: Agent) -> np.ndarray:
    """A copy of the posterior over policies; the prior ``E`` before the first step."""
    q_pi = getattr(agent, "q_pi", None)
    return np.array(agent.E if q_pi is None else q_pi, dtype=float)
