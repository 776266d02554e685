"""The eager explorer agent (before): importing this module imports pymdp, and ``__init__``
builds the model and the pymdp agent up front, as the seed project did.
"""

from __future__ import annotations

from explorer.agents import ExplorerAgent
from explorer.legacy import build_legacy_agent
from explorer.model import build_model
from explorer.world import GridWorld


class EagerExplorerAgent(ExplorerAgent):
    """Same interface and behaviour as :class:`ExplorerAgent`; pays every cost at spawn."""

    __slots__ = ()

    def __init__(self, agent_id: int, name: str, world: GridWorld | None = None) -> None:
        super().__init__(agent_id, name, world)
        self._pymdp = build_legacy_agent(build_model(self.world))
