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
    "PROFILES",
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

#: Keyword arguments of each function for the report's profiles: ``quick`` for CI (small sizes,
#: seconds each), ``full`` for the figures the issue asks for (n = 100,000 on 5x5, sides 5-100,
#: a 100x100 world with 10,000 agents in a fresh process).
PROFILES: dict[str, dict[str, dict]] = {
    "quick": {
        "population_step_time": {"n": 500, "steps": 3, "repeats": 5},
        "population_memory": {"ns": (1000, 2000, 4000, 8000), "repeats": 5, "jax_n": 0},
        "population_scaling": {
            "ns": (1, 10, 100, 1000, 10000),
            "per_object_max": 100,
            "backends": ("lanes", "sparse", "dense"),
            "steps": 3,
            "repeats": 5,
        },
        "jax_step_time": {"n": 1000, "steps": 5, "repeats": 3},
        "population_throughput": {"n": 10_000, "jax_n": 1000, "steps": 3, "repeats": 5},
        "world_scaling": {"sides": (5, 10, 20), "n": 200, "steps": 2, "repeats": 3},
        "thread_scaling": {"n": 20_000, "steps": 2, "repeats": 3},
        "big_world_memory": {"side": 30, "n": 1000, "steps": 2},
        "engine_first_action": {"repeats": 3, "compile_runs": 0},
        "machine_peak": {"matmul_size": 1000, "copy_bytes": 2**26, "logs": 2**20, "repeats": 3},
        "step_work": {"n": 100},
        "kernel_profile": {"n": 20_000, "repeats": 3},
    },
    "full": {
        "population_step_time": {"n": 2000, "steps": 5, "repeats": 5},
        "population_memory": {"ns": (2000, 5000, 10000, 20000), "repeats": 5, "jax_n": 2000},
        "population_scaling": {
            "ns": (1, 10, 100, 1000, 2000, 10000, 100000),
            "per_object_max": 2000,
            "backends": ("lanes", "sparse", "dense", "jax"),
            "steps": 5,
            "repeats": 5,
        },
        "jax_step_time": {"n": 2000, "steps": 10, "repeats": 5},
        "population_throughput": {"n": 100_000, "jax_n": 10_000, "steps": 3, "repeats": 7},
        "world_scaling": {"sides": (5, 10, 20, 50, 100), "n": 1000, "steps": 3, "repeats": 5},
        "thread_scaling": {"n": 100_000, "steps": 3, "repeats": 7},
        "big_world_memory": {"side": 100, "n": 10_000, "steps": 3},
        "engine_first_action": {"repeats": 7, "compile_runs": 1},
        "machine_peak": {"matmul_size": 2000, "copy_bytes": 2**28, "logs": 2**22, "repeats": 5},
        "step_work": {"n": 500},
        "kernel_profile": {"n": 100_000, "repeats": 7},
    },
}
