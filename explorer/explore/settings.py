"""What the explorer notebook's controls describe: a world, a population and a run, checked up front."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from explorer.checks import check_choice, check_int
from explorer.world import GridWorld

#: Largest side the notebook offers: a population's model is dense (side**4 floats), and a heatmap
#: of more cells than this is unreadable anyway.
MAX_SIDE = 15
#: Most agents the notebook runs in a population (the numpy engine steps 10,000 in milliseconds).
MAX_AGENTS = 20_000
#: Most steps in an episode or a population run.
MAX_STEPS = 200


def engines() -> tuple[str, ...]:
    """The engines ``explorer.Population`` offers (its ``backend`` choices), in its own order."""
    import explorer.population as population

    return tuple(getattr(population, "BACKENDS", ("numpy",)))


def parse_walls(text: str, side: int) -> tuple[int, ...]:
    """Wall cells typed as state numbers or ``row,col`` pairs, separated by spaces or semicolons.

    ``"6 7 12"`` and ``"1,1; 1,2"`` both work on a grid of ``side``; returns sorted state numbers.
    """
    if not isinstance(text, str):
        raise TypeError(f"walls must be a str, got {text!r} ({type(text).__name__})")
    side = check_int("side", side, low=2)
    cells = set()
    for token in re.split(r"[;\s]+", text.strip()):
        if not token:
            continue
        if not re.fullmatch(r"\d+|\d+,\d+", token):
            raise ValueError(
                f"walls must be state numbers or row,col pairs separated by spaces or ';', got {token!r}"
            )
        if "," in token:
            row, col = (int(x) for x in token.split(","))
            if not (row < side and col < side):
                raise ValueError(f"walls must lie on the {side}x{side} grid, got row,col {token!r}")
            cells.add(row * side + col)
        else:
            cells.add(check_int("walls[...]", int(token), low=0, high=side * side))
    return tuple(sorted(cells))


@dataclass(frozen=True)
class Settings:
    """Every control of the explorer notebook; ``world()`` builds (and so checks) the world."""

    side: int = 6
    walls: tuple[int, ...] = (8, 14, 20, 21, 22)
    obs_noise: float = 0.1
    start: int = 0
    goal: int | None = None
    agents: int = 2000
    engine: str | None = None  # explorer.Population's first (default) backend
    steps: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("side", self.side, low=2, high=MAX_SIDE + 1)
        check_int("agents", self.agents, low=1, high=MAX_AGENTS + 1)
        check_int("steps", self.steps, low=1, high=MAX_STEPS + 1)
        check_int("seed", self.seed, low=0, high=2**32)  # run_episode's (numpy's) seeds
        if self.engine is None:
            object.__setattr__(self, "engine", engines()[0])
        check_choice("engine", self.engine, engines())
        if not isinstance(self.walls, tuple):
            object.__setattr__(self, "walls", tuple(self.walls))
        self.world()  # walls, start, goal and noise are checked by GridWorld itself

    def world(self) -> GridWorld:
        """The grid world these settings describe."""
        return GridWorld(self.side, self.walls, self.start, self.goal, self.obs_noise)

    @property
    def goal_state(self) -> int:
        """The goal as a state number (the last cell when ``goal`` is None)."""
        return self.side * self.side - 1 if self.goal is None else self.goal

    def with_walls_text(self, text: str) -> Settings:
        """These settings with the walls typed in ``text`` (see :func:`parse_walls`)."""
        return replace(self, walls=parse_walls(text, self.side))

    def toggled_wall(self, state: int) -> Settings:
        """These settings with a wall added at ``state``, or removed if one is there."""
        state = check_int("state", state, low=0, high=self.side * self.side)
        walls = set(self.walls) ^ {state}
        return replace(self, walls=tuple(sorted(walls)))

    def resized(self, side: int) -> Settings:
        """These settings on a grid of ``side``: walls, start and goal kept where they still fit.

        A cell keeps its ``(row, col)``; cells off the new grid are dropped, the start falls back
        to the top-left corner and the goal to the bottom-right one.
        """
        side = check_int("side", side, low=2, high=MAX_SIDE + 1)

        def moved(state: int) -> int | None:
            row, col = divmod(state, self.side)
            return row * side + col if row < side and col < side else None

        start = moved(self.start)
        goal = moved(self.goal_state)
        start = 0 if start is None else start
        goal = side * side - 1 if goal is None or goal == start else goal
        walls = {w for w in map(moved, self.walls) if w is not None} - {start, goal}
        try:
            return replace(self, side=side, start=start, goal=goal, walls=tuple(sorted(walls)))
        except ValueError:  # the kept walls cut the goal off: an open grid of that side instead
            return replace(self, side=side, start=start, goal=goal, walls=())
