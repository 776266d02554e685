"""pymdp's T-maze: a centre, a cue arm and two reward arms; which arm pays (the context) is hidden."""

from __future__ import annotations

import math

import numpy as np

from explorer.checks import check_int, check_real
from explorer.tasks.task import Process, Task, frozen, onehot

#: Locations, as pymdp's ``TMazeEnv``: the centre, the left and right arms, the cue arm.
CENTRE, LEFT, RIGHT, CUE = range(4)
LOCATIONS = 4
CONTEXTS = 2
#: Reward modality outcomes, as ``TMazeEnv``: nothing, reward, loss.
NOTHING, REWARD, LOSS = range(3)


def tmaze(
    reward_probs: tuple[float, float] = (0.98, 0.02),
    policy_len: int = 2,
    reward: float = 3.0,
    loss: float = -3.0,
    action_selection: str = "deterministic",
    alpha: float = 16.0,
) -> Task:
    """pymdp's T-maze (``pymdp.legacy.envs.TMazeEnv``'s likelihood and transitions, written out).

    Two factors: the location (4, controlled: an action is the location to move to) and the context (2,
    uncontrolled: which arm pays). Three modalities: location (exact), reward (nothing / reward / loss;
    in the paying arm reward with ``reward_probs[0]``, in the other with ``reward_probs[1]``) and cue (in
    the cue arm, the context; elsewhere a coin flip). The agent starts in the centre, the context is drawn
    uniformly per agent; its preference ``C`` over the reward modality is ``(0, reward, loss)``, as in
    pymdp's T-maze demo. ``action_selection`` and ``alpha`` are pymdp's (``"stochastic"``: actions drawn
    from ``softmax(alpha ln marginal)``).

    What the agents do (``explorer.behaviour.run_behaviour``, numpy engine, 1,000 agents, 4 steps, seeds
    0-2): with the defaults every agent goes to the cue first and then to the paying arm (cue first 100%,
    success 100%, 2 moves); the same with ``policy_len=1`` and with stochastic actions at ``alpha=16``.
    With stochastic actions at ``alpha=2``, 91-92% visit the cue first and 95-96% succeed.
    """
    probs = _check_reward_probs(reward_probs)
    policy_len = check_int("policy_len", policy_len, low=1)
    reward = check_real("reward", reward)
    loss = check_real("loss", loss)
    A, B = tmaze_arrays(probs)
    C = (np.zeros(LOCATIONS), np.array([0.0, reward, loss]), np.zeros(CONTEXTS))
    D = (onehot(CENTRE, LOCATIONS), np.full(CONTEXTS, 1.0 / CONTEXTS))
    from explorer.pomdp.model import Model

    model = Model(
        A, B, C, D, policy_len=policy_len, control_fac_idx=[0], action_selection=action_selection, alpha=alpha
    )
    locations = np.arange(LOCATIONS)[:, None]
    paying = locations == np.arange(CONTEXTS)[None, :] + 1
    events = {
        "goal": frozen(paying),
        "failure": frozen(((locations == LEFT) | (locations == RIGHT)) & ~paying),
        "cue": frozen(np.broadcast_to(locations == CUE, (LOCATIONS, CONTEXTS))),
    }
    description = (
        "A T-maze: the agent starts in the centre; one of two arms pays (reward with probability "
        f"{probs[0]:g}), which one it does not know, and a cue arm shows which. It should visit the cue "
        "first, then go to the arm the cue points to (a wrong arm first is a failure)."
    )
    settings = {"reward_probs": probs, "policy_len": policy_len, "reward": reward, "loss": loss}
    settings.update(action_selection=action_selection, alpha=alpha)
    return Task("tmaze", description, model, Process(model.A, model.B, model.D), events, settings)


def tmaze_arrays(reward_probs: tuple[float, float]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """``A`` (location, reward, cue) and ``B`` (location, context), as ``TMazeEnv`` constructs them."""
    location = np.zeros((LOCATIONS, LOCATIONS, CONTEXTS))
    rewards = np.zeros((3, LOCATIONS, CONTEXTS))
    cue = np.zeros((CONTEXTS, LOCATIONS, CONTEXTS))
    for loc in range(LOCATIONS):
        location[loc, loc, :] = 1.0
        for context in range(CONTEXTS):
            if loc in (CENTRE, CUE):
                rewards[NOTHING, loc, context] = 1.0
            else:
                paid = loc == context + 1
                rewards[REWARD if paid else LOSS, loc, context] = reward_probs[0]
                rewards[LOSS if paid else REWARD, loc, context] = reward_probs[1]
            if loc == CUE:
                cue[context, loc, context] = 1.0
            else:
                cue[:, loc, context] = 1.0 / CONTEXTS
    # any location is reachable from any other in one move: B[next, previous, action] = [next == action]
    moves = np.broadcast_to(np.eye(LOCATIONS)[:, None, :], (LOCATIONS, LOCATIONS, LOCATIONS)).copy()
    contexts = np.eye(CONTEXTS)[:, :, None]
    return (location, rewards, cue), (moves, contexts)


def _check_reward_probs(value: object) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or hasattr(value, "mask"):
        raise TypeError(
            f"reward_probs must be a pair of probabilities, got {value!r} ({type(value).__name__})"
        )
    if len(value) != 2:
        raise ValueError(f"reward_probs must hold two probabilities (paying arm, other arm), got {value!r}")
    probs = tuple(check_real(f"reward_probs[{i}]", p, low=0.0, high=1.0) for i, p in enumerate(value))
    if not math.isclose(sum(probs), 1.0, rel_tol=0.0, abs_tol=1e-9):
        raise ValueError(f"reward_probs must sum to 1 (as TMazeEnv requires), got {value!r}")
    return probs
