"""The environment of a task for ``n`` agents at once: numpy only, seeded, drawing from the task's process."""

from __future__ import annotations

import numpy as np

from explorer.checks import check_int


class Environment:
    """``n`` independent copies of a task's world, stepped together.

    ``reset()`` draws every agent's first hidden state from the process's ``D`` and returns its
    observations, ``(n, n_modalities)`` ints; ``step(actions)`` takes ``(n, n_factors)`` ints (a
    ``(n,)`` array when the task has one factor), moves every agent by the process's ``B`` and returns
    the new observations, drawn from its ``A``. All draws come from one ``numpy.random.Generator``
    seeded with ``seed``. ``states`` is the true hidden state of each agent; ``first_visits`` the step
    at which each event (``"goal"``, ...) first held (-1: not yet), the reset being step 0.
    """

    def __init__(self, task: object, n: int, *, seed: int | None = 0) -> None:
        self.n = check_int("n", n, low=1)
        if seed is not None:
            seed = check_int("seed", seed, low=0)
        self.task = task
        self.process = task.process
        self.rng = np.random.default_rng(seed)
        self.t = -1
        self._states = np.zeros((self.n, len(self.process.B)), dtype=np.intp)
        self._first = {name: np.full(self.n, -1) for name in task.events}

    @property
    def n_factors(self) -> int:
        """Hidden-state factors of the process."""
        return len(self.process.B)

    @property
    def n_modalities(self) -> int:
        """Observation modalities of the process."""
        return len(self.process.A)

    def reset(self) -> np.ndarray:
        """Draw every agent's first state from ``D``; returns its observations ``(n, n_modalities)``."""
        for f, d in enumerate(self.process.D):
            self._states[:, f] = _draw(np.broadcast_to(d, (self.n, len(d))), self.rng)
        self.t = 0
        for first in self._first.values():
            first[:] = -1
        self._record()
        return self._observe()

    def step(self, actions: object) -> np.ndarray:
        """Move every agent by its actions ``(n, n_factors)``; returns the next observations."""
        if self.t < 0:
            raise RuntimeError("step() needs reset() first: the agents have no state yet")
        actions = self._check_actions(actions)
        for f, b in enumerate(self.process.B):
            self._states[:, f] = _draw(b[:, self._states[:, f], actions[:, f]].T, self.rng)
        self.t += 1
        self._record()
        return self._observe()

    @property
    def states(self) -> np.ndarray:
        """A copy of every agent's true hidden state, ``(n, n_factors)``."""
        return self._states.copy()

    def at(self, event: str) -> np.ndarray:
        """Whether each agent's state is now in ``event`` (a name of ``task.events``), ``(n,)`` bool."""
        return self.task.events[event][tuple(self._states.T)]

    @property
    def at_goal(self) -> np.ndarray:
        """Whether each agent is at the goal now, ``(n,)`` bool."""
        return self.at("goal")

    @property
    def first_visits(self) -> dict[str, np.ndarray]:
        """Per event, the step at which each agent first entered it (0: at reset; -1: never)."""
        return {name: first.copy() for name, first in self._first.items()}

    @property
    def succeeded(self) -> np.ndarray:
        """Whether each agent has reached the goal, and before any failure (a wrong arm), ``(n,)`` bool."""
        goal = self._first["goal"]
        done = goal >= 0
        failure = self._first.get("failure")
        if failure is not None:
            done &= (failure < 0) | (failure > goal)
        return done

    def _record(self) -> None:
        for name, first in self._first.items():
            first[(first < 0) & self.at(name)] = self.t

    def _observe(self) -> np.ndarray:
        index = tuple(self._states.T)
        observations = np.empty((self.n, self.n_modalities), dtype=np.intp)
        for m, a in enumerate(self.process.A):
            observations[:, m] = _draw(a[(slice(None), *index)].T, self.rng)
        return observations

    def _check_actions(self, actions: object) -> np.ndarray:
        if isinstance(actions, np.ma.MaskedArray):
            raise TypeError(
                "actions must be a plain int array, got a masked array (its mask would be ignored)"
            )
        try:
            array = np.asarray(actions)
        except (TypeError, ValueError):  # ragged lists
            raise TypeError(f"actions must be an int array of shape ({self.n}, {self.n_factors})") from None
        if array.dtype.kind not in "iu":
            raise TypeError(f"actions must be integers, got dtype {array.dtype}")
        if array.ndim == 1 and self.n_factors == 1:
            array = array[:, None]
        if array.shape != (self.n, self.n_factors):
            raise ValueError(
                f"actions must have shape ({self.n}, {self.n_factors}), one per agent and factor, "
                f"got shape {array.shape}"
            )
        for f, count in enumerate(self.process.n_controls):
            bad = np.flatnonzero((array[:, f] < 0) | (array[:, f] >= count))
            if bad.size:
                raise ValueError(
                    f"actions[:, {f}] must be in [0, {count - 1}], got {int(array[bad[0], f])} "
                    f"for agent {int(bad[0])}"
                )
        return array


def _draw(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of ``probabilities`` ``(n, k)``: inverse-CDF draws, never a zero-mass one."""
    cdf = np.cumsum(probabilities, axis=1)
    # u in (0, total]: a draw lands in (cdf[j-1], cdf[j]], which is empty for a category of mass 0
    u = (1.0 - rng.random(len(cdf))) * cdf[:, -1]
    return np.minimum(np.count_nonzero(cdf < u[:, None], axis=1), cdf.shape[1] - 1)
