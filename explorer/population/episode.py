"""One population episode in a grid world: what ``n`` agents achieved (behaviour) and what it cost.

Every agent starts on the world's start and, for ``steps`` steps, observes its own state through the
model's ``A``, steps and moves (agents are independent: they share the model, not the world's cells).
Randomness is keyed by **blocks** of :data:`BLOCK_AGENTS` agents, never by process: block ``b`` draws its
observation noise and breaks its ties from ``SeedSequence(seed, spawn_key=(b, ...))``. A population split
into shards of whole blocks (:func:`shard_blocks`), stepped in one process or on many workers, therefore
walks the same trajectories, and the per-block sums combined in block order give the same figures.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from explorer.checks import check_choice, check_int
from explorer.world import GridWorld

#: Agents per block, the unit of randomness and of sharding: large enough that a step's fixed cost
#: (tens of microseconds) is small beside its agents' work, small enough that shards balance.
BLOCK_AGENTS = 16_384


@dataclass(frozen=True)
class BlockOutcome:
    """Sums over one block's agents, so that blocks combine exactly in any grouping."""

    block: int
    agents: int
    reached: int  # agents that stood on the goal at some step
    steps_to_goal: int  # sum over those agents of the first step they stood on it
    entropy: float  # sum over agents of the final belief's entropy, in nats
    step_seconds: float  # time inside Population.step, summed over steps
    nbytes: int  # bytes of the block's per-agent arrays (Population.nbytes)


@dataclass(frozen=True)
class EpisodeOutcome:
    """A whole population's episode: behaviour (deterministic for a seed) and cost (measured)."""

    agents: int
    steps: int
    engine: str
    success_rate: float  # fraction of agents that reached the goal within the episode
    steps_to_goal: float  # mean first-arrival step of those that did (NaN if none did)
    belief_entropy: float  # mean entropy of the final beliefs, nats
    agent_steps_per_s: float  # n x steps over the time spent inside Population.step
    bytes_per_agent: float  # per-agent arrays held by the population's engine
    seconds: float  # wall time of the episode, spawn and walking included


def blocks_of(n: int) -> int:
    """How many blocks ``n`` agents make."""
    return -(-n // BLOCK_AGENTS)


def shard_blocks(n: int, shards: int) -> list[range]:
    """``shards`` contiguous ranges of block indices covering ``n`` agents (fewer if blocks run out)."""
    n = check_int("n", n, low=1)
    shards = check_int("shards", shards, low=1)
    total = blocks_of(n)
    bounds = [round(i * total / min(shards, total)) for i in range(min(shards, total) + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


def engine_for(world: GridWorld, n: int, backend: str) -> str:
    """The engine the episode uses, resolved once for all ``n`` agents so that every block uses it."""
    from explorer.population import BACKENDS, resolve_backend

    check_choice("engine", backend, BACKENDS)
    return resolve_backend(backend, n, world.n_states)


def step_blocks(
    world: GridWorld, n: int, steps: int, seed: int, engine: str, blocks: range
) -> list[BlockOutcome]:
    """Run the episode for the agents of ``blocks`` (of ``n`` in all); one :class:`BlockOutcome` each.

    This is a shard's work: its beliefs, observations and actions never leave the process.
    """
    return [_step_block(world, n, steps, seed, engine, block) for block in blocks]


def combine(outcomes: list[BlockOutcome], steps: int, engine: str, seconds: float) -> EpisodeOutcome:
    """The episode's figures from every block's sums, added in block order (so exactly reproducible)."""
    ordered = sorted(outcomes, key=lambda o: o.block)
    agents = sum(o.agents for o in ordered)
    reached = sum(o.reached for o in ordered)
    step_seconds = math.fsum(o.step_seconds for o in ordered)
    return EpisodeOutcome(
        agents=agents,
        steps=steps,
        engine=engine,
        success_rate=reached / agents,
        steps_to_goal=sum(o.steps_to_goal for o in ordered) / reached if reached else math.nan,
        belief_entropy=math.fsum(o.entropy for o in ordered) / agents,
        agent_steps_per_s=agents * steps / step_seconds if step_seconds > 0 else math.nan,
        bytes_per_agent=sum(o.nbytes for o in ordered) / agents,
        seconds=seconds,
    )


def population_episode(
    world: GridWorld,
    n: int,
    steps: int,
    *,
    seed: int = 0,
    backend: str = "auto",
    shards: int = 1,
    client=None,
) -> EpisodeOutcome:
    """``n`` agents walk ``world`` for ``steps`` steps; with ``client`` (a Dask client), in ``shards`` shards.

    Each shard is one task on a worker that builds, steps and sums its blocks there; only the sums
    come back. The figures are the same for any ``shards`` and in one process (without ``client``).
    """
    if not isinstance(world, GridWorld):
        raise TypeError(f"world must be a GridWorld, got {world!r} ({type(world).__name__})")
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    seed = check_int("seed", seed, low=0)
    engine = engine_for(world, n, backend)
    ranges = shard_blocks(n, shards)
    started = time.perf_counter()
    if client is None:
        outcomes = [o for blocks in ranges for o in step_blocks(world, n, steps, seed, engine, blocks)]
    else:
        futures = [
            client.submit(step_blocks, world, n, steps, seed, engine, blocks, pure=False) for blocks in ranges
        ]
        try:
            outcomes = [o for shard in client.gather(futures) for o in shard]
        finally:
            client.cancel(futures)
    return combine(outcomes, steps, engine, time.perf_counter() - started)


def _step_block(world: GridWorld, n: int, steps: int, seed: int, engine: str, block: int) -> BlockOutcome:
    from explorer.population import Population
    from explorer.population.walk import Walk

    size = min(BLOCK_AGENTS, n - block * BLOCK_AGENTS)
    noise = np.random.SeedSequence(seed, spawn_key=(block, 0))
    ties = int(np.random.SeedSequence(seed, spawn_key=(block, 1)).generate_state(1)[0])
    population = Population(world, size, backend=engine, seed=ties)
    walk = Walk(world, size, noise)
    first_arrival = np.where(walk.states == world.goal, 0, -1)
    clock, step_seconds = time.perf_counter, 0.0
    for t in range(1, steps + 1):
        observations = walk.observe()
        start = clock()
        actions = population.step(observations)
        step_seconds += clock() - start
        walk.move(actions)
        first_arrival[(first_arrival < 0) & (walk.states == world.goal)] = t
    reached = first_arrival >= 0
    return BlockOutcome(
        block=block,
        agents=size,
        reached=int(reached.sum()),
        steps_to_goal=int(first_arrival[reached].sum()),
        entropy=math.fsum(_entropy(population.beliefs)),
        step_seconds=step_seconds,
        nbytes=int(population.nbytes),
    )


def _entropy(beliefs) -> np.ndarray:
    """Each agent's belief entropy in nats, summed over factors when beliefs are one array per factor."""
    factors = beliefs if isinstance(beliefs, tuple) else (beliefs,)
    total = np.zeros(len(factors[0]))
    for q in factors:
        total += -np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0), axis=1)
    return total
