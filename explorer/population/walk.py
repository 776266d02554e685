"""Agents walking a grid world on arrays: each observes its own true state through the model's ``A``."""

from __future__ import annotations

import numpy as np

from explorer.world import GridWorld


class Walk:
    """True states of ``n`` agents walking ``world`` from its start, observed through ``A``.

    Each agent observes its own state (blurred as the model says), so no observation contradicts
    its beliefs; the noise draws depend only on ``seed`` (an int, a ``SeedSequence`` or anything
    ``numpy.random.default_rng`` takes) and the step, so two runs whose agents took the same actions
    give them the same observations.
    """

    def __init__(self, world: GridWorld, n: int, seed: object) -> None:
        from explorer.population.sparse_model import build_sparse_model

        model = build_sparse_model(world)  # never the dense A: walks run in 10,000-state worlds too
        self.next_state = model.successors
        real = np.arange(model.emissions.shape[1]) < model.emission_count[:, None]
        # (state, k): cumulative P over the state's observations, in observation order as A's rows
        self.cumulative = np.cumsum(np.where(real, model.emission_probs, 0.0), axis=1)
        self.emissions, self.last = model.emissions, model.emission_count - 1
        self.states = np.full(n, world.start)
        self.rng = np.random.default_rng(seed)

    def observe(self) -> np.ndarray:
        """One observation per agent of its current state, ``(n,)`` ints."""
        draws = self.rng.random(len(self.states))
        index = (self.cumulative[self.states] <= draws[:, None]).sum(axis=1)
        return self.emissions[self.states, np.minimum(index, self.last[self.states])]

    def move(self, actions) -> None:
        """Each agent takes its action (``(n,)`` ints): walls and edges keep it in place."""
        self.states = self.next_state[self.states, np.asarray(actions)]
