"""The variants compared by every measurement, in one registry so that adding one is one call.

A variant says how to spawn ``n`` agents in a world (timed and weighed in process), how to step
them, and which statement binds its agent class in a fresh process (cold starts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from explorer.world import GridWorld


@dataclass(frozen=True)
class Variant:
    """One way of making agents: ``spawn(n, world)`` returns a handle on ``n`` agents.

    ``step(handle, observation)`` steps every agent once (None for the floor, which cannot act);
    ``cold_import`` is a statement that binds ``Agent`` (called as ``Agent(agent_id, name, world)``)
    in a fresh interpreter; ``label`` says what the variant is, for tables. ``world`` may be any
    ``explorer.Model`` instead of a grid world: ``model_cold_import`` then binds ``Agent`` for the model
    its factory ``{path}`` rebuilds in the fresh process ("" when the variant has no agents of a Model).
    """

    name: str
    spawn: Callable[[int, GridWorld], object]
    step: Callable[[object, int], list] | None
    cold_import: str
    label: str
    model_cold_import: str = ""


def agents_of(
    load_class: Callable[[], type], load_model_class: Callable[[], type] | None = None
) -> Callable[[int, GridWorld], list]:
    """A spawn function building ``n`` instances ``cls(i, "agent", world)`` in a list; for a Model
    (``world`` not a grid world), ``n`` instances ``model_cls(model)`` of ``load_model_class()``."""

    def spawn(n: int, world: GridWorld) -> list:
        if load_model_class is not None and world is not None and not isinstance(world, GridWorld):
            model_cls = load_model_class()
            return [model_cls(world) for _ in range(n)]
        cls = load_class()  # resolved before the loop, so the loop times the constructor alone
        return [cls(i, "agent", world) for i in range(n)]

    return spawn


def step_each(agents: list, observation: int) -> list:
    """Step every agent in ``agents`` once on ``observation``; returns their actions."""
    return [agent.step(observation) for agent in agents]


def _eager_class() -> type:
    from explorer.eager import EagerExplorerAgent

    return EagerExplorerAgent


def _lazy_class() -> type:
    from explorer.agents import ExplorerAgent

    return ExplorerAgent


def _lazy_model_class() -> type:
    from explorer.pomdp.lazy import LazyAgent

    return LazyAgent


def _eager_model_class() -> type:
    from explorer.pomdp.eager import EagerAgent

    return EagerAgent


#: Binds ``Agent`` in a fresh process for the model a factory ``{path}`` builds there (timed as import).
_MODEL_AGENT = """\
from explorer import {cls} as _Agent
from explorer.measure.harness import factories as _factories
_model = _factories.build({path!r})
def Agent(agent_id, name, world):
    return _Agent(_model)"""


def _floor_class() -> type:
    from explorer.measure.harness.floor import Floor

    return Floor


#: name -> variant; :func:`register_variant` adds one (e.g. the population).
VARIANTS: dict[str, Variant] = {}


def register_variant(variant: Variant) -> Variant:
    """Add ``variant`` to ``VARIANTS`` (replacing one of the same name) and return it."""
    if not isinstance(variant, Variant):
        raise TypeError(f"variant must be a Variant, got {variant!r} ({type(variant).__name__})")
    VARIANTS[variant.name] = variant
    return variant


def get_variant(name: str) -> Variant:
    """The registered variant called ``name``; raises naming the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"variant must be one of {tuple(VARIANTS)}, got {name!r}") from None


def cold_import_of(name: str, subject: object) -> str:
    """The statement binding ``Agent`` in a fresh process for variant ``name`` and a resolved subject
    (:class:`explorer.measure.harness.subjects.Subject`); a Model needs its factory's path, rebuilt there."""
    variant = get_variant(name)
    if not subject.is_model:
        return variant.cold_import
    if not variant.model_cold_import:
        raise ValueError(f"variant {name!r} has no agents of an explorer.Model")
    if subject.path is None:
        raise TypeError(
            "a fresh process must rebuild the model from its factory: give world as a function of no "
            "arguments returning the Model (importable), or its 'package.module:function' path"
        )
    return variant.model_cold_import.format(path=subject.path)


def check_variants(names: object) -> tuple[str, ...]:
    """``names`` as a tuple of registered variant names; raises on anything else."""
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"variants must be a tuple of variant names, got {names!r}")
    names = tuple(names)
    if not names:
        raise ValueError("variants must name at least one variant, got none")
    for name in names:
        get_variant(name)
    return names


