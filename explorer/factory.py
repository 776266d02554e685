"""The front door for one agent: :func:`create_agent` picks the lazy class or the eager one.

It sits above both agent modules (the eager agent is a lazy agent built at spawn), so neither
imports the other's way back; the eager module, which imports pymdp, loads only when asked for.
"""

from __future__ import annotations

from explorer.agents import ExplorerAgent
from explorer.world import GridWorld


def create_agent(
    agent_id: int, name: str, *, world: GridWorld | None = None, eager: bool = False
) -> ExplorerAgent:
    """A lazy agent, or with ``eager=True`` one that builds everything up front."""
    if eager.__class__ is not bool:
        raise TypeError(f"eager must be a bool, got {eager!r} ({type(eager).__name__})")
    if eager:
        from explorer.eager import EagerExplorerAgent

        return EagerExplorerAgent(agent_id, name, world)
    return ExplorerAgent(agent_id, name, world)
