"""explorer: active-inference agents in a grid world, and honest measurements of their cost.

``import explorer`` loads nothing heavy: every public name is imported on first access
(PEP 562), so numpy, pymdp, jax, matplotlib and pandas arrive only when something needs them.
"""

__version__ = "0.2.0"

# name -> submodule that defines it
_EXPORTS = {
    "ACTIONS": "explorer.world",
    "GridWorld": "explorer.world",
    "GenerativeModel": "explorer.model",
    "build_model": "explorer.model",
    "Model": "explorer.pomdp.model",
    "LazyAgent": "explorer.pomdp.lazy",
    "EagerAgent": "explorer.pomdp.eager",
    "ExplorerAgent": "explorer.agents",
    "create_agent": "explorer.factory",
    "EagerExplorerAgent": "explorer.eager",
    "Population": "explorer.population",
    "Trajectory": "explorer.episode",
    "run_episode": "explorer.episode",
    "measure": "explorer.measure",
    "behaviour": "explorer.behaviour",
    "tasks": "explorer.tasks",
    "sweep": "explorer.sweeps",
    "units": "explorer.units",
    "performance_monitor": "explorer.monitor",
    "call_durations": "explorer.monitor",
    "lifecycle_events": "explorer.monitor",
    "enable_lifecycle_events": "explorer.monitor",
    "disable_lifecycle_events": "explorer.monitor",
    "clear_monitor": "explorer.monitor",
}

__all__ = sorted(_EXPORTS)

TYPE_CHECKING = False  # importing typing costs ~20 ms here, twice a bare interpreter's start-up
if TYPE_CHECKING:
    from explorer import behaviour, measure, tasks, units
    from explorer.agents import ExplorerAgent
    from explorer.eager import EagerExplorerAgent
    from explorer.episode import Trajectory, run_episode
    from explorer.factory import create_agent
    from explorer.model import GenerativeModel, build_model
    from explorer.monitor import (
        call_durations,
        clear_monitor,
        disable_lifecycle_events,
        enable_lifecycle_events,
        lifecycle_events,
        performance_monitor,
    )
    from explorer.pomdp.eager import EagerAgent
    from explorer.pomdp.lazy import LazyAgent
    from explorer.pomdp.model import Model
    from explorer.population import Population
    from explorer.sweeps import sweep
    from explorer.world import ACTIONS, GridWorld


def __getattr__(name: str):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(module_name)
    value = module if module_name == f"{__name__}.{name}" else getattr(module, name)  # a subpackage
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