register_variant(
    Variant(
        "eager",
        agents_of(_eager_class, _eager_model_class),
        step_each,
        "from explorer.eager import EagerExplorerAgent as Agent",
        "EagerExplorerAgent: builds the model and pymdp's Agent at spawn (before); EagerAgent for a Model",
        _MODEL_AGENT.replace("{cls}", "EagerAgent"),
    )
)
register_variant(
    Variant(
        "lazy",
        agents_of(_lazy_class, _lazy_model_class),
        step_each,
        "from explorer import ExplorerAgent as Agent",
        "ExplorerAgent: stores its fields at spawn, builds at its first step (after); LazyAgent for a Model",
        _MODEL_AGENT.replace("{cls}", "LazyAgent"),
    )
)
register_variant(
    Variant(
        "floor",
        agents_of(_floor_class),
        None,
        "from explorer.measure.harness.floor import Floor as Agent",
        "bare __slots__ object with the same three fields (the physical floor)",
        "from explorer.measure.harness.floor import Floor as Agent",
    )
)


def model_agents_of(load_class: Callable[[], type]) -> Callable[[int, GridWorld], list]:
    """A spawn function building ``n`` instances ``cls(model)`` on the world's ``explorer.Model``."""

    def spawn(n: int, world: GridWorld) -> list:
        from explorer.model import build_model

        cls, model = load_class(), build_model(world)  # resolved before the loop: it times the constructor
        return [cls(model) for _ in range(n)]

    return spawn


def _lazy_model_class() -> type:
    from explorer.pomdp.lazy import LazyAgent

    return LazyAgent


def _model_floor_class() -> type:
    from explorer.measure.harness.floor import ModelFloor

    return ModelFloor


#: A cold statement binding ``Agent(agent_id, name, world)`` to a LazyAgent on the world's model.
_LAZY_MODEL_COLD = (
    "from explorer import GridWorld, LazyAgent, build_model\n"
    "def Agent(agent_id, name, world):\n"
    "    return LazyAgent(build_model(world or GridWorld()))"
)
register_variant(
    Variant(
        "lazy_model",
        model_agents_of(_lazy_model_class),
        step_each,
        _LAZY_MODEL_COLD,
        "LazyAgent(model): stores the model at spawn, builds pymdp's Agent at its first step",
    )
)
register_variant(
    Variant(
        "floor_model",
        model_agents_of(_model_floor_class),
        None,
        "from explorer.measure.harness.floor import ModelFloor\n"
        "def Agent(agent_id, name, world):\n"
        "    return ModelFloor(world)",
        "bare __slots__ object with LazyAgent's two fields (its physical floor)",
    )
)


def _spawn_population(n: int, world: GridWorld) -> object:
    from explorer.population import Population

    # ties drawn from numpy's global RNG as legacy agents draw them: the same actions as theirs
    return Population(world, n, legacy_ties=True)


def _step_population(population, observation: int) -> list:
    import numpy as np

    if population.model is not None:  # a Model: one row of outcomes (one per modality) per agent
        rows = np.tile(np.asarray(observation, dtype=np.intp), (len(population), 1))
        return [tuple(actions) for actions in population.step(rows).tolist()]
    return population.step(np.full(len(population), observation)).tolist()


register_variant(
    Variant(
        "population",
        _spawn_population,
        _step_population,
        # one agent as a population of one: import + spawn + first step of the default engine
        "from explorer.population import Population\n"
        "from explorer.world import GridWorld\n"
        "class Agent:\n"
        "    def __init__(self, agent_id, name, world):\n"
        "        self.population = Population(world or GridWorld(), 1, legacy_ties=True)\n"
        "    def step(self, observation):\n"
        "        return int(self.population.step([observation])[0])",
        "Population (default engine, auto): n agents as arrays, stepped at once",
        "from explorer.population import Population\n"
        "from explorer.measure.harness import factories\n"
        "_model = factories.build({path!r})\n"
        "class Agent:\n"
        "    def __init__(self, agent_id, name, world):\n"
        "        self.population = Population(_model, 1, legacy_rng=True)\n"
        "    def step(self, observation):\n"
        "        return tuple(self.population.step([observation])[0].tolist())",
    )
)
