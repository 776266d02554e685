"""The lazy explorer agent (after): spawning stores what it is given; the first step builds.

Nothing here imports numpy or pymdp at module import; the first ``step`` pays for them.
"""

from __future__ import annotations

from explorer.checks import check_instance
from explorer.world import GridWorld

TYPE_CHECKING = False  # typing itself costs ~20 ms to import; the spawn path avoids it
if TYPE_CHECKING:
    import numpy as np

#: The world an agent explores when none is given: a 5x5 open grid, start 0, goal 24.
DEFAULT_WORLD = GridWorld()

#: Lifecycle recorder set by explorer.monitor.enable_lifecycle_events (None: disabled, one check).
_lifecycle = None


class ExplorerAgent:
    """An active-inference agent in a grid world that defers every cost to its first step.

    ``step`` runs pymdp's legacy agent (``infer_states``, ``infer_policies``, ``sample_action``)
    on the world's shared generative model, built or fetched from the cache on first use.
    """

    __slots__ = ("agent_id", "name", "world", "_pymdp")

    def __init__(self, agent_id: int, name: str, world: GridWorld | None = None) -> None:
        if agent_id.__class__ is not int:
            agent_id = _agent_id(agent_id)  # numpy integers too; never bools
        if agent_id < 0:
            raise _bad_agent_id(agent_id)
        if name.__class__ is not str:
            raise TypeError(f"name must be a str, got {name!r} ({type(name).__name__})")
        if world is None:
            world = DEFAULT_WORLD
        elif world.__class__ is not GridWorld:
            check_instance("world", world, GridWorld, "a GridWorld or None")
        self.agent_id = agent_id
        self.name = name
        self.world = world
        self._pymdp = None
        if _lifecycle is not None:
            _lifecycle("spawned", self)

    def __repr__(self) -> str:
        state = "ready" if self.is_ready else "not built"
        return f"{type(self).__name__}(agent_id={self.agent_id}, name={self.name!r}, {state})"

    @property
    def is_ready(self) -> bool:
        """Whether the pymdp agent has been built (always, for the eager agent)."""
        return self._pymdp is not None

    def step(self, observation: int) -> int:
        """Take ``observation`` (a state index), update beliefs, and return an action index."""
        if observation.__class__ is not int:
            from explorer.checks import check_int

            observation = check_int("observation", observation, low=0, high=self.world.n_states)
        elif not 0 <= observation < self.world.n_states:
            raise ValueError(
                f"observation must be an int in [0, {self.world.n_states - 1}], got {observation!r}"
            )
        from explorer.legacy import legacy_step

        return legacy_step(self._ready_agent(), observation)

    @property
    def beliefs(self) -> np.ndarray:
        """Posterior over states, shape ``(states,)``: uniform, as in pymdp, before the first step."""
        if self._pymdp is None:
            import numpy as np

            return np.ones(self.world.n_states) / self.world.n_states
        from explorer.legacy import legacy_beliefs

        return legacy_beliefs(self._pymdp)

    @property
    def policy_posterior(self) -> np.ndarray:
        """Posterior over the one-step policies (one per action); uniform before the first step."""
        if self._pymdp is None:
            import numpy as np

            from explorer.world import ACTIONS

            return np.ones(len(ACTIONS)) / len(ACTIONS)
        from explorer.legacy import legacy_policy_posterior

        return legacy_policy_posterior(self._pymdp)

    def reset(self) -> None:
        """Forget the episode: beliefs back to before the first observation; the model is kept."""
        if self._pymdp is not None:
            from explorer.legacy import legacy_reset

            legacy_reset(self._pymdp)
        if _lifecycle is not None:
            _lifecycle("reset", self)

    def _ready_agent(self):
        if self._pymdp is None:
            from explorer.legacy import build_legacy_agent
            from explorer.model import build_model

            self._pymdp = build_legacy_agent(build_model(self.world))
            if _lifecycle is not None:
                _lifecycle("first_step", self)
        return self._pymdp


def _agent_id(agent_id: object) -> int:
    from explorer.checks import check_int

    try:
        return check_int("agent_id", agent_id)
    except TypeError:
        raise _bad_agent_id(agent_id) from None


def _bad_agent_id(agent_id: object) -> Exception:
    if isinstance(agent_id, int) and not isinstance(agent_id, bool):
        return ValueError(f"agent_id must be an int >= 0, got {agent_id!r}")
    return TypeError(f"agent_id must be an int >= 0, got {agent_id!r} ({type(agent_id).__name__})")
