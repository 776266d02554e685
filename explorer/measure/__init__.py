"""explorer's measurements: import, spawn, memory, first-action and step figures as DataFrames.

By role: ``instruments/`` (one module per quantity measured), ``harness/`` (fresh processes, timers,
variants, subjects), ``results/`` (the rows' columns and statistics, metadata, run ids, files) and
``reading/`` (estimates and tables); ``suite`` runs them all under a profile of ``profiles``. Each
instrument returns a tidy DataFrame (one row per metric x variant x size; the columns are
:data:`explorer.measure.results.stats.COLUMNS`) with the machine's metadata in ``df.attrs``.
Names load on first access (PEP 562), so a measuring child process can import a submodule cheaply.
"""

# name -> submodule that defines it
_EXPORTS = {
    "COLUMNS": "explorer.measure.results.stats",
    "summarize": "explorer.measure.results.stats",
    "machine_metadata": "explorer.measure.results.metadata",
    "save_results": "explorer.measure.results.storage",
    "load_results": "explorer.measure.results.storage",
    "to_json_dict": "explorer.measure.results.storage",
    "Floor": "explorer.measure.harness.floor",
    "Variant": "explorer.measure.harness.variants",
    "VARIANTS": "explorer.measure.harness.variants",
    "register_variant": "explorer.measure.harness.variants",
    "import_time": "explorer.measure.instruments.imports",
    "import_breakdown": "explorer.measure.instruments.imports",
    "STATEMENTS": "explorer.measure.instruments.imports",
    "statements_for": "explorer.measure.instruments.imports",
    "subject": "explorer.measure.harness.subjects",
    "settings": "explorer.measure.suite",
    "packages_loaded": "explorer.measure.instruments.modules",
    "seed_comparison": "explorer.measure.reading.seed_claims",
    "population_agreement": "explorer.measure.instruments.agreement",
    "population_step_time": "explorer.measure.instruments.population",
    "population_memory": "explorer.measure.instruments.population",
    "population_scaling": "explorer.measure.instruments.population",
    "jax_step_time": "explorer.measure.instruments.population",
    "population_throughput": "explorer.measure.instruments.population",
    "throughput_table": "explorer.measure.instruments.population.table",
    "throughput_pivot": "explorer.measure.instruments.population.table",
    "throughput_protocol": "explorer.measure.instruments.population.table",
    "throughput_json": "explorer.measure.instruments.population.table",
    "throughput_record": "explorer.measure.reading.throughput",
    "throughput_note": "explorer.measure.reading.throughput",
    "unexplained_errors": "explorer.measure.reading.throughput",
    "model_throughput": "explorer.measure.instruments.population.model_limit",
    "world_scaling": "explorer.measure.instruments.population",
    "thread_scaling": "explorer.measure.instruments.population",
    "scaling_slope": "explorer.measure.instruments.population",
    "states_of": "explorer.measure.instruments.population",
    "machine_peak": "explorer.measure.instruments.population",
    "step_work": "explorer.measure.instruments.population",
    "kernel_profile": "explorer.measure.instruments.population",
    "limit_table": "explorer.measure.instruments.population",
    "big_world_memory": "explorer.measure.instruments.population",
    "engine_first_action": "explorer.measure.instruments.population",
    "instruction_counts": "explorer.measure.instruments.counts",
    "CLAIMS": "explorer.measure.instruments.counts",
    "access_order": "explorer.measure.instruments.locality",
    "instructions_per_ns": "explorer.measure.instruments.locality",
    "recorded_locality": "explorer.measure.instruments.locality",
    "spawn_time": "explorer.measure.instruments.spawn",
    "memory_per_agent": "explorer.measure.instruments.memory",
    "rss_resolved": "explorer.measure.instruments.memory",
    "first_action_time": "explorer.measure.instruments.first_actions",
    "step_time": "explorer.measure.instruments.steps",
    "cumulative_cost": "explorer.measure.instruments.steps",
    "observations_for": "explorer.measure.instruments.steps",
    "line_profile": "explorer.measure.instruments.hotspots",
    "function_profile": "explorer.measure.instruments.hotspots",
    "memory_samples": "explorer.measure.instruments.hotspots",
    "step_path_functions": "explorer.measure.instruments.hotspots",
    "PROFILES": "explorer.measure.profiles",
    "MEASUREMENTS": "explorer.measure.suite",
    "run_suite": "explorer.measure.suite",
    "scorecard": "explorer.measure.reading.tables",
    "targets": "explorer.measure.reading.targets",
    "monitor_overhead": "explorer.measure.instruments.overhead",
    "Estimate": "explorer.measure.reading.estimates",
    "estimate": "explorer.measure.reading.estimates",
    "import_cost": "explorer.measure.reading.estimates",
    "first_action": "explorer.measure.reading.estimates",
    "ratio": "explorer.measure.reading.estimates",
    "MissingResults": "explorer.measure.results.run_files",
    "current_run_id": "explorer.measure.results.run_ids",
    "reading_run_id": "explorer.measure.results.run_files",
    "save_run": "explorer.measure.results.run_files",
    "load_run": "explorer.measure.results.run_files",
    "where_written": "explorer.measure.results.run_files",
    "before_after": "explorer.measure.reading.tables",
    "engine_table": "explorer.measure.reading.engine_table",
    "scorecard_table": "explorer.measure.reading.tables",
    "hook_free_agent_class": "explorer.measure.instruments.overhead",
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
