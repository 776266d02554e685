"""What an instrument measures agents of: a grid world (the default), any Model, or a Model's factory.

Every instrument that takes ``world`` takes any of these; fresh processes get what rebuilds the subject
there: a grid world's ``repr``, a factory's import path, or (a bare Model, no factory known) a pickle
file, which only a warm worker may read (a cold child must rebuild its model from a factory).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from explorer.measure.harness import factories
from explorer.world import GridWorld


@dataclass(frozen=True, eq=False)
class Subject:
    """The resolved subject: ``agents_of`` is the world or the model agents are built from."""

    agents_of: object
    path: str | None = None

    @property
    def is_model(self) -> bool:
        """Whether agents are ``explorer.LazyAgent``/``EagerAgent`` of a Model (not the grid's agents)."""
        return not isinstance(self.agents_of, GridWorld)

    @property
    def name(self) -> str:
        """The subject's title: the factory's module and function (``mymodel.build``), or the grid's repr."""
        if self.path is not None:
            return factories.name_of(self.path)
        return repr(self.agents_of)

    @contextlib.contextmanager
    def child_argument(self) -> Iterator[str]:
        """Text a worker process turns back into the subject with :func:`from_argument`, valid inside the
        ``with`` block: a bare Model's pickle file is removed when the block ends (read it before)."""
        if not self.is_model:
            yield repr(self.agents_of)
            return
        if self.path is not None:
            yield self.path
            return
        with tempfile.NamedTemporaryFile(
            "wb", prefix="explorer-model-", suffix=".pickle", delete=False
        ) as file:
            try:
                pickle.dump(self.agents_of, file)
            except BaseException:
                file.close()
                os.unlink(file.name)
                raise
        try:
            yield f"pickle:{file.name}"
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(file.name)

    def lazy_agent(self) -> object:
        """One lazy agent of the subject, not yet stepped: the grid's ``ExplorerAgent`` or a ``LazyAgent``."""
        if not self.is_model:
            from explorer.agents import ExplorerAgent

            return ExplorerAgent(0, "scout", self.agents_of)
        from explorer.pomdp.lazy import LazyAgent

        return LazyAgent(self.agents_of)

    def observation(self, grid_default: int = 0) -> object:
        """An observation every agent can take: outcome 0 of every modality (a grid: ``grid_default``)."""
        if not self.is_model:
            return grid_default
        return tuple([0] * self.agents_of.n_modalities)


def subject(world: object = None) -> Subject:
    """``world`` resolved: None (today's 5x5 world), a GridWorld, a Model, a factory or its path."""
    from explorer.pomdp.model import Model

    if world is None:
        return Subject(GridWorld())
    if isinstance(world, (GridWorld, Model)):
        return Subject(world)
    if isinstance(world, str):
        return Subject(factories.build(world), world)
    if callable(world):
        path = f"{getattr(world, '__module__', '')}:{getattr(world, '__qualname__', '')}"
        if factories.PATTERN.match(path):
            return Subject(factories.build(path), path)
        model = world()
        if not isinstance(model, Model):
            raise TypeError(f"world's factory returned {type(model).__name__}, expected an explorer.Model")
        return Subject(model)
    raise TypeError(
        "world must be a GridWorld, an explorer.Model, a function of no arguments returning one, or its "
        f"'package.module:function' path, got {world!r} ({type(world).__name__})"
    )


def from_argument(text: str) -> object:
    """The world or model :meth:`Subject.child_argument` wrote (in a worker process)."""
    if text.startswith("pickle:"):
        with open(text.removeprefix("pickle:"), "rb") as file:
            return pickle.load(file)
    if ":" in text and not text.startswith("GridWorld("):
        return factories.build(text)
    return eval(text, {"GridWorld": GridWorld})
