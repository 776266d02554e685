"""The grid task: today's world with a known start, or an uncertain start the agent localises from."""

from __future__ import annotations

import numpy as np

from explorer.checks import check_int, check_real
from explorer.tasks.task import Process, Task, cells_of, frozen, onehot

#: Directions the wall sensor reads, in the order of ``ACTIONS``' first four (up, down, left, right).
DIRECTIONS = 4
#: Readings of the wall sensor: one bit per direction (1: blocked by a wall or the edge).
WALL_READINGS = 2**DIRECTIONS


def grid(
    side: int = 5,
    walls: tuple[int, ...] = (),
    start: int | None = 0,
    goal: int | None = None,
    obs_noise: float = 0.0,
    uncertain_start: bool = False,
    policy_len: int = 1,
) -> Task:
    """A ``side`` x ``side`` grid; the agent should reach ``goal`` (default: the last cell).

    Known start (the default): today's world and model (:func:`explorer.build_model`), the agent observing
    its cell (blurred towards open neighbours with ``obs_noise`` in [0, 1)), preferring cells near the goal.
    ``uncertain_start=True``: the agent's prior ``D`` is uniform over open cells and it observes only what
    is around it, two modalities: which of its four sides are blocked (each bit flipped with probability
    ``obs_noise`` in [0, 1]) and its distance to the goal (in moves, exact; its preference ``C`` is minus that
    distance, as today's). Its belief spreads over the cells that look alike and collapses as moving tells
    them apart. ``start`` is the true start (``None``: drawn per agent uniformly over open cells, only with
    an uncertain start).

    What the agents do (``explorer.behaviour.run_behaviour``, numpy engine, 1,000 agents, 12 steps, seeds
    0-2, ``start=None, uncertain_start=True, obs_noise=0.1``): the mean belief entropy is 0.59 nats after
    the first observation (from ``ln 25 = 3.2`` in ``D``), about 0.3, 0.13 and 0.04 after the next three
    steps and below 0.001 by the seventh; every agent reaches the goal, after a median of 4 moves (a mean of
    4.08-4.24, where a cell drawn uniformly is 4.0 moves from the goal on average).
    """
    from explorer.world import GridWorld

    if uncertain_start.__class__ is not bool:
        raise TypeError(
            f"uncertain_start must be a bool, got {uncertain_start!r} ({type(uncertain_start).__name__})"
        )
    noise = check_real("obs_noise", obs_noise, low=0.0, high=1.0, high_open=not uncertain_start)
    policy_len = check_int("policy_len", policy_len, low=1)
    side = check_int("side", side, low=2)
    walls = cells_of("walls", walls, side * side)
    if start is None and not uncertain_start:
        raise ValueError("start=None (a random start) needs uncertain_start=True: a known start is one cell")
    settings = {"side": side, "walls": walls, "start": start, "goal": goal, "obs_noise": noise}
    settings.update(uncertain_start=uncertain_start, policy_len=policy_len)
    # GridWorld checks walls, start and goal by name; a random start is built from the goal (always reachable)
    world = GridWorld(
        side,
        walls,
        world_goal(side, goal) if start is None else start,
        goal,
        0.0 if uncertain_start else noise,
    )
    if uncertain_start:
        model, process = _uncertain(world, start, noise, policy_len)
    else:
        model, process = _known(world, policy_len)
    events = {"goal": frozen(np.arange(world.n_states) == world.goal)}
    what = (
        "does not know where it starts: it should localise itself (its belief over cells collapsing as it "
        "moves past walls and edges) and then"
        if uncertain_start
        else "knows where it starts and should"
    )
    description = (
        f"A {side}x{side} grid with {len(world.walls)} wall cells. The agent {what} walk the shortest way "
        f"to the goal (cell {world.goal}), which it prefers by minus its distance in moves."
    )
    return Task("grid", description, model, process, events, settings)


def world_goal(side: int, goal: int | None) -> int:
    """The goal cell ``GridWorld`` takes for ``goal`` (``None``: the last cell)."""
    return side * side - 1 if goal is None else goal


def _known(world, policy_len: int) -> tuple[object, Process]:
    """Today's model; with ``policy_len`` > 1, the same arrays with longer policies."""
    from explorer.model import build_model
    from explorer.pomdp.model import Model

    model = build_model(world)
    if policy_len > 1:
        model = Model(model.A, model.B, model.C, model.D, policy_len=policy_len)
    return model, Process(model.A, model.B, model.D)


def _uncertain(world, start: int | None, noise: float, policy_len: int) -> tuple[object, Process]:
    """The local-sensor model: uniform ``D`` over open cells, walls sensed, distance to the goal read."""
    from explorer.model import build_model
    from explorer.pomdp.model import Model

    n = world.n_states
    distances = [world.distance_to_goal(s) for s in range(n)]
    farthest = max(d for d in distances if d is not None)
    walls_seen = np.zeros((WALL_READINGS, n))
    distance_seen = np.zeros((farthest + 2, n))  # the last reading: a wall or a cell cut off from the goal
    readings = np.arange(WALL_READINGS)
    for s in range(n):
        if s in world.walls:
            walls_seen[WALL_READINGS - 1, s] = 1.0
        else:
            blocked = [world.move(s, k) == s for k in range(DIRECTIONS)]
            p = np.ones(WALL_READINGS)
            for k, bit in enumerate(blocked):
                same = ((readings >> k) & 1) == bit
                p *= np.where(same, 1.0 - noise, noise)
            walls_seen[:, s] = p
        distance_seen[farthest + 1 if distances[s] is None else distances[s], s] = 1.0
    open_cells = np.array([s not in world.walls for s in range(n)], dtype=float)
    D = open_cells / open_cells.sum()
    C = (np.zeros(WALL_READINGS), -np.arange(farthest + 2, dtype=float))
    B = build_model(world).B
    model = Model((walls_seen, distance_seen), B, C, (D,), policy_len=policy_len)
    true_start = D if start is None else onehot(start, n)
    return model, Process(model.A, model.B, (frozen(true_start),))
