"""What agents do beside what they cost: a task's population run for an episode, as tidy DataFrames.

Here rather than in :mod:`explorer.measure`: those instruments time and weigh, with the results columns
of ``explorer.measure.results.stats`` (a median over repeats per metric); behaviour is per agent and step, a
frame of its own, and needs none of the measuring harness. The expected free energy of the policy each
agent follows is split with the numpy engine's own :func:`~explorer.population.numpy_engine.policy_values`
(the equations the engines run), into its pragmatic term (expected utility) and its epistemic one
(information gain about hidden states); as pymdp, higher ``G`` is better (it is minus the free energy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.checks import check_instance, check_int

#: One row per agent and step (``steps`` frame).
STEP_COLUMNS = (
    "agent",  # index of the agent in the population
    "t",  # step: the agent observed, inferred, and took ``action`` (0 is the first observation)
    "action",  # the actions taken, one per factor (a tuple; uncontrolled factors 0)
    "policy",  # index into model.policies of the policy followed: the likeliest starting with ``action``
    "q_policy",  # its posterior probability
    "G",  # its expected free energy as pymdp's G (minus the free energy: higher is better), nats
    "pragmatic",  # its expected utility: sum over its steps of qo . ln softmax(C), nats
    "epistemic",  # its expected information gain about hidden states (spm_MDP_G), nats
    "at_goal",  # whether the agent was at the goal when it observed (its true state)
)
#: One row per agent, step and factor (``entropy`` frame).
ENTROPY_COLUMNS = (
    "agent",
    "t",
    "factor",  # index of the hidden-state factor
    "entropy",  # of the agent's posterior over that factor after observing at step t, nats
)
#: One row per agent (``agents`` frame); a column ``first_<event>`` per event of the task follows.
AGENT_COLUMNS = (
    "agent",
    "succeeded",  # reached the goal within the episode, before any failure (a wrong arm)
    "steps_to_goal",  # actions taken before the goal was first reached; NaN if it never was
)
#: One row per population (``summary`` frame); a column ``<event>_first`` per event other than
#: goal and failure follows: the fraction of agents that reached it before the goal or a failure.
SUMMARY_COLUMNS = (
    "task",  # the task's name
    "n",  # agents in the population
    "steps",  # steps of the episode
    "seed",  # the seed of the environment and of the population's ties
    "backend",  # the population's engine
    "success_rate",  # fraction of agents that succeeded
    "steps_to_goal_median",  # over the agents that reached the goal (NaN if none did)
    "steps_to_goal_mean",
    "entropy_first",  # mean over agents of their total belief entropy (all factors) after the first step
    "entropy_last",  # the same after the last step
)


@dataclass(frozen=True)
class Behaviour:
    """What a population did in one episode of a task: the four frames described by their columns."""

    steps: pd.DataFrame
    entropy: pd.DataFrame
    agents: pd.DataFrame
    summary: pd.DataFrame


def run_behaviour(
    task: object,
    n: int = 100,
    steps: int = 20,
    *,
    seed: int = 0,
    backend: str = "numpy",
    legacy_rng: bool = False,
) -> Behaviour:
    """Run ``n`` agents of ``task`` (an ``explorer.tasks.Task``) for ``steps`` steps and say what they did.

    The environment and the population's ties are both seeded with ``seed``, so one seed gives one
    episode (with ``legacy_rng=True`` ties are drawn from numpy's global RNG as legacy agents draw them).
    The agents do not stop at the goal: ``steps_to_goal`` is when they first reached it.
    """
    from explorer.population import Population
    from explorer.tasks import Task

    check_instance("task", task, Task, "an explorer.tasks Task (explorer.tasks.grid(), tmaze(), ...)")
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    seed = check_int("seed", seed, low=0)
    model = task.model
    population = Population(model, n, backend=backend, seed=seed, legacy_rng=legacy_rng)
    env = task.environment(n, seed=seed)
    observations = env.reset()
    step_frames, entropy_frames = [], []
    agents = np.arange(n)
    for t in range(steps):
        at_goal = env.at_goal
        actions = population.step(observations)
        qs = list(population.beliefs)
        utility, gain = policy_terms(model, qs)
        q_pi = population.policy_posterior
        policy = followed_policy(model.policies, q_pi, actions)
        chosen = (agents, policy)
        step_frames.append(
            pd.DataFrame(
                {
                    "agent": agents,
                    "t": t,
                    "action": list(map(tuple, actions.tolist())),
                    "policy": policy,
                    "q_policy": q_pi[chosen],
                    "G": utility[chosen] + gain[chosen],
                    "pragmatic": utility[chosen],
                    "epistemic": gain[chosen],
                    "at_goal": at_goal,
                }
            )
        )
        for f, q in enumerate(qs):
            entropy_frames.append(pd.DataFrame({"agent": agents, "t": t, "factor": f, "entropy": entropy(q)}))
        observations = env.step(actions)
    steps_frame = pd.concat(step_frames, ignore_index=True)[list(STEP_COLUMNS)]
    entropy_frame = pd.concat(entropy_frames, ignore_index=True)[list(ENTROPY_COLUMNS)]
    agents_frame = _agents(env)
    total = entropy_frame.groupby(["t", "agent"])["entropy"].sum().groupby("t").mean()
    reached = agents_frame["steps_to_goal"].dropna()
    summary = {
        "task": task.name,
        "n": n,
        "steps": steps,
        "seed": seed,
        "backend": population.backend,
        "success_rate": float(agents_frame["succeeded"].mean()),
        "steps_to_goal_median": float(reached.median()) if len(reached) else float("nan"),
        "steps_to_goal_mean": float(reached.mean()) if len(reached) else float("nan"),
        "entropy_first": float(total.iloc[0]),
        "entropy_last": float(total.iloc[-1]),
    }
    summary |= _firsts(env.first_visits)
    return Behaviour(steps_frame, entropy_frame, agents_frame, pd.DataFrame([summary]))


def policy_terms(model: object, qs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Every policy's expected utility and state information gain, ``(n, P)`` each, for posteriors ``qs``
    (one ``(n, n_states[f])`` array per factor): the numpy engine's own computation."""
    from explorer.population.model_arrays import model_arrays
    from explorer.population.numpy_engine import policy_values

    _, utility, gain = policy_values(
        model, model_arrays(model), [np.asarray(q, dtype=np.float64) for q in qs]
    )
    return utility, gain


def followed_policy(policies: np.ndarray, q_pi: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Per agent, the most probable policy whose first actions are ``actions`` (the one it follows; of tied
    policies, the first in ``policies``)."""
    starts = (policies[None, :, 0, :] == actions[:, None, :]).all(axis=2)  # (n, P)
    return np.where(starts, q_pi, -1.0).argmax(axis=1)


def entropy(q: np.ndarray) -> np.ndarray:
    """Shannon entropy of each row of ``q`` in nats (``0 ln 0 = 0``)."""
    logs = np.log(q, out=np.zeros_like(q), where=q > 0.0)
    return -(q * logs).sum(axis=1)


def _agents(env: object) -> pd.DataFrame:
    first = env.first_visits
    goal = first["goal"].astype(float)
    goal[goal < 0] = np.nan
    frame = pd.DataFrame({"agent": np.arange(env.n), "succeeded": env.succeeded, "steps_to_goal": goal})
    for name, steps in first.items():
        frame[f"first_{name}"] = steps
    return frame


def _firsts(first: dict[str, np.ndarray]) -> dict[str, float]:
    """Per event other than goal and failure, the fraction of agents reaching it before either."""
    never = np.iinfo(np.int64).max
    ending = np.full(len(first["goal"]), never)
    for name in ("goal", "failure"):
        if name in first:
            ending = np.minimum(ending, np.where(first[name] < 0, never, first[name]))
    return {
        f"{name}_first": float(((steps >= 0) & (steps < ending)).mean())
        for name, steps in first.items()
        if name not in ("goal", "failure")
    }
