"""The programs whose instructions are counted: families of children forked after one shared setup.

A family is one process. Each of its stages runs ``setup`` once, then forks one child per variant
(the amounts of work: N or 2N agents, K or 2K steps), which runs ``work`` with those sizes and
exits at once. Under cachegrind a forked child inherits its parent's counters, so a child's count is
the shared setup (the interpreter's start-up and imports, counted once) plus its own work, and the
difference of two children is the difference of their work. Before its variants each stage forks
twelve children that do nothing: Python's adaptive interpreter settles over the first ten, and the
difference of the last two is what one more fork costs the parent (5,000-30,000 instructions),
subtracted per fork between the two children of a claim (to within about 100 instructions).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from explorer.measure.harness.cachegrind import PROLOGUE

#: Children each stage forks before its variants, doing nothing: the last two differ by one fork's cost.
NULLS = 12


@dataclass(frozen=True)
class Stage:
    """``setup`` once in the parent, then a child per variant running ``work`` with ``sizes`` bound."""

    setup: str
    work: str
    sizes: tuple[str, ...]
    variants: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Family:
    """Stages run one after the other in one process; ``heavy`` when it imports pymdp (minutes of CPU)."""

    name: str
    stages: tuple[Stage, ...]
    heavy: bool = False

    def child(self, stage: int, variant: int) -> int:
        """The index among all the family's children of ``variant`` of ``stage`` (nulls included)."""
        before = sum(NULLS + len(s.variants) for s in self.stages[:stage])
        return before + NULLS + variant

    def null(self, stage: int) -> tuple[int, int]:
        """The indices of ``stage``'s last two children that do nothing."""
        last = self.child(stage, 0) - 1
        return last - 1, last

    def program(self) -> str:
        """The Python source the family's process runs: each stage's setup, then its forks."""
        parts = []
        total = sum(NULLS + len(s.variants) for s in self.stages)
        parts.append(f"import os as _os\n_children = [0] * {total}\n_statuses = [0] * {total}\n")
        index = 0
        for number, stage in enumerate(self.stages):
            variants = ((),) * NULLS + stage.variants
            parts.append(stage.setup)
            parts.append(
                _FORKS.format(
                    n=number, args=", ".join(stage.sizes), work=textwrap.indent(stage.work, "    "),
                    first=index, variants=repr(variants),
                )
            )  # fmt: skip
            index += len(variants)
        parts.append(_REPORT)
        return "\n".join(parts)


# Each child runs its work and leaves with os._exit (no interpreter teardown to count); the parent
# waits for it before the next fork. The lists are allocated before the first fork, so every fork
# costs the parent the same.
_FORKS = """\
def _work_{n}({args}):
{work}
for _i, _sizes in enumerate({variants}, start={first}):
    _pid = _os.fork()
    if _pid == 0:
        try:
            if _sizes:
                _work_{n}(*_sizes)
        except BaseException:
            import traceback
            traceback.print_exc()
            _os._exit(1)
        _os._exit(0)
    _children[_i] = _pid
    _statuses[_i] = _os.waitpid(_pid, 0)[1]
"""
_REPORT = """\
if any(_statuses):
    raise SystemExit(f"a counted child failed: wait statuses {_statuses}")
print(*_children)
"""

#: The floor's import in a checkout of any revision (``compare --counts`` counts BASE in its own checkout):
#: measure/ was grouped by role after the first counted revisions.
_FLOOR_IMPORT = """\
try:
    from explorer.measure.harness.floor import Floor
except ImportError:
    from explorer.measure.floor import Floor
"""
#: Agents in a counted population; spawns, population steps, eager spawns and legacy steps of the
#: smaller variant of each family (the larger ones double one of them).
POPULATION_AGENTS = 1000
SPAWNS, POPULATION_STEPS, EAGER_N, LEGACY_K = 1000, 5, 10, 10


