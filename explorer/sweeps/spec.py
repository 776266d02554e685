"""A sweep's specification: what is swept, checked whole before any run, and expanded into runs.

A run is one set of parameters (the grid's, the population's and a replicate number). Its id and its
seed come from a hash of those parameters and the sweep's seed, never from its position in the list or
the worker that runs it, so every executor computes the same thing for it.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import pickle
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from explorer.checks import check_choice, check_int

#: The built-in task: today's GridWorld; its parameters are GridWorld's keyword arguments.
GRID_TASK = "grid"
GRID_PARAMETERS = ("side", "walls", "start", "goal", "obs_noise")
#: Population settings every task takes; each may be one value or a list of values to sweep.
POPULATION_PARAMETERS = ("agents", "steps", "engine")
#: The spec's own keys (YAML and keyword arguments of :func:`explorer.sweep`).
SPEC_KEYS = ("task", "grid", "runs", "seeds", "agents", "steps", "engine", "seed", "shards", "limit")
#: Runs a sweep may hold without ``yes=True`` (``--yes``): a typo in a grid multiplies quickly.
DEFAULT_LIMIT = 1_000
#: The spec's format version, kept in the manifest so that an older results folder is recognised.
SPEC_FORMAT = 1


class SpecError(ValueError):
    """A sweep specification refused before any run: the message names the key and what was expected."""


@dataclass(frozen=True)
class Run:
    """One unit of work: the task, its parameters (grid's and population's), the replicate, its seed."""

    run_id: str
    task: str
    params: tuple[tuple[str, object], ...]  # sorted (name, value) pairs, JSON-friendly values
    replicate: int
    seed: int
    shards: int = 1

    def parameters(self) -> dict:
        """The parameters as a dict (grid's and population's, without the replicate)."""
        return dict(self.params)


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep: the task, the parameter sets, replicates, the sweep's seed and its run limit."""

    task: str
    parameter_sets: tuple[tuple[tuple[str, object], ...], ...]
    replicates: tuple[int, ...]
    seed: int = 0
    shards: int = 1
    limit: int = DEFAULT_LIMIT
    document: dict = field(default_factory=dict, compare=False)  # the spec as given, for the manifest

    def runs(self) -> list[Run]:
        """Every run, parameter sets in order, replicates within each."""
        found = []
        for params in self.parameter_sets:
            for replicate in self.replicates:
                key = run_key(self.task, params, replicate)
                found.append(
                    Run(key[:16], self.task, params, replicate, run_seed(self.seed, key), self.shards)
                )
        return found

    def identity(self) -> dict:
        """What must match for a results folder to be resumed: everything that decides a run's result."""
        return {
            "format": SPEC_FORMAT,
            "task": self.task,
            "parameter_sets": [dict(p) for p in self.parameter_sets],
            "replicates": list(self.replicates),
            "seed": self.seed,
            "shards": self.shards,
        }


