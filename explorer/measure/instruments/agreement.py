"""Whether a Population computes what pymdp's legacy agents compute, agent for agent."""

from __future__ import annotations

import numpy as np

from explorer.checks import check_instance, check_int
from explorer.model import build_model
from explorer.world import GridWorld


def population_agreement(
    world: object, n: int = 8, steps: int = 6, *, backend: str = "auto", seed: int = 0
) -> dict[str, float | bool]:
    """Step a Population and ``n`` pymdp legacy ``Agent``s on the same observations.

    On a grid world each agent gets its own observation per step (uniform over all states, so
    surprising ones occur). ``world`` may be any Model, a factory or its path: then every agent walks
    the model's own world (:func:`explorer.measure.harness.declared.world_of`, seeded) driven by the
    population's actions, and its legacy twin takes the same observations. Exact ties are drawn from
    numpy's global RNG in both (``legacy_ties=True``), so the actions must be equal; returns whether
    they are and the largest belief (over factors) and policy differences.
    """
    from explorer.legacy import build_legacy_agent
    from explorer.population import Population

    if not isinstance(world, GridWorld) and not (isinstance(world, str) and ":" not in world):
        from explorer.measure.harness.subjects import subject

        measured = subject(world)
        if measured.is_model:
            n = check_int("n", n, low=1)
            return _model_agreement(measured.agents_of, n, check_int("steps", steps, low=1), backend, seed)
    check_instance("world", world, GridWorld, "a GridWorld, an explorer.Model or a factory's path")
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


def _model_agreement(model: object, n: int, steps: int, backend: str, seed: int) -> dict[str, float | bool]:
    """``population_agreement`` for any Model: the population walks the model's world, legacy follows."""
    from explorer.legacy import build_legacy_agent, legacy_model_step
    from explorer.measure.harness.declared import world_of
    from explorer.population import Population

    population = Population(model, n, backend=backend, legacy_ties=True)
    legacy = [build_legacy_agent(model) for _ in range(n)]
    walk = world_of(model, n, seed)
    observations, seen, ours = walk.reset(), [], []
    np.random.seed(seed)
    for _ in range(steps):
        seen.append(observations)
        ours.append(population.step(observations))
        observations = walk.step(ours[-1])
    np.random.seed(seed)
    theirs = [
        [
            legacy_model_step(agent, tuple(int(o) for o in row))
            for agent, row in zip(legacy, rows, strict=True)
        ]
        for rows in seen
    ]
    beliefs = population.beliefs
    return {
        "same_actions": bool(np.array_equal(np.stack(ours), np.asarray(theirs))),
        "max_belief_difference": max(
            float(np.abs(beliefs[f] - np.stack([a.qs[f] for a in legacy])).max()) for f in range(len(beliefs))
        ),
        "max_policy_difference": float(
            np.abs(population.policy_posterior - np.stack([a.q_pi for a in legacy])).max()
        ),
    }
