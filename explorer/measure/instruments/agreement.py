"""Whether a Population computes what pymdp's legacy agents compute, agent for agent."""

from __future__ import annotations

import numpy as np

from explorer.checks import check_instance, check_int
from explorer.model import build_model
from explorer.world import GridWorld


def population_agreement(
    world: GridWorld, n: int = 8, steps: int = 6, *, backend: str = "auto", seed: int = 0
) -> dict[str, float | bool]:
    """Step a Population and ``n`` pymdp legacy ``Agent``s on the same random observations.

    Each agent gets its own observation per step (uniform over all states, so surprising ones
    occur). Exact ties are drawn from numpy's global RNG in both (``legacy_ties=True``), so the
    actions must be equal; returns whether they are and the largest belief and policy differences.
    """
    from explorer.legacy import build_legacy_agent
    from explorer.population import Population

    check_instance("world", world, GridWorld, "a GridWorld")
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    model = build_model(world)
    observations = np.random.default_rng(seed).integers(0, world.n_states, size=(steps, n))
    population = Population(world, n, backend=backend, legacy_ties=True)
    legacy = [build_legacy_agent(model) for _ in range(n)]
    np.random.seed(seed)
    ours = np.stack([population.step(row) for row in observations])
    np.random.seed(seed)
    theirs = np.empty_like(ours)
    for t, row in enumerate(observations):
        for i, (agent, obs) in enumerate(zip(legacy, row, strict=True)):
            agent.infer_states([int(obs)])
            agent.infer_policies()
            theirs[t, i] = int(agent.sample_action()[0])
    return {
        "same_actions": bool(np.array_equal(ours, theirs)),
        "max_belief_difference": float(
            np.abs(population.beliefs - np.stack([a.qs[0] for a in legacy])).max()
        ),
        "max_policy_difference": float(
            np.abs(population.policy_posterior - np.stack([a.q_pi for a in legacy])).max()
        ),
    }
