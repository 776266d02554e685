"""The grid world the agents explore, in pure Python so that spawning an agent needs no numpy.

States are numbered row-major (``state = row * side + col``); observations are states, blurred
by ``obs_noise`` towards the neighbouring open cells.
"""

from __future__ import annotations

from explorer.checks import check_int

# typing, collections and numbers cost ~20 ms to import here: the spawn path avoids them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import random
    from collections.abc import Iterable

ACTIONS: tuple[str, ...] = ("up", "down", "left", "right", "stay")
#: The largest world accepted (side 1000): its distance table takes about 3 s and 40 MiB to build;
#: far larger sides would run for minutes before any use.
MAX_STATES = 1_000_000
#: Bytes a world holds per state (its distance table: a pointer and an int object), for the memory check.
BYTES_PER_STATE = 48
_OFFSETS: tuple[tuple[int, int], ...] = ((-1, 0), (1, 0), (0, -1), (0, 1), (0, 0))


class GridWorld:
    """A ``side`` x ``side`` grid with walls, a start and a goal; immutable and hashable.

    Moving into a wall or off the grid stays put. Two worlds with the same parameters are equal,
    so they share one generative model (see :func:`explorer.build_model`).
    """

    __slots__ = ("side", "walls", "start", "goal", "obs_noise", "_distances", "_key")

    side: int
    walls: frozenset[int]
    start: int
    goal: int
    obs_noise: float

    def __init__(
        self,
        side: int = 5,
        walls: Iterable[int] = (),
        start: int = 0,
        goal: int | None = None,
        obs_noise: float = 0.0,
    ) -> None:
        side = check_int("side", side, low=2)
        n_states = side * side
        if n_states > MAX_STATES:
            raise ValueError(
                f"side must give at most {MAX_STATES:,} states (side <= {int(MAX_STATES**0.5)}), got "
                f"side={side} ({n_states:,} states): its distance table alone would take minutes to build"
            )
        if n_states > 4096:
            from explorer.limits import check_memory

            check_memory(BYTES_PER_STATE * n_states, f"GridWorld(side={side}) ({n_states:,} states)")
        if isinstance(walls, (str, bytes)) or not hasattr(walls, "__iter__") or hasattr(walls, "mask"):
            raise TypeError(f"walls must be an iterable of state indices (not masked), got {walls!r}")
        wall_set = frozenset(check_int("walls[...]", w, low=0, high=n_states) for w in walls)
        start = check_int("start", start, low=0, high=n_states)
        goal = n_states - 1 if goal is None else check_int("goal", goal, low=0, high=n_states)
        if start in wall_set:
            raise ValueError(f"start must not be on a wall, got start={start} with walls {sorted(wall_set)}")
        if goal in wall_set:
            raise ValueError(f"goal must not be on a wall, got goal={goal} with walls {sorted(wall_set)}")
        noise = _real("obs_noise", obs_noise)
        if not 0.0 <= noise < 1.0:
            raise ValueError(f"obs_noise must be in [0, 1), got {obs_noise!r}")
        setter = object.__setattr__
        setter(self, "side", side)
        setter(self, "walls", wall_set)
        setter(self, "start", start)
        setter(self, "goal", goal)
        setter(self, "obs_noise", noise)
        setter(self, "_key", (side, tuple(sorted(wall_set)), start, goal, noise))
        setter(self, "_distances", self._shortest_paths_to_goal())
        if self._distances[start] is None:
            raise ValueError(
                f"goal={goal} cannot be reached from start={start}: walls {sorted(wall_set)} cut it off"
            )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"GridWorld is immutable: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GridWorld) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        walls = tuple(sorted(self.walls))
        return (
            f"GridWorld(side={self.side}, walls={walls}, start={self.start}, "
            f"goal={self.goal}, obs_noise={self.obs_noise})"
        )

    def __reduce__(self) -> tuple:
        return (GridWorld, (self.side, tuple(sorted(self.walls)), self.start, self.goal, self.obs_noise))

    @property
    def n_states(self) -> int:
        """Number of states (and of observations): every cell, walls included."""
        return self.side * self.side

    def coords(self, state: int) -> tuple[int, int]:
        """The ``(row, col)`` of ``state``."""
        state = check_int("state", state, low=0, high=self.n_states)
        return divmod(state, self.side)

    def move(self, state: int, action: int | str) -> int:
        """The state reached by taking ``action`` (an index into ``ACTIONS`` or its name) in ``state``."""
        state = check_int("state", state, low=0, high=self.n_states)
        return self._move(state, action_index(action))

    def neighbours(self, state: int) -> tuple[int, ...]:
        """Open cells one move away from ``state`` (up, down, left, right order)."""
        state = check_int("state", state, low=0, high=self.n_states)
        found = []
        for action in range(4):
            nxt = self._move(state, action)
            if nxt != state:
                found.append(nxt)
        return tuple(found)

    def observation_probabilities(self, state: int) -> dict[int, float]:
        """``P(o | state)``: the true cell with ``1 - obs_noise``, the rest shared by open neighbours.

        The generative model's ``A`` column for ``state`` is this distribution, so the world and the
        agents' model agree exactly.
        """
        state = check_int("state", state, low=0, high=self.n_states)
        near = self.neighbours(state) if state not in self.walls else ()
        if self.obs_noise == 0.0 or not near:
            return {state: 1.0}
        probs = {state: 1.0 - self.obs_noise}
        for n in near:
            probs[n] = self.obs_noise / len(near)
        return probs

    def observe(self, state: int, rng: random.Random | None = None) -> int:
        """An observation of ``state``: the state itself without noise, else a draw from ``rng``."""
        probs = self.observation_probabilities(state)
        if len(probs) == 1:
            return state
        if rng is None:
            raise ValueError("rng must be a random.Random when obs_noise > 0, got None")
        return rng.choices(list(probs), weights=list(probs.values()))[0]

    def distance_to_goal(self, state: int) -> int | None:
        """Fewest moves from ``state`` to the goal, or None for walls and cells cut off from it."""
        state = check_int("state", state, low=0, high=self.n_states)
        return self._distances[state]

    def is_goal(self, state: int) -> bool:
        """Whether ``state`` is the goal."""
        return state == self.goal

    def _move(self, state: int, action: int) -> int:
        row, col = divmod(state, self.side)
        d_row, d_col = _OFFSETS[action]
        row, col = row + d_row, col + d_col
        if not (0 <= row < self.side and 0 <= col < self.side):
            return state
        nxt = row * self.side + col
        return state if nxt in self.walls else nxt

    def _shortest_paths_to_goal(self) -> tuple[int | None, ...]:
        # Moves are symmetric, so a breadth-first search from the goal gives every cell's distance.
        side, walls = self.side, self.walls
        distances: list[int | None] = [None] * self.n_states
        distances[self.goal] = 0
        frontier = [self.goal]
        distance = 0
        while frontier:
            distance += 1
            next_frontier = []
            for cell in frontier:
                col = cell % side
                for nxt in (
                    cell - side if cell >= side else -1,
                    cell + side,
                    cell - 1 if col > 0 else -1,
                    cell + 1 if col < side - 1 else -1,
                ):
                    if 0 <= nxt < len(distances) and distances[nxt] is None and nxt not in walls:
                        distances[nxt] = distance
                        next_frontier.append(nxt)
            frontier = next_frontier
        return tuple(distances)


def action_index(action: int | str) -> int:
    """The index in ``ACTIONS`` of ``action``, given as an index or a name; raises if unknown."""
    if isinstance(action, str):
        if action not in ACTIONS:
            raise ValueError(
                f"action must be one of {ACTIONS} or an index 0-{len(ACTIONS) - 1}, got {action!r}"
            )
        return ACTIONS.index(action)
    return check_int("action", action, low=0, high=len(ACTIONS))


def _real(name: str, value: object) -> float:
    """``value`` as a float if it is a real number (numpy's included; bools, texts, arrays refused)."""
    refused = (
        isinstance(value, (bool, str, bytes))
        or not hasattr(type(value), "__float__")
        or hasattr(value, "mask")
        or getattr(getattr(value, "dtype", None), "kind", "f") == "b"
    )
    if not refused:
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{name} must be a real number in [0, 1), got {value!r} ({type(value).__name__})")
