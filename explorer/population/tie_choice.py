"""The choice among near-ties in compiled code, with numpy's own draws (importing this imports numba).

Each thread of the lanes engine chooses for its own tied agents (:mod:`explorer.population.lane_ties`
says how the threads share numpy's stream): the keys numpy's ``rng.random((tied, actions))`` would
draw, drawn on four PCG64 chains side by side (:mod:`explorer.population.pcg64`), and the tied action
with the largest key taken, as pymdp's rule and the dense engine take it. Compiled without numba's
runtime, as the lanes kernel is (:mod:`explorer.population.native` keeps its object code).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from explorer.population.pcg64 import advanced, next_state, output

#: A tied action's key: the top 53 bits of its draw (those numpy's ``random()`` keeps, so the same order
#: and the same equalities), then ``KEY_BITS - u`` in the 11 low bits (of equal draws the first action's
#: key is larger): the largest key names its action. An action not tied keys 0.
KEY_BITS = np.uint64(0x7FF)
DRAW_BITS = np.uint64(2**64 - 1 - 0x7FF)


@njit(_nrt=False, error_model="numpy", inline="always")
def tie_key(draw, mask, u):  # pragma: no cover - compiled
    """Action ``u``'s key from its 64-bit ``draw`` (see :data:`KEY_BITS`): 0 unless bit ``u`` of ``mask``."""
    key = (draw & DRAW_BITS) | (KEY_BITS - np.uint64(u))
    return key if (mask >> u) & 1 else np.uint64(0)


@njit(_nrt=False, error_model="numpy", inline="always")
def next_tied(tie_masks, agent, end):  # pragma: no cover - compiled
    """The first agent from ``agent`` on (before ``end``) whose mask is not 0, else ``end``."""
    while agent < end and tie_masks[np.uint64(agent)] == 0:
        agent += 1
    return agent


@njit(_nrt=False, error_model="numpy", inline="always")
def choose_in_turn(
    tie_masks, actions, agent, end, n_actions, high, low, increment_high, increment_low
):  # pragma: no cover - compiled
    """Agents ``agent`` to ``end`` (excluded) chosen for one after the other from the state ``(high,
    low)``: the state after their draws."""
    for j in range(agent, end):
        mask = tie_masks[np.uint64(j)]
        if mask != 0:
            top = np.uint64(0)
            for u in range(n_actions):
                high, low = next_state(high, low, increment_high, increment_low)
                top = max(top, tie_key(output(high, low), mask, u))
            actions[np.uint64(j)] = KEY_BITS - (top & KEY_BITS)
    return high, low


@njit(_nrt=False, error_model="numpy")
def choose_tied(control, tie_masks, pcg, actions, states, slots):  # pragma: no cover - tested against dense
    """Agents ``control[0]`` to ``control[1]`` (excluded) whose ``tie_masks`` is not 0, in order: each draws
    ``control[2]`` keys from PCG64 (``pcg``: state high and low words, increment high and low, uint64,
    jumped ``control[3]`` draws on first; the state is left after the last draw) and takes the tied action
    (a bit of its mask) with the largest key, the first of equal ones:
    ``np.where(tied, rng.random((tied, actions)), -1).argmax(axis=1)``.

    Each PCG64 step waits on the one before (a 128-bit product): four chains run side by side instead,
    one per quarter of the agents, each starting from the state jumped past the quarters before it. A
    batch of agents (``slots``: their index and mask, ``TIE_SLOTS`` of them) takes its states from the
    chains (``states``: high words, low words, one row per action, and a row of best keys), then every
    agent's keys and choice in vector instructions, branch-free (the keys are random: branches on them
    would be mispredicted half the time). The rest of a quarter when another ends is chosen for in turn.
    """
    first, end, n_actions = control[0], control[1], control[2]
    increment_high, increment_low = pcg[2], pcg[3]
    quarter = (end - first) // 4
    start1, start2, start3 = first + quarter, first + 2 * quarter, first + 3 * quarter
    tied0 = tied1 = tied2 = 0
    for j in range(first, start1):
        tied0 += tie_masks[np.uint64(j)] != 0
    for j in range(start1, start2):
        tied1 += tie_masks[np.uint64(j)] != 0
    for j in range(start2, start3):
        tied2 += tie_masks[np.uint64(j)] != 0
    base_high, base_low, skipped = pcg[0], pcg[1], control[3]
    high0, low0 = advanced(base_high, base_low, increment_high, increment_low, skipped)
    skipped += n_actions * tied0
    high1, low1 = advanced(base_high, base_low, increment_high, increment_low, skipped)
    skipped += n_actions * tied1
    high2, low2 = advanced(base_high, base_low, increment_high, increment_low, skipped)
    skipped += n_actions * tied2
    high3, low3 = advanced(base_high, base_low, increment_high, increment_low, skipped)
    agent0, agent1, agent2, agent3 = first, start1, start2, start3
    agents, masks = slots[0], slots[1]
    highs, lows, tops = states[:n_actions], states[n_actions : 2 * n_actions], states[2 * n_actions]
    width = agents.size // 4
    more = True
    while more:
        rounds = 0  # of one agent from each quarter
        while rounds < width:
            agent0 = next_tied(tie_masks, agent0, start1)
            agent1 = next_tied(tie_masks, agent1, start2)
            agent2 = next_tied(tie_masks, agent2, start3)
            agent3 = next_tied(tie_masks, agent3, end)
            if agent0 == start1 or agent1 == start2 or agent2 == start3 or agent3 == end:
                more = False
                break
            k = np.uint64(4 * rounds)
            agents[k], agents[k + 1], agents[k + 2], agents[k + 3] = agent0, agent1, agent2, agent3
            masks[k], masks[k + 1] = tie_masks[np.uint64(agent0)], tie_masks[np.uint64(agent1)]
            masks[k + 2], masks[k + 3] = tie_masks[np.uint64(agent2)], tie_masks[np.uint64(agent3)]
            agent0, agent1, agent2, agent3 = agent0 + 1, agent1 + 1, agent2 + 1, agent3 + 1
            rounds += 1
        for r in range(rounds):
            k = np.uint64(4 * r)
            for u in range(n_actions):
                high0, low0 = next_state(high0, low0, increment_high, increment_low)
                high1, low1 = next_state(high1, low1, increment_high, increment_low)
                high2, low2 = next_state(high2, low2, increment_high, increment_low)
                high3, low3 = next_state(high3, low3, increment_high, increment_low)
                high, low = highs[np.uint64(u)], lows[np.uint64(u)]
                high[k], high[k + 1], high[k + 2], high[k + 3] = high0, high1, high2, high3
                low[k], low[k + 1], low[k + 2], low[k + 3] = low0, low1, low2, low3
        filled = 4 * rounds
        for s in range(filled):
            tops[s] = np.uint64(0)
        for u in range(n_actions):
            high, low = highs[np.uint64(u)], lows[np.uint64(u)]
            for s in range(filled):
                tops[s] = max(tops[s], tie_key(output(high[s], low[s]), masks[s], u))
        for s in range(filled):
            actions[agents[s]] = KEY_BITS - (tops[s] & KEY_BITS)
    choose_in_turn(tie_masks, actions, agent0, start1, n_actions, high0, low0, increment_high, increment_low)
    choose_in_turn(tie_masks, actions, agent1, start2, n_actions, high1, low1, increment_high, increment_low)
    choose_in_turn(tie_masks, actions, agent2, start3, n_actions, high2, low2, increment_high, increment_low)
    pcg[0], pcg[1] = choose_in_turn(
        tie_masks, actions, agent3, end, n_actions, high3, low3, increment_high, increment_low
    )
