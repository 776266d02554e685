"""The population measured: seconds per agent-step against per-object agents and between its engines,
bytes per agent, scaling with n, world size and threads, and how close the lanes engine gets to
this machine's limit.

Variants: ``population`` is the default engine for large populations (the lanes engine: agents side
by side in SIMD lanes), ``population_float32`` the same holding float32 beliefs, ``population_sparse``
the compiled kernel agent by agent it replaced, ``population_dense`` numpy's dense products (the
reference every speed-up is measured against), ``population_jax`` pymdp's batched agent.
Every function returns tidy rows (:data:`explorer.measure.results.stats.COLUMNS`) with the machine's
metadata in ``df.attrs``; every comparison checks, where it times, that the variants agree.
"""

from explorer.measure.instruments.population.agents import jax_step_time, population_step_time
from explorer.measure.instruments.population.footprint import GIB, big_world_memory, engine_first_action
from explorer.measure.instruments.population.limit import (
    PROFILE_STAGES,
    kernel_profile,
    limit_table,
    machine_peak,
    step_work,
)
from explorer.measure.instruments.population.memory import population_memory
from explorer.measure.instruments.population.scaling import (
    population_scaling,
    population_throughput,
    scaling_slope,
    states_of,
    thread_scaling,
    world_scaling,
)
from explorer.measure.instruments.population.timed_runs import (
    JAX_TOLERANCE,
    NUMPY_TOLERANCE,
    _disagreement,
    _Outcome,
)

__all__ = [
    "GIB",
    "JAX_TOLERANCE",
    "NUMPY_TOLERANCE",
    "PROFILE_STAGES",
    "_Outcome",
    "_disagreement",
    "big_world_memory",
    "engine_first_action",
    "jax_step_time",
    "kernel_profile",
    "limit_table",
    "machine_peak",
    "population_memory",
    "population_scaling",
    "population_step_time",
    "population_throughput",
    "scaling_slope",
    "states_of",
    "step_work",
    "thread_scaling",
    "world_scaling",
]