def run_key(task: str, params: tuple, replicate: int) -> str:
    """A stable hex digest of the run's task, parameters and replicate (the same in every process)."""
    text = json.dumps({"task": task, "params": dict(params), "replicate": replicate}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def run_seed(sweep_seed: int, key: str) -> int:
    """The run's seed: ``SeedSequence`` keyed by the sweep's seed and the run's digest (a uint32)."""
    import numpy as np

    words = tuple(int(key[i : i + 8], 16) for i in range(0, 32, 8))
    return int(np.random.SeedSequence(sweep_seed, spawn_key=words).generate_state(1)[0])


def build_spec(
    task: str | Callable = GRID_TASK,
    grid: Mapping | None = None,
    runs: list[Mapping] | None = None,
    *,
    seeds: int | list[int] = 1,
    agents: int | list[int] = 100,
    steps: int | list[int] = 20,
    engine: str | list[str] = "auto",
    seed: int = 0,
    shards: int = 1,
    limit: int = DEFAULT_LIMIT,
) -> SweepSpec:
    """Check a sweep's specification whole and return it; :class:`SpecError` naming the key if not."""
    task_name = _task_name(task)
    seed = _int("seed", seed, low=0)
    shards = _int("shards", shards, low=1)
    limit = _int("limit", limit, low=1)
    replicates = _replicates(seeds)
    population = {
        "agents": [_int("agents", v, low=1) for v in _values("agents", agents)],
        "steps": [_int("steps", v, low=1) for v in _values("steps", steps)],
        "engine": [_engine(v, task_name) for v in _values("engine", engine)],
    }
    if (grid is None) == (runs is None):
        raise SpecError(
            "give exactly one of grid (values per parameter, all combined) or runs (a list of dicts)"
        )
    if grid is not None:
        if not isinstance(grid, Mapping) or not grid:
            raise SpecError(f"grid must be a non-empty mapping of parameter -> list of values, got {grid!r}")
        names = list(grid)
        lists = [_values(f"grid.{name}", grid[name]) for name in names]
        sets = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]
        where = ["grid.{}"] * len(sets)
    else:
        if not isinstance(runs, list) or not runs:
            raise SpecError(f"runs must be a non-empty list of parameter dicts, got {runs!r}")
        sets, where = [], []
        for i, entry in enumerate(runs):
            if not isinstance(entry, Mapping):
                raise SpecError(f"runs[{i}] must be a mapping of parameter -> value, got {entry!r}")
            sets.append(dict(entry))
            where.append(f"runs[{i}].{{}}")
    checked = []
    for params, at in zip(sets, where, strict=True):
        for name in params:
            if name in POPULATION_PARAMETERS:
                raise SpecError(
                    f"{at.format(name)}: {name} is a population setting; give it as the key {name}"
                )
            if task_name == GRID_TASK and name not in GRID_PARAMETERS:
                raise SpecError(
                    f"{at.format(name)}: unknown parameter {name!r} for the grid task; "
                    f"expected some of {', '.join(GRID_PARAMETERS)}"
                )
        params = {name: _normalized(at.format(name), value) for name, value in params.items()}
        if task_name == GRID_TASK:
            _check_world(params, at)
        else:
            _check_factory(task_name, params, at)
        for combo in itertools.product(*population.values()):
            full = params | dict(zip(population, combo, strict=True))
            checked.append(tuple(sorted(full.items())))
    if len(set(checked)) != len(checked):
        raise SpecError("the grid or runs give the same parameters twice; each run must differ")
    total = len(checked) * len(replicates)
    document = {
        "task": task_name,
        "grid": grid and {k: list(_values(k, v)) for k, v in grid.items()},
        "runs": runs and [dict(r) for r in runs],
        "seeds": list(replicates),
        "agents": population["agents"],
        "steps": population["steps"],
        "engine": population["engine"],
        "seed": seed,
        "shards": shards,
        "limit": limit,
        "total_runs": total,
    }
    return SweepSpec(task_name, tuple(checked), replicates, seed, shards, limit, document)


def spec_from_mapping(document: object) -> SweepSpec:
    """A spec from a parsed YAML/JSON document (unknown keys refused by name)."""
    if not isinstance(document, Mapping):
        raise SpecError(f"the spec must be a mapping of keys ({', '.join(SPEC_KEYS)}), got {document!r}")
    unknown = [k for k in document if k not in SPEC_KEYS]
    if unknown:
        raise SpecError(f"unknown key {unknown[0]!r} in the spec; expected some of {', '.join(SPEC_KEYS)}")
    return build_spec(**dict(document))


def load_task(task: str) -> Callable | None:
    """The factory a task names (``package.module:function``), or None for the built-in grid."""
    if task == GRID_TASK:
        return None
    module_name, _, function = task.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise SpecError(f"task {task!r}: cannot import module {module_name!r} ({error})") from None
    factory = getattr(module, function, None)
    if not callable(factory):
        raise SpecError(f"task {task!r}: module {module_name!r} has no function {function!r}")
    return factory


