"""The named profiles: the keyword arguments of every measurement, ``quick`` for CI and ``full`` for reports.

``PROFILES[profile][name]`` are the keyword arguments of measurement ``name``, so a notebook runs one
piece exactly as the bench does: ``spawn_time(**PROFILES["quick"]["spawn_time"])``. The bench, the
notebooks and the report read their settings here, and nowhere else.
"""

from __future__ import annotations

from explorer.measure.instruments.imports import STATEMENTS

_LIGHT_IMPORTS = {name: STATEMENTS[name] for name in ("floor", "lazy", "numpy")}

#: Keyword arguments per measurement. "quick" takes about a minute on 2 cores (40 s of it are the
#: 15 fresh processes importing pymdp): it times the eager import inside the first-action processes
#: (stage ``import``) instead of in import_time's own, and weighs RSS in those same processes
#: (RSS over 50 built agents is coarse: prefer the tracemalloc slope, or "full", for eager).
#: "full" repeats more, goes to N = 10,000 and times every import.
_BENCH: dict[str, dict[str, dict]] = {
    "quick": {
        "import_time": {"statements": _LIGHT_IMPORTS, "repeats": 7, "warmup": 1},
        "spawn_time": {"ns": (1, 10, 100, 300), "repeats": 5},
        "memory_per_agent": {"ns": (250, 500, 1000), "built_ns": (5, 10, 20), "repeats": 5},
        "first_action_time": {"repeats": 7, "warmup": 1, "rss_agents": 2000, "rss_built_agents": 50},
        "step_time": {"steps": 50, "repeats": 5, "warmup": 10},
        "monitor_overhead": {"n": 1000, "repeats": 7},
        # the table kept small: one task, two sizes, no JAX (its compiles take a minute each when the
        # machine is busy), no cold processes; "full" runs every engine
        "throughput_table": {
            "tasks": ("tmaze",),
            "engines": ("numpy", "numba", "legacy", "lazy"),
            "ns": (100, 1000),
            "steps": 2,
            "repeats": 3,
            "loop_max_n": 100,
            "bytes_max_n": None,
            "cold_repeats": 0,
        },
        # the T-maze's engines, their ratios and the machine's limit: one n, the n = 100,000
        # (JAX compiles once per n, about a minute at load 15-20 here)
        "model_throughput": {
            "ns": (100_000,),
            "steps": 2,
            "repeats": 3,
            "loop_n": 20,
            "peak": {"matmul_size": 1000, "copy_bytes": 2**26, "logs": 2**20, "repeats": 3},
        },
    },
    "full": {
        "import_time": {"statements": dict(STATEMENTS), "repeats": 11, "warmup": 1},
        # 15 repeats: the median's 95% interval is then x(4)-x(12), where 7 give min-max and one
        # slow repeat (492 ns against a 158 ns median, 21f45ea) decides the spawn target alone
        "spawn_time": {"ns": (1, 10, 100, 1000, 10000), "repeats": 15},
        "memory_per_agent": {
            "ns": (1000, 2000, 5000, 10000),
            "built_ns": (50, 100, 200, 400),
            "repeats": 5,
            "after_first_step": ("eager", "lazy"),
            "rss_agents": 20000,
            "rss_built_agents": 500,
            "rss_repeats": 7,
        },
        "first_action_time": {"repeats": 11, "warmup": 1},
        "step_time": {"steps": 500, "repeats": 9, "warmup": 50},
        "monitor_overhead": {"n": 10000, "repeats": 11},
        "throughput_table": {
            "ns": (100, 1000, 10_000, 100_000),
            "steps": 3,
            "repeats": 5,
            "loop_max_n": 100,
            "bytes_max_n": None,
            # one fresh process per engine and task (26 of them): each imports JAX or pymdp and
            # compiles, tens of seconds each on this shared machine
            "cold_repeats": 1,
            # a run (first step and 3 timed) projected past 30 s at the next n is not made, so that the
            # 20x20 grid's dense engines at large n do not decide how long the table takes
            "run_budget": 30.0,
        },
        "model_throughput": {
            "ns": (1000, 10_000, 100_000),
            "steps": 3,
            "repeats": 5,
            "loop_n": 100,
            "peak": {"matmul_size": 2000, "copy_bytes": 2**28, "logs": 2**22, "repeats": 5},
        },
    },
}

#: The notebooks' measurements that the bench does not run: the -X importtime breakdown, the
#: profilers, and the population's own (explorer.measure.instruments.population).
_NOTEBOOK_ONLY: dict[str, dict[str, dict]] = {
    "quick": {
        "import_breakdown": {"repeats": 3, "warmup": 1, "top": 25},
        "line_profile": {"steps": 50},
        "function_profile": {"steps": 50, "top": 25},
        "memory_samples": {"agents": 300, "interval": 0.01},
    },
    "full": {
        "import_breakdown": {"repeats": 7, "warmup": 1, "top": 25},
        "line_profile": {"steps": 300},
        "function_profile": {"steps": 300, "top": 25},
        "memory_samples": {"agents": 2000, "interval": 0.01},
    },
}

#: The population's instruments (notebook 05): ``quick`` for CI (small sizes,
#: seconds each), ``full`` for the figures the issue asks for (n = 100,000 on 5x5, sides 5-100,
#: a 100x100 world with 10,000 agents in a fresh process).
_POPULATION: dict[str, dict[str, dict]] = {
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

#: profile -> measurement -> keyword arguments: the bench's, the notebooks' own, the population's.
PROFILES: dict[str, dict[str, dict]] = {
    name: _BENCH[name] | _NOTEBOOK_ONLY[name] | _POPULATION[name] for name in ("quick", "full")
}