def _doubling(sizes: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """The base variant, then one variant per size with that size doubled."""
    doubled = tuple(tuple(2 * v if i == k else v for i, v in enumerate(sizes)) for k in range(len(sizes)))
    return (sizes, *doubled)


SPAWN_FAMILY = Family(
    "spawns",
    (
        Stage(
            "import gc\ngc.disable()\nfrom explorer.agents import ExplorerAgent\n" + _FLOOR_IMPORT
            + "from explorer.world import GridWorld\nworld = GridWorld()\n",
            # globals: the agents outlive the work, so their deallocation is not counted as spawning
            'global lazy, floor\nlazy = [ExplorerAgent(i, "agent", world) for i in range(lazy_n)]\n'
            'floor = [Floor(i, "agent", world) for i in range(floor_n)]\n',
            ("lazy_n", "floor_n"),
            _doubling((SPAWNS, SPAWNS)),
        ),
    ),
)  # fmt: skip
# the bare interpreter, then one child that imports explorer
IMPORT_FAMILY = Family(
    "import", (Stage("", "if imports:\n    import explorer\n", ("imports",), ((0,), (1,))),)
)


def _populations(name: str, grid: str, engine: str, *, heavy: bool) -> Family:
    """Two populations stepped once in the setup (kernels loaded), then stepped more in the children."""
    setup = PROLOGUE + textwrap.dedent(f"""\
        import gc
        gc.disable()
        import numpy as np
        from explorer import Population
        from explorer.model import build_model
        from explorer.world import GridWorld
        world = GridWorld()
        grid = Population(world, {POPULATION_AGENTS}, backend="{grid}")
        model = Population(build_model(world), {POPULATION_AGENTS}, backend="{engine}")
        observations = np.arange({POPULATION_AGENTS}, dtype=np.intp) % world.n_states
        model_observations = observations.reshape({POPULATION_AGENTS}, 1)
        grid.step(observations)
        model.step(model_observations)
        """)  # fmt: skip
    work = "for _ in range(grid_steps):\n    grid.step(observations)\n"
    work += "for _ in range(model_steps):\n    model.step(model_observations)\n"
    stage = Stage(setup, work, ("grid_steps", "model_steps"), _doubling((POPULATION_STEPS, POPULATION_STEPS)))
    return Family(name, (stage,), heavy=heavy)


NUMPY_FAMILY = _populations("numpy populations", "dense", "numpy", heavy=False)
NUMBA_FAMILY = _populations("numba populations", "sparse", "numba", heavy=False)
# pymdp's legacy agent imports pandas, which loads pyarrow, whose jemalloc starts a thread that wakes
# to purge memory: its instructions depend on time, and a parent's land in the children forked after
# it (the eager spawn read 803,598 and 1,090,879 instructions in two runs). jemalloc reads this
# setting when pyarrow first allocates, after the line below.
_NO_JEMALLOC_THREAD = "import os\nos.environ['JE_ARROW_MALLOC_CONF'] = 'background_thread:false'\n"
# the lazy agent's first step (it imports pymdp) in a child; then, the parent having stepped too,
# eager spawns and a legacy agent's steps
PYMDP_FAMILY = Family(
    "pymdp agents",
    (
        Stage(
            PROLOGUE + _NO_JEMALLOC_THREAD + "import gc\ngc.disable()\nimport explorer\n"
            'agent = explorer.ExplorerAgent(0, "first")\n',
            "if first:\n    agent.step(0)\n",
            ("first",),
            ((0,), (1,)),
        ),
        Stage(
            "agent.step(0)\nfrom explorer.eager import EagerExplorerAgent\nfrom explorer.legacy import "
            "legacy_step\nworld = agent.world\n",
            "global agents, legacy\n"
            'agents = [EagerExplorerAgent(i, "agent", world) for i in range(eager)]\n'
            "legacy = agents[0]._pymdp\n"
            "for t in range(steps):\n    legacy_step(legacy, t % world.n_states)\n",
            ("eager", "steps"),
            _doubling((EAGER_N, LEGACY_K)),
        ),
    ),
    heavy=True,
)  # fmt: skip
FAMILIES = {f.name: f for f in (SPAWN_FAMILY, IMPORT_FAMILY, NUMPY_FAMILY, NUMBA_FAMILY, PYMDP_FAMILY)}
