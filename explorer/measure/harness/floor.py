"""The physical floor for spawn and memory: a bare ``__slots__`` object with an agent's fields.

Kept free of imports so that a fresh measuring process can load it without loading anything else.
"""


class Floor:
    """Stores ``agent_id``, ``name`` and ``world`` and nothing more: what spawning cannot beat."""

    __slots__ = ("agent_id", "name", "world")

    def __init__(self, agent_id, name, world) -> None:
        self.agent_id = agent_id
        self.name = name
        self.world = world


class ModelFloor:
    """Stores ``model`` and an empty slot, as :class:`explorer.LazyAgent` does: the floor of its spawn."""

    __slots__ = ("model", "_pymdp")

    def __init__(self, model) -> None:
        self.model = model
        self._pymdp = None
