"""The eager agent for any model: importing this module imports pymdp; spawning builds pymdp's agent."""

from __future__ import annotations

from explorer.legacy import build_legacy_agent
from explorer.pomdp.lazy import LazyAgent
from explorer.pomdp.model import Model


class EagerAgent(LazyAgent):
    """Same interface and behaviour as :class:`~explorer.pomdp.lazy.LazyAgent`; pays every cost at spawn."""

    __slots__ = ()

    def __init__(self, model: Model) -> None:
        super().__init__(model)
        self._pymdp = build_legacy_agent(model)
