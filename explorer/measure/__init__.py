"""explorer's instruments: import, spawn, memory, first-action and step figures as DataFrames.

Each function returns a tidy DataFrame (one row per metric x variant x size; the columns are
listed in :data:`explorer.measure.stats.COLUMNS`) with the machine's metadata in ``df.attrs``.
Names load on first access (PEP 562), so a measuring child process can import a submodule cheaply.
"""

# name -> submodule that defines it
_EXPORTS = {
    "COLUMNS": "explorer.measure.stats",
    "summarize": "explorer.measure.stats",
    "machine_metadata": "explorer.measure.metadata",
    "save_results": "explorer.measure.results",
    "load_results": "explorer.measure.results",
    "to_json_dict": "explorer.measure.results",
    "Floor": "explorer.measure.floor",
    "Variant": "explorer.measure.variants",
    "VARIANTS": "explorer.measure.variants",
    "register_variant": "explorer.measure.variants",
    "import_time": "explorer.measure.imports",
    "import_breakdown": "explorer.measure.imports",
    "STATEMENTS": "explorer.measure.imports",
    "packages_loaded": "explorer.measure.modules",
    "seed_comparison": "explorer.measure.seed",
    "population_agreement": "explorer.measure.agreement",
    "population_step_time": "explorer.measure.population",
    "population_memory": "explorer.measure.population",
    "population_scaling": "explorer.measure.population",
    "jax_step_time": "explorer.measure.population",
    "population_throughput": "explorer.measure.population",
    "throughput_table": "explorer.measure.population.table",
    "throughput_pivot": "explorer.measure.population.table",
    "throughput_protocol": "explorer.measure.population.table",
    "throughput_json": "explorer.measure.population.table",
    "model_throughput": "explorer.measure.population.model_limit",
    "world_scaling": "explorer.measure.population",
    "thread_scaling": "explorer.measure.population",
    "scaling_slope": "explorer.measure.population",
    "states_of": "explorer.measure.population",
    "machine_peak": "explorer.measure.population",
    "step_work": "explorer.measure.population",
    "kernel_profile": "explorer.measure.population",
    "limit_table": "explorer.measure.population",
    "big_world_memory": "explorer.measure.population",
    "engine_first_action": "explorer.measure.population",
    "instruction_counts": "explorer.measure.counts",
    "CLAIMS": "explorer.measure.counts",
    "access_order": "explorer.measure.locality",
    "instructions_per_ns": "explorer.measure.locality",
    "spawn_time": "explorer.measure.spawn",
    "memory_per_agent": "explorer.measure.memory",
    "rss_resolved": "explorer.measure.memory",
    "first_action_time": "explorer.measure.first_actions",
    "step_time": "explorer.measure.steps",
    "cumulative_cost": "explorer.measure.steps",
    "observations_for": "explorer.measure.steps",
    "line_profile": "explorer.measure.hotspots",
    "function_profile": "explorer.measure.hotspots",
    "memory_samples": "explorer.measure.hotspots",
    "step_path_functions": "explorer.measure.hotspots",
    "PROFILES": "explorer.measure.suite",
    "MEASUREMENTS": "explorer.measure.suite",
    "run_suite": "explorer.measure.suite",
    "scorecard": "explorer.measure.comparison",
    "targets": "explorer.measure.comparison",
    "monitor_overhead": "explorer.measure.overhead",
    "Estimate": "explorer.measure.estimates",
    "estimate": "explorer.measure.estimates",
    "import_cost": "explorer.measure.estimates",
    "first_action": "explorer.measure.estimates",
    "ratio": "explorer.measure.estimates",
    "MissingResults": "explorer.measure.runs",
    "current_run_id": "explorer.measure.run_ids",
    "reading_run_id": "explorer.measure.runs",
    "save_run": "explorer.measure.runs",
    "load_run": "explorer.measure.runs",
    "where_written": "explorer.measure.runs",
    "before_after": "explorer.measure.comparison",
    "scorecard_table": "explorer.measure.comparison",
    "hook_free_agent_class": "explorer.measure.overhead",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'explorer.measure' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
