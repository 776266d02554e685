"""What one run computes, on whichever process runs it: one population episode, as tidy rows.

The built-in grid task runs :func:`explorer.population.episode.population_episode` (shardable). Any
other task is a factory named ``package.module:function``, called with the run's parameters, that
returns what the functions of :mod:`explorer.tasks` return (``explorer.tasks:tmaze`` is one): an
object with a ``model`` (an ``explorer.Model``) and ``environment(n, seed=...)`` serving ``n`` agents
(``reset()``, ``step(actions)``, ``succeeded`` and ``first_visits["goal"]``, as
:class:`explorer.tasks.Environment`).
"""

from __future__ import annotations

import math
import time
import traceback

import numpy as np

from explorer.sweeps.spec import GRID_TASK, Run, load_task

#: What each run records: (metric, kind, unit). Behaviour is deterministic for a run's seed; cost is
#: measured (times differ on every run and every machine).
METRICS = (
    ("success_rate", "behaviour", "fraction"),
    ("steps_to_goal", "behaviour", "steps"),
    ("belief_entropy", "behaviour", "nats"),
    ("agent_steps_per_s", "cost", "agent-steps/s"),
    ("bytes_per_agent", "cost", "B"),
    ("run_time", "cost", "s"),
)


def run_one(run: Run, client=None) -> dict:
    """Run ``run`` and return ``{metric: value}`` plus ``error`` (empty, or the exception raised).

    Never raises for an error inside the run: the sweep records it with the run's parameters and
    goes on. ``client`` (Dask) lets the grid task step its shards on the cluster.
    """
    started = time.perf_counter()
    try:
        values = _grid_run(run, client) if run.task == GRID_TASK else _factory_run(run)
    except Exception as error:  # recorded, not raised: one bad run must not stop a thousand
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
        return {name: math.nan for name, _, _ in METRICS} | {"error": text}
    return values | {"run_time": time.perf_counter() - started, "error": ""}


def _grid_run(run: Run, client) -> dict:
    from explorer.population.episode import population_episode
    from explorer.world import GridWorld

    params = run.parameters()
    world = GridWorld(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in params.items() if k not in _POP}
    )
    outcome = population_episode(
        world,
        params["agents"],
        params["steps"],
        seed=run.seed,
        backend=params["engine"],
        shards=run.shards,
        client=client if run.shards > 1 else None,
    )
    return {
        "success_rate": outcome.success_rate,
        "steps_to_goal": outcome.steps_to_goal,
        "belief_entropy": outcome.belief_entropy,
        "agent_steps_per_s": outcome.agent_steps_per_s,
        "bytes_per_agent": outcome.bytes_per_agent,
    }


def _factory_run(run: Run) -> dict:
    from explorer.population import Population
    from explorer.population.episode import _entropy

    params = run.parameters()
    n, steps, engine = params.pop("agents"), params.pop("steps"), params.pop("engine")
    task = load_task(run.task)(**params)
    population = Population(task.model, n, backend=engine, seed=run.seed)  # its memory check comes first
    environment = task.environment(n, seed=run.seed)
    observations = environment.reset()
    step_seconds = 0.0
    for _ in range(steps):
        start = time.perf_counter()
        actions = population.step(observations)
        step_seconds += time.perf_counter() - start
        observations = environment.step(actions)
    succeeded = np.asarray(environment.succeeded, dtype=bool)
    arrival = np.asarray(environment.first_visits["goal"])
    return {
        "success_rate": float(succeeded.mean()),
        "steps_to_goal": float(arrival[succeeded].mean()) if succeeded.any() else math.nan,
        "belief_entropy": math.fsum(_entropy(population.beliefs)) / n,
        "agent_steps_per_s": n * steps / step_seconds if step_seconds > 0 else math.nan,
        "bytes_per_agent": population.nbytes / n,
    }


_POP = ("agents", "steps", "engine")
