"""A grid whose goal is hidden among candidates; a signpost off the way shows it, at the cost of a detour."""

from __future__ import annotations

import numpy as np

from explorer.checks import check_int, check_real
from explorer.tasks.task import Process, Task, cells_of, frozen, onehot

#: Reward modality outcomes, as the T-maze's: nothing, reward (the goal), loss (another candidate).
NOTHING, REWARD, LOSS = range(3)


def signposts(
    side: int = 3,
    goals: tuple[int, ...] = (0, 2),
    signpost: int = 7,
    start: int = 4,
    walls: tuple[int, ...] = (),
    reward: float = 3.0,
    loss: float = -3.0,
    policy_len: int = 3,
) -> Task:
    """A ``side`` x ``side`` grid; the goal is one of ``goals`` (drawn uniformly per agent, unknown to it).

    Two factors: the agent's cell (controlled: up, down, left, right, stay) and which candidate is the goal
    (uncontrolled). Three modalities: the cell (exact); reward (nothing, reward at the goal, loss at another
    candidate); the signpost (at cell ``signpost``: which candidate is the goal, 1 + its index; elsewhere 0).
    ``C`` over reward is ``(0, reward, loss)``. Going to a candidate blind is worth the average of ``reward``
    and ``loss``; the signpost is worth nothing pragmatically and is a detour, but resolves the goal. With the
    defaults the agent starts in the centre, one move from the signpost and two from either candidate.

    What the agents do (``explorer.behaviour.run_behaviour``, numpy engine, 100 agents, 6 steps, seeds 0
    and 1): with the defaults (``loss=-3``, so a blind guess is worth exactly nothing) every agent reads the
    signpost first and reaches the goal in 4 moves (success 100%). With ``loss=-2`` or ``-1`` no agent reads
    it: the expected utility of standing on a candidate outweighs the signpost's extra information (pymdp's
    ``G`` counts the information gain of each step of a policy from today's beliefs, so guessing also earns
    ``ln 2`` at the candidate), and about half succeed (45% and 53%, the coin flip). With ``policy_len=2``
    they read the signpost, but the goal is then 3 moves away, beyond their horizon: nothing pulls them
    there and they wander on tied policies (65% reached it within 8 steps, seed 0).
    """
    from explorer.world import ACTIONS, GridWorld

    side = check_int("side", side, low=2)
    n = side * side
    goals = cells_of("goals", goals, n)
    if len(goals) < 2 or len(set(goals)) != len(goals):
        raise ValueError(f"goals must be at least two distinct cells, got {goals!r}")
    signpost = check_int("signpost", signpost, low=0, high=n)
    if signpost in goals:
        raise ValueError(f"signpost must not be a candidate goal, got signpost={signpost} with goals {goals}")
    walls = cells_of("walls", walls, n)
    for name, cells in (("goals", goals), ("signpost", (signpost,))):
        on_wall = sorted(set(cells) & set(walls))
        if on_wall:
            raise ValueError(f"{name} must not be on a wall, got {on_wall} with walls {sorted(walls)}")
    reward = check_real("reward", reward)
    loss = check_real("loss", loss)
    policy_len = check_int("policy_len", policy_len, low=1)
    worlds = [GridWorld(side, walls, start, goal) for goal in goals]  # checks start and reachability by name
    world, k = worlds[0], len(goals)
    if (
        world.distance_to_goal(signpost) is None
    ):  # moves are symmetric: cut off from a goal is cut off from all
        raise ValueError(
            f"signpost={signpost} cannot be reached from start={start}: walls {sorted(walls)} cut it off"
        )
    from explorer.limits import check_memory

    check_memory(
        2 * 8 * n * n * (k + len(ACTIONS)),
        f"signposts(side={side}) ({n:,} cells: the cell likelihood is cells x cells x goals and the moves "
        f"cells x cells x {len(ACTIONS)} float64, built then copied into the Model)",
    )

    location = np.eye(n)[:, :, None] * np.ones(k)  # (cells, cells, goals)
    rewards = np.zeros((3, n, k))
    rewards[NOTHING] = 1.0
    sign = np.zeros((1 + k, n, k))
    sign[0] = 1.0
    for g, cell in enumerate(goals):
        rewards[:, cell, :] = 0.0
        rewards[LOSS, cell, :] = 1.0
        rewards[LOSS, cell, g] = 0.0
        rewards[REWARD, cell, g] = 1.0
        sign[:, signpost, g] = onehot(1 + g, 1 + k)
    moves = np.zeros((n, n, len(ACTIONS)))
    for s in range(n):
        for a in range(len(ACTIONS)):
            moves[world.move(s, a), s, a] = 1.0
    C = (np.zeros(n), np.array([0.0, reward, loss]), np.zeros(1 + k))
    D = (onehot(start, n), np.full(k, 1.0 / k))
    from explorer.pomdp.model import Model

    model = Model((location, rewards, sign), (moves, np.eye(k)[:, :, None]), C, D, policy_len=policy_len)
    cells = np.arange(n)[:, None]
    at_goal = cells == np.array(goals)[None, :]
    at_candidate = np.isin(cells, goals)
    events = {
        "goal": frozen(at_goal),
        "failure": frozen(at_candidate & ~at_goal),
        "signpost": frozen(np.broadcast_to(cells == signpost, (n, k))),
    }
    description = (
        f"A {side}x{side} grid: the goal is one of cells {list(goals)}, which one the agent does not know; "
        f"the signpost at cell {signpost} shows it. It should read the signpost, then go to the goal, "
        "rather than guess (a wrong candidate first is a failure)."
    )
    settings = {"side": side, "goals": goals, "signpost": signpost, "start": start, "walls": walls}
    settings.update(reward=reward, loss=loss, policy_len=policy_len)
    return Task("signposts", description, model, Process(model.A, model.B, model.D), events, settings)
