"""The models the throughput table declares, each a factory of no arguments (so a fresh process can
rebuild it from its import path), and the world every agent of a population walks while it is timed.

Declared: the 5x5 and 20x20 grid worlds of today (known start, exact observations), pymdp's T-maze
(``explorer.tasks.tmaze()``: ``TMazeEnv``'s arrays, ``policy_len`` 2) and one random model with three
factors (seeded).
"""

from __future__ import annotations

import numpy as np

#: Seed of the random model's arrays; every population draws its world from its own seed.
RANDOM_MODEL_SEED = 0

#: Table task name -> the import path of its factory (``module:function``).
TASKS: dict[str, str] = {
    "grid5": "explorer.measure.harness.declared:grid5",
    "grid20": "explorer.measure.harness.declared:grid20",
    "tmaze": "explorer.measure.harness.declared:tmaze",
    "random3": "explorer.measure.harness.declared:random3",
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
    """pymdp's T-maze with an unknown context (``explorer.tasks.tmaze()``): the cue arm first, then the
    paying arm."""
    from explorer.tasks import tmaze as task

    return task().model


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


def world_of(model, n: int, seed: int):
    """``n`` agents' world for ``model``: the model is its own generative process (``explorer.tasks``'
    environment over its ``A``, ``B`` and ``D``, every draw from one generator seeded with ``seed``), so
    two engines whose agents take the same actions see the same observations."""
    from explorer.tasks import Process, Task

    task = Task(
        "model", "the model as its own generative process", model, Process(model.A, model.B, model.D), {}
    )
    return task.environment(n, seed=seed)
