"""What a built-in task is: a model for the agents, the true process the environment runs, and its events."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.checks import check_int
from explorer.pomdp.model import Model


@dataclass(frozen=True, eq=False)
class Process:
    """The world's true dynamics, as arrays shaped like a model's: it may differ from the agents' model
    (the grid's true start is one cell when the agents believe it uniform over open cells)."""

    #: one per modality, ``(n_obs[m], *n_states)``: ``P(o_m | s)``
    A: tuple[np.ndarray, ...]
    #: one per factor, ``(n_states[f], n_states[f], n_controls[f])``: ``P(s'_f | s_f, a_f)``
    B: tuple[np.ndarray, ...]
    #: one per factor, ``(n_states[f],)``: the distribution each agent's first state is drawn from
    D: tuple[np.ndarray, ...]

    @property
    def n_states(self) -> tuple[int, ...]:
        """States of each factor."""
        return tuple(b.shape[0] for b in self.B)

    @property
    def n_controls(self) -> tuple[int, ...]:
        """Actions of each factor (1 for an uncontrolled one)."""
        return tuple(b.shape[2] for b in self.B)


@dataclass(frozen=True, eq=False)
class Task:
    """A built-in task: its ``name``, what the agent should do, its ``model`` and the true ``process``.

    ``events`` name boolean tables over the joint hidden states (shape ``process.n_states``): ``"goal"``
    always (where the task is achieved), ``"failure"`` when the task can be failed (a wrong arm), and
    others that behaviour reports (the T-maze's ``"cue"``). ``settings`` are the arguments it was made with.
    """

    name: str
    description: str
    model: Model
    process: Process
    events: dict[str, np.ndarray]
    settings: dict[str, object] = field(default_factory=dict)

    def environment(self, n: int = 1, *, seed: int | None = 0):
        """A fresh environment of ``n`` agents for this task, its draws seeded by ``seed``."""
        from explorer.tasks.environment import Environment

        return Environment(self, n, seed=seed)

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.settings.items())
        return f"tasks.{self.name}({settings})"


def frozen(array: np.ndarray) -> np.ndarray:
    """``array`` as a read-only float64 (or bool) C-contiguous copy."""
    out = np.array(array, dtype=bool if np.asarray(array).dtype == bool else np.float64, order="C")
    out.setflags(write=False)
    return out


def onehot(index: int, size: int) -> np.ndarray:
    """A distribution putting all its mass on ``index``."""
    out = np.zeros(size)
    out[index] = 1.0
    return out


def cells_of(name: str, value: object, n: int) -> tuple[int, ...]:
    """``value`` as a tuple of cell indices in ``[0, n)``, else raise naming ``name``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or hasattr(value, "mask"):
        raise TypeError(f"{name} must be an iterable of cell indices, got {value!r} ({type(value).__name__})")
    return tuple(check_int(f"{name}[...]", cell, low=0, high=n) for cell in value)
