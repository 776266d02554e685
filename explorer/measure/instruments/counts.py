"""Instructions executed per spawn, per import, per step: the figures that machine load cannot move.

Each claim is the difference between two fresh processes counted by cachegrind that differ only in
the amount of work (N vs 2N agents, K vs 2K steps; ``pass`` vs ``import explorer``), divided by that
work, so that the interpreter's start-up and imports cancel. In the fixed setting of
:mod:`explorer.measure.harness.cachegrind` (hash seed 0, one thread, gc disabled in the program,
numpy's global generator seeded from fixed entropy) every count is identical on every run, so a
change of 1% is a change of the code, never noise (docs/methodology.md#instruction-counts,
#where-counts-mislead). Before counting, every program runs once natively in the same setting: .pyc
files are written and numba's on-disk cache is filled there, not counted. Programs share processes
where the difference design allows: a family's base program serves each of its claims.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from explorer.checks import check_int
from explorer.measure.harness.cachegrind import (
    ENVIRONMENT,
    PROLOGUE,
    ProcessCount,
    count_process,
    run_native,
    valgrind_version,
)
from explorer.paths import ROOT

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pandas as pd

METHOD = "cachegrind Ir, difference of two fresh processes"
UNIT = "instructions"


@dataclass(frozen=True)
class Claim:
    """One counted claim: ``large`` does ``units`` more of the work (a ``per``) than ``small``."""

    name: str
    label: str
    variant: str
    stage: str
    small: str
    large: str
    units: int
    per: str
    #: True when the programs import pymdp's legacy agent or numba (25-60 s of CPU each under Valgrind,
    #: against 2-6 s for the others): pytest counts these only when asked (tests/test_measure_counts.py)
    heavy: bool = False


#: The floor's import in a checkout of any revision (``compare --counts`` counts BASE in its own checkout):
#: measure/ was grouped by role after the first counted revisions. Every program of the family imports it.
_FLOOR_IMPORT = """\
try:
    from explorer.measure.harness.floor import Floor
except ImportError:
    from explorer.measure.floor import Floor"""
_SPAWNS = (
    """\
import gc
gc.disable()
from explorer.agents import ExplorerAgent
"""
    + _FLOOR_IMPORT
    + """
from explorer.world import GridWorld
world = GridWorld()
lazy = [ExplorerAgent(i, "agent", world) for i in range({lazy})]
floor = [Floor(i, "agent", world) for i in range({floor})]
"""
)
# two populations stepped in one program: the dense grid engine, then a Model's engine ({engine})
_POPULATIONS = (
    PROLOGUE
    + """\
import gc
gc.disable()
import numpy as np
from explorer import Population
from explorer.model import build_model
from explorer.world import GridWorld
world = GridWorld()
grid = Population(world, {agents}, backend="{grid}")
model = Population(build_model(world), {agents}, backend="{engine}")
observations = np.arange({agents}, dtype=np.intp) % world.n_states
model_observations = observations.reshape({agents}, 1)
for _ in range({grid_steps}):
    grid.step(observations)
for _ in range({model_steps}):
    model.step(model_observations)
"""
)
# the lazy agent's first step (it imports pymdp), then eager spawns and a legacy agent's steps
_LAZY = PROLOGUE + 'import gc\ngc.disable()\nimport explorer\nagent = explorer.ExplorerAgent(0, "first")\n'
_FIRST_STEP = _LAZY + "agent.step(0)\n"
_LEGACY = (
    _FIRST_STEP
    + """\
from explorer.eager import EagerExplorerAgent
from explorer.legacy import legacy_step
world = agent.world
agents = [EagerExplorerAgent(i, "agent", world) for i in range({eager})]
legacy = agents[0]._pymdp
for t in range({steps}):
    legacy_step(legacy, t % world.n_states)
