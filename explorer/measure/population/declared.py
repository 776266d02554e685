"""The models the throughput table declares, each a factory of no arguments (so a fresh process can
rebuild it from its import path), and the world every agent of a population walks while it is timed.

Declared: the 5x5 and 20x20 grid worlds of today (known start, exact observations), pymdp's T-maze
(``explorer.tasks.tmaze()`` when that module is installed, else the same arrays from
``pymdp.legacy.envs.TMazeEnv``; ``policy_len`` 2) and one random model with three factors (seeded).
"""

from __future__ import annotations

import numpy as np

#: Seed of the random model's arrays; every population draws its world from its own seed.
RANDOM_MODEL_SEED = 0

#: Table task name -> the import path of its factory (``module:function``).
TASKS: dict[str, str] = {
    "grid5": "explorer.measure.population.declared:grid5",
    "grid20": "explorer.measure.population.declared:grid20",
    "tmaze": "explorer.measure.population.declared:tmaze",
    "random3": "explorer.measure.population.declared:random3",
}

#: What each task is, for the protocol written beside the table.
DESCRIPTIONS: dict[str, str] = {
    "grid5": "5x5 grid world, known start, exact observations: 1 factor (25 states, 5 actions), 1 modality",
    "grid20": "20x20 grid world, known start, exact observations: 1 factor (400 states, 5 actions)",
    "tmaze": "pymdp's T-maze: 2 factors (4 locations controlled, 2 contexts), 3 modalities, policy_len 2",
    "random3": (
        f"random model (seed {RANDOM_MODEL_SEED}): 3 factors (4, 3, 3 states; 3, 2, 1 actions), "
        "3 modalities (4, 3, 3 outcomes), policy_len 1"
    ),
}


def grid5():
    """Today's default world (5x5, start 0, goal 24) as a Model."""
    from explorer.model import build_model
    from explorer.world import GridWorld

    return build_model(GridWorld(5))


def grid20():
    """A 20x20 world (start 0, goal 399) as a Model."""
    from explorer.model import build_model
    from explorer.world import GridWorld

    return build_model(GridWorld(20))


def tmaze():
    """pymdp's T-maze with an unknown context: the cue arm first, then the paying arm."""
    try:
        from explorer.tasks import tmaze as task
    except ImportError:
        return _tmaze_from_pymdp()
    return task().model


def _tmaze_from_pymdp():
    from pymdp.legacy.envs import TMazeEnv

    from explorer.pomdp.model import Model

    env = TMazeEnv(reward_probs=[0.98, 0.02])
    A = [np.asarray(a, float) for a in env.get_likelihood_dist()]
    B = [np.asarray(b, float) for b in env.get_transition_dist()]
    C = [np.zeros(4), np.array([0.0, 3.0, -3.0]), np.zeros(2)]
    D = [np.eye(4)[0], np.full(2, 0.5)]
    return Model(A, B, C, D, policy_len=2, control_fac_idx=[0])


def random3():
    """A random model, three factors (one uncontrolled) and three modalities, drawn with a fixed seed."""
    from explorer.pomdp.model import Model

    rng = np.random.default_rng(RANDOM_MODEL_SEED)
    n_states, n_controls, n_obs = (4, 3, 3), (3, 2, 1), (4, 3, 3)
    A = [rng.dirichlet(np.ones(o), size=n_states).transpose(3, 0, 1, 2) for o in n_obs]
    sizes = zip(n_states, n_controls, strict=True)
    B = [rng.dirichlet(np.ones(s), size=(s, c)).transpose(2, 0, 1) for s, c in sizes]
    C = [rng.normal(size=o) for o in n_obs]
    return Model([np.ascontiguousarray(a) for a in A], [np.ascontiguousarray(b) for b in B], C)


class ModelWorld:
    """``n`` agents' true states, drawn as the model says: the model is its own generative process.

    ``reset()`` draws each agent's states from ``D`` and returns observations ``(n, n_modalities)``
    drawn from ``A``; ``step(actions)`` moves each factor by ``B`` with the agents' ``(n, n_factors)``
    actions and observes again. Every draw comes from one generator seeded with ``seed``, so two
    engines whose agents take the same actions see the same observations.
    """

    def __init__(self, model, n: int, seed: int) -> None:
        self.model, self.n = model, n
        self.rng = np.random.default_rng(seed)
        self.states = np.zeros((n, model.n_factors), dtype=np.intp)

    def reset(self) -> np.ndarray:
        for f, d in enumerate(self.model.D):
            self.states[:, f] = _draw(np.broadcast_to(d, (self.n, len(d))), self.rng)
        return self._observe()

    def step(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions).reshape(self.n, -1)
        for f, b in enumerate(self.model.B):
            self.states[:, f] = _draw(b[:, self.states[:, f], actions[:, f]].T, self.rng)
        return self._observe()

    def _observe(self) -> np.ndarray:
        index = tuple(self.states.T)
        columns = [_draw(a[(slice(None), *index)].T, self.rng) for a in self.model.A]
        return np.stack(columns, axis=1)


def _draw(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of ``probabilities`` ``(n, k)``, by inverse CDF on uniform draws."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative <= draws).sum(axis=1), probabilities.shape[1] - 1)