def _task_name(task: object) -> str:
    if isinstance(task, str):
        if task != GRID_TASK and (":" not in task or not all(task.partition(":")[::2])):
            raise SpecError(
                f"task must be {GRID_TASK!r} or 'package.module:function' (a factory), got {task!r}"
            )
        load_task(task)
        return task
    if callable(task):
        name = f"{getattr(task, '__module__', '')}:{getattr(task, '__qualname__', '')}"
        try:
            pickle.dumps(task)
        except Exception as error:
            raise SpecError(
                f"task {name!r} must be picklable (a module-level function or functools.partial of one) "
                f"so that workers can run it: {error}"
            ) from None
        if "<" in name or load_task(name) is not task:
            raise SpecError(f"task {name!r} must be importable as 'package.module:function' by the workers")
        return name
    raise SpecError(f"task must be {GRID_TASK!r}, 'package.module:function' or a factory, got {task!r}")


def _values(name: str, value: object) -> list:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise SpecError(f"{name} must hold at least one value, got an empty list")
    return values


def _replicates(seeds: object) -> tuple[int, ...]:
    if isinstance(seeds, list | tuple):
        values = tuple(_int("seeds[...]", s, low=0) for s in seeds)
        if not values or len(set(values)) != len(values):
            raise SpecError(f"seeds must be a count or a non-empty list of distinct ints >= 0, got {seeds!r}")
        return values
    return tuple(range(_int("seeds", seeds, low=1)))


def _int(name: str, value: object, *, low: int) -> int:
    try:
        return check_int(name, value, low=low)
    except (TypeError, ValueError) as error:
        raise SpecError(str(error)) from None


def _engine(value: object, task: str) -> str:
    from explorer.population import BACKENDS
    from explorer.population.engine import MODEL_ENGINES

    try:
        return check_choice("engine", value, BACKENDS if task == GRID_TASK else ("auto", *MODEL_ENGINES))
    except ValueError as error:
        raise SpecError(f"{error} (for task {task!r})") from None


def _normalized(name: str, value: object) -> object:
    """A JSON-friendly copy of ``value`` (lists for sequences; numpy scalars as Python ones)."""
    if isinstance(value, (list, tuple)):
        return [_normalized(name, v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise SpecError(
        f"{name} must be a number, text, or a list of them, got {value!r} ({type(value).__name__})"
    )


def _check_factory(task: str, params: dict, at: str) -> None:
    """Call the factory with the parameters, so that an unknown name or a bad value is refused now."""
    import inspect

    factory = load_task(task)
    try:
        accepted = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        accepted = None
    if accepted is not None and not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        for name in params:
            if name not in accepted:
                raise SpecError(
                    f"{at.format(name)}: unknown parameter {name!r} for task {task!r}; expected some of "
                    f"{', '.join(accepted)}"
                )
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    try:
        built = factory(**kwargs)
    except (TypeError, ValueError, MemoryError) as error:
        names = [k for k in params if re.search(rf"\b{k}\b", str(error))]
        where = at.format(names[0] if names else ", ".join(params)) if params else f"task {task!r}"
        raise SpecError(f"{where}: {error}") from None
    if not hasattr(built, "model") or not callable(getattr(built, "environment", None)):
        raise SpecError(
            f"task {task!r} must return a task (an object with model and environment(n, seed=...), as "
            f"explorer.tasks.tmaze does), got {type(built).__name__}"
        )


def _check_world(params: dict, at: str) -> None:
    """Build the GridWorld the parameters name, so that a bad value is refused now, naming its key."""
    from explorer.world import GridWorld

    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    try:
        GridWorld(**kwargs)
    except (TypeError, ValueError, MemoryError) as error:
        names = [k for k in params if re.search(rf"\b{k}\b", str(error))]
        raise SpecError(f"{at.format(names[0] if names else ', '.join(params))}: {error}") from None