"""
)
#: Agents in a counted population; spawns, population steps, eager spawns and legacy steps in the
#: smaller program of each family (the larger one doubles one of them).
POPULATION_AGENTS = 1000
SPAWNS, POPULATION_STEPS, EAGER_N, LEGACY_K = 1000, 5, 10, 10


def _family(template: str, sizes: dict[str, int], **fields: object) -> tuple[str, dict[str, str]]:
    """A program family: the base program (every size) and, per size, the program with that size doubled.

    Each claim of a family is the difference of its doubled program and the shared base: three
    processes give two claims where two pairs would take four.
    """
    base = template.format(**sizes, **fields)
    return base, {k: template.format(**(sizes | {k: 2 * v}), **fields) for k, v in sizes.items()}


_SPAWN_BASE, _SPAWN_DOUBLED = _family(_SPAWNS, {"lazy": SPAWNS, "floor": SPAWNS})
_NUMPY_BASE, _NUMPY_DOUBLED = _family(
    _POPULATIONS, {"grid_steps": POPULATION_STEPS, "model_steps": POPULATION_STEPS},
    agents=POPULATION_AGENTS, grid="dense", engine="numpy",
)  # fmt: skip
_NUMBA_BASE, _NUMBA_DOUBLED = _family(
    _POPULATIONS, {"grid_steps": POPULATION_STEPS, "model_steps": POPULATION_STEPS},
    agents=POPULATION_AGENTS, grid="sparse", engine="numba",
)  # fmt: skip
_LEGACY_BASE, _LEGACY_DOUBLED = _family(_LEGACY, {"eager": EAGER_N, "steps": LEGACY_K})
_STEPPED = POPULATION_STEPS * POPULATION_AGENTS

#: Every claim, by name. Sizes are small: the per-unit count is the same at any size that repeats
#: the same code path, and every Valgrind second counts in CI.
CLAIMS: dict[str, Claim] = {
    c.name: c
    for c in (
        Claim("spawn_lazy", "lazy spawn, per agent (constructor in a list, gc off)", "lazy", "constructor",
              _SPAWN_BASE, _SPAWN_DOUBLED["lazy"], SPAWNS, "spawn"),
        Claim("spawn_floor", "floor spawn, per agent (bare __slots__ object)", "floor", "constructor",
              _SPAWN_BASE, _SPAWN_DOUBLED["floor"], SPAWNS, "spawn"),
        Claim("import_explorer", "import explorer, above python -c pass", "lazy", "import", "pass",
              "import explorer", 1, "import"),
        Claim("population_step_dense", "population step, dense numpy engine, per agent-step",
              "population_dense", "steady", _NUMPY_BASE, _NUMPY_DOUBLED["grid_steps"], _STEPPED,
              "agent-step"),
        Claim("population_step_model_numpy", "population of any Model, numpy engine (grid model), per "
              "agent-step", "population_model_numpy", "steady", _NUMPY_BASE, _NUMPY_DOUBLED["model_steps"],
              _STEPPED, "agent-step"),
        Claim("population_step_sparse", "population step, sparse numba engine, per agent-step",
              "population_sparse", "steady", _NUMBA_BASE, _NUMBA_DOUBLED["grid_steps"], _STEPPED,
              "agent-step", heavy=True),
        Claim("population_step_model_numba", "population of any Model, numba engine (grid model), per "
              "agent-step", "population_model_numba", "steady", _NUMBA_BASE, _NUMBA_DOUBLED["model_steps"],
              _STEPPED, "agent-step", heavy=True),
        Claim("first_step_lazy", "the lazy agent's first step (imports pymdp, builds, steps)", "lazy",
              "first_step", _LAZY, _FIRST_STEP, 1, "first step", heavy=True),
        Claim("spawn_eager", "eager spawn, per agent (builds pymdp's Agent)", "eager", "constructor",
              _LEGACY_BASE, _LEGACY_DOUBLED["eager"], EAGER_N, "spawn", heavy=True),
        Claim("step_legacy", "pymdp legacy agent step, per agent-step", "pymdp_legacy", "steady",
              _LEGACY_BASE, _LEGACY_DOUBLED["steps"], LEGACY_K, "agent-step", heavy=True),
    )
}  # fmt: skip
#: Ratios of two claims' counts, reported beside them: name -> (numerator, denominator).
RATIOS = {"spawn_lazy_over_floor": ("spawn_lazy", "spawn_floor")}


def check_claims(names: object) -> tuple[str, ...]:
    """``names`` as a tuple of claim names (None: all); raises naming the known ones."""
    if names is None:
        return tuple(CLAIMS)
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"claims must be a list of claim names, got {names!r}")
    unknown = [n for n in names if n not in CLAIMS]
    if unknown or not names:
        raise ValueError(f"claims must name some of {tuple(CLAIMS)}, got {list(names)!r}")
    return tuple(dict.fromkeys(names))


def count_programs(
    programs: list[str],
    *,
    root: Path = ROOT,
    python: str | None = None,
    cache_sim: bool = False,
    jobs: int = 2,
) -> dict[str, ProcessCount | Exception]:
    """Each distinct program warmed natively, then counted under cachegrind, ``jobs`` processes at a time.

    A program that fails maps to its exception (its claims become failed rows).
    """
    jobs = check_int("jobs", jobs, low=1)
    python = python or sys.executable
    with counting_folder(Path(root)) as folder:
        return _count_in(programs, folder=folder, python=python, cache_sim=cache_sim, jobs=jobs)


@contextmanager
def counting_folder(root: Path) -> Iterator[Path]:
    """A new folder holding only a link to ``root``'s ``explorer``: the processes start there.

    ``python -c`` lists the folder it starts in when it imports ``explorer``; from the checkout itself
    the count of ``import explorer`` moved by thousands of instructions with whatever else lay there
    (``docs/``, caches, reports), so the count would depend on the checkout, not on the code.
    """
    folder = Path(tempfile.mkdtemp(prefix="explorer-counts-"))
    try:
        (folder / "explorer").symlink_to((root / "explorer").resolve(), target_is_directory=True)
        yield folder
    finally:
        (folder / "explorer").unlink(missing_ok=True)
        folder.rmdir()


def _count_in(
    programs: list[str], *, folder: Path, python: str, cache_sim: bool, jobs: int
) -> dict[str, ProcessCount | Exception]:
    """:func:`count_programs` with the processes started in ``folder``."""
    distinct = list(dict.fromkeys(programs))
    results: dict[str, ProcessCount | Exception] = {}

    def warm(code: str) -> None:
        try:
            run_native(code, python=python, cwd=folder)
        except Exception as exc:
            results[code] = exc

    def count(code: str) -> None:
        if code in results:
            return
        try:
            results[code] = count_process(code, python=python, cwd=folder, cache_sim=cache_sim)
        except Exception as exc:
            results[code] = exc

    # numba's cache is filled by the first warm-up that compiles: one at a time, then counted in parallel
    for code in distinct:
        warm(code)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(count, sorted(distinct, key=len, reverse=True)))
    return results


def instruction_counts(
    claims: object = None,
    *,
    root: Path = ROOT,
    python: str | None = None,
    cache_sim: bool = False,
    jobs: int = 2,
) -> pd.DataFrame:
    """Instructions per unit of work for each claim (and ``ll_misses`` rows with ``cache_sim``).

    ``root`` is the checkout whose ``explorer`` is counted (``python -c`` imports it from there);
    ``jobs`` counted processes run at a time. One row per claim and figure, the standard columns
    (median = min = max = the exact count per unit, repeats 1) plus ``claim``, ``per``,
    ``small_total`` and ``large_total``; ratio rows (:data:`RATIOS`) have unit ``x``.
    """
    from explorer.measure.harness.cachegrind import CACHES
    from explorer.measure.results.metadata import machine_metadata
    from explorer.measure.results.stats import failed, frame, summarize

    names = check_claims(claims)
    root = Path(root)
    if not (root / "explorer" / "__init__.py").is_file():
        raise ValueError(f"root must be a checkout holding explorer/, got {str(root)!r}")
    chosen = [CLAIMS[n] for n in names]
    results = count_programs(
        [p for c in chosen for p in (c.small, c.large)],
        root=root,
        python=python,
        cache_sim=cache_sim,
        jobs=jobs,
    )
    rows, per_unit = [], {}
    figures = [("instructions", UNIT, "instructions")] + ([("ll_misses", "misses", "ll_misses")] * cache_sim)
    for claim in chosen:
        small, large = results[claim.small], results[claim.large]
        note = f"per {claim.per}: ({claim.large!r} - {claim.small!r}) / {claim.units}"
        for metric, unit, attribute in figures:
            common = {"metric": metric, "variant": claim.variant, "n": claim.units, "unit": unit}
            common |= {"method": METHOD, "stage": claim.stage, "note": note}
            extra = {"claim": claim.name, "per": claim.per}
            error = next((r for r in (small, large) if isinstance(r, Exception)), None)
            if error is not None:
                rows.append(failed(**common, repeats=1, error=f"{type(error).__name__}: {error}") | extra)
                continue
            totals = getattr(small, attribute), getattr(large, attribute)
            value = (totals[1] - totals[0]) / claim.units
            if metric == "instructions":
                per_unit[claim.name] = value
            rows.append(
                summarize([value], **common) | extra | {"small_total": totals[0], "large_total": totals[1]}
            )
    for name, (top, bottom) in RATIOS.items():
        if top in per_unit and bottom in per_unit:
            row = summarize(
                [per_unit[top] / per_unit[bottom]], metric="instructions_ratio", variant=top.split("_")[-1],
                n=CLAIMS[top].units, unit="x", method=METHOD, stage=CLAIMS[top].stage,
                note=f"{top} / {bottom}",
            )  # fmt: skip
            rows.append(row | {"claim": name, "per": CLAIMS[top].per})
    metadata = machine_metadata() | {
        "valgrind": valgrind_version(),
        "counted_environment": dict(ENVIRONMENT),
        "cache_simulation": list(CACHES) if cache_sim else "off",
        "counted_root": str(root.resolve()),
    }
    return frame(rows, metadata)
