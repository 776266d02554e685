"""Instructions executed per spawn, per import, per step: the figures that machine load cannot move.

Each claim is the difference between two children of one counted process that differ only in the
amount of work (N vs 2N agents, K vs 2K steps; nothing vs ``import explorer``), divided by that work:
forked after a shared setup, the children share the interpreter's start-up and imports, which
cancel (:mod:`explorer.measure.instruments.counted_programs`). In the fixed setting of
:mod:`explorer.measure.harness.cachegrind` (hash seed 0, one thread, gc disabled in the program,
numpy's global generator seeded from fixed entropy, a private environment that pip cannot change
under the count) a count repeats on every run (the numba engines' to within a few hundred
instructions in 5,000 agent-steps: their worker thread's handshakes), so a change of 1% is a change
of the code, never noise (docs/methodology.md#instruction-counts, #where-counts-mislead). Before
counting, every program runs once natively in the same setting: .pyc files are written and numba's
on-disk cache is filled there, not counted.
"""

from __future__ import annotations

import shutil
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
    ProcessCount,
    count_children,
    count_process,
    environment,
    run_native,
    valgrind_version,
)
from explorer.measure.harness.private_venv import private_venv
from explorer.measure.instruments.counted_programs import (
    EAGER_N,
    IMPORT_FAMILY,
    LEGACY_K,
    NUMBA_FAMILY,
    NUMPY_FAMILY,
    POPULATION_AGENTS,
    POPULATION_STEPS,
    PYMDP_FAMILY,
    SPAWN_FAMILY,
    SPAWNS,
    Family,
)
from explorer.paths import ROOT

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pandas as pd

METHOD = "cachegrind Ir, difference of two children forked after a shared setup"
UNIT = "instructions"


@dataclass(frozen=True)
class Claim:
    """One counted claim: child ``large`` of ``family`` does ``units`` more of the work than ``small``.

    ``small`` and ``large`` are (stage, variant) of the family's children (see
    :mod:`explorer.measure.instruments.counted_programs`).
    """

    name: str
    label: str
    variant: str
    stage: str
    family: Family
    small: tuple[int, int]
    large: tuple[int, int]
    units: int
    per: str

    @property
    def heavy(self) -> bool:
        """True when its family imports pymdp (7 billion instructions: minutes of CPU under Valgrind)."""
        return self.family.heavy


_STEPPED = POPULATION_STEPS * POPULATION_AGENTS
_SPAWNS, _IMPORT, _NUMPY, _NUMBA, _PYMDP = (
    SPAWN_FAMILY, IMPORT_FAMILY, NUMPY_FAMILY, NUMBA_FAMILY, PYMDP_FAMILY
)  # fmt: skip

#: Every claim, by name. Sizes are small: the per-unit count is the same at any size that repeats
#: the same code path, and every Valgrind second counts in CI.
CLAIMS: dict[str, Claim] = {
    c.name: c
    for c in (
        Claim("spawn_lazy", "lazy spawn, per agent (constructor in a list, gc off)", "lazy", "constructor",
              _SPAWNS, (0, 0), (0, 1), SPAWNS, "spawn"),
        Claim("spawn_floor", "floor spawn, per agent (bare __slots__ object)", "floor", "constructor",
              _SPAWNS, (0, 0), (0, 2), SPAWNS, "spawn"),
        Claim("import_explorer", "import explorer, above a bare interpreter", "lazy", "import", _IMPORT,
              (0, 0), (0, 1), 1, "import"),
        Claim("population_step_dense", "population step, dense numpy engine, per agent-step",
              "population_dense", "steady", _NUMPY, (0, 0), (0, 1), _STEPPED, "agent-step"),
        Claim("population_step_model_numpy", "population of any Model, numpy engine (grid model), per "
              "agent-step", "population_model_numpy", "steady", _NUMPY, (0, 0), (0, 2), _STEPPED,
              "agent-step"),
        Claim("population_step_sparse", "population step, sparse numba engine, per agent-step",
              "population_sparse", "steady", _NUMBA, (0, 0), (0, 1), _STEPPED, "agent-step"),
        Claim("population_step_model_numba", "population of any Model, numba engine (grid model), per "
              "agent-step", "population_model_numba", "steady", _NUMBA, (0, 0), (0, 2), _STEPPED,
              "agent-step"),
        Claim("first_step_lazy", "the lazy agent's first step (imports pymdp, builds, steps)", "lazy",
              "first_step", _PYMDP, (0, 0), (0, 1), 1, "first step"),
        Claim("spawn_eager", "eager spawn, per agent (builds pymdp's Agent)", "eager", "constructor",
              _PYMDP, (1, 0), (1, 1), EAGER_N, "spawn"),
        Claim("step_legacy", "pymdp legacy agent step, per agent-step", "pymdp_legacy", "steady", _PYMDP,
              (1, 0), (1, 2), LEGACY_K, "agent-step"),
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
    forks: bool = False,
) -> dict[str, ProcessCount | list[ProcessCount] | Exception]:
    """Each distinct program warmed natively, then counted under cachegrind, ``jobs`` processes at a time.

    With ``forks`` each program maps to the counts of the children it forks (a family's program);
    otherwise to the count of its whole process. A program that fails maps to its exception (its
    claims become failed rows).
    """
    jobs = check_int("jobs", jobs, low=1)
    python = python or sys.executable
    with counting_folder(Path(root), python) as (folder, counted):
        return _count_in(programs, folder=folder, python=counted, cache_sim=cache_sim, jobs=jobs, forks=forks)


@contextmanager
def counting_folder(root: Path, python: str) -> Iterator[tuple[Path, str]]:
    """A new folder holding only a link to ``root``'s ``explorer``, and the python to count there.

    ``python -c`` lists the folder it starts in when it imports ``explorer``; from the checkout itself
    the count of ``import explorer`` moved by thousands of instructions with whatever else lay there
    (``docs/``, caches, reports), so the count would depend on the checkout, not on the code. The
    python is ``python`` in a private virtual environment beside that folder, seeing ``python``'s
    packages as they were when the folder was made (:mod:`explorer.measure.harness.private_venv`).
    """
    top = _new_folder(Path(tempfile.gettempdir()))
    try:
        counted = private_venv(python, top / "venv", env=environment())
        folder = top / "run"
        folder.mkdir()
        (folder / "explorer").symlink_to((root / "explorer").resolve(), target_is_directory=True)
        yield folder, counted
    finally:
        shutil.rmtree(top)  # removes the links, never what they point to


def _new_folder(parent: Path) -> Path:
    """``parent/explorer-counts-NN``, the first free NN: the same path on every run but concurrent ones.

    The counted processes hash the paths they import from: with a random folder name (``mkdtemp``)
    the count of ``import explorer`` moved by tens of instructions from run to run.
    """
    for slot in range(100):
        folder = parent / f"explorer-counts-{slot:02d}"
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return folder
    raise RuntimeError(f"no free counting folder in {parent}: remove stale explorer-counts-* folders there")


def _count_in(
    programs: list[str], *, folder: Path, python: str, cache_sim: bool, jobs: int, forks: bool
) -> dict[str, ProcessCount | list[ProcessCount] | Exception]:
    """:func:`count_programs` with the processes started in ``folder``."""
    distinct = list(dict.fromkeys(programs))
    results: dict[str, ProcessCount | list[ProcessCount] | Exception] = {}
    counter = count_children if forks else count_process

    def warm(code: str) -> None:
        try:
            run_native(code, python=python, cwd=folder)
        except Exception as exc:
            results[code] = exc

    def count(code: str) -> None:
        if code in results:
            return
        try:
            results[code] = counter(code, python=python, cwd=folder, cache_sim=cache_sim)
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
    families = list(dict.fromkeys(c.family for c in chosen))
    results = count_programs(
        [f.program() for f in families], root=root, python=python, cache_sim=cache_sim, jobs=jobs, forks=True
    )
    rows, per_unit = [], {}
    figures = [("instructions", UNIT, "instructions")] + ([("ll_misses", "misses", "ll_misses")] * cache_sim)
    for claim in chosen:
        children = results[claim.family.program()]
        note = f"per {claim.per}: (child {claim.large} - child {claim.small}) / {claim.units}"
        note += f" in the {claim.family.name} family"
        for metric, unit, attribute in figures:
            common = {"metric": metric, "variant": claim.variant, "n": claim.units, "unit": unit}
            common |= {"method": METHOD, "stage": claim.stage, "note": note}
            extra = {"claim": claim.name, "per": claim.per}
            if isinstance(children, Exception):
                error = f"{type(children).__name__}: {children}"
                rows.append(failed(**common, repeats=1, error=error) | extra)
                continue
            totals = _claim_totals(claim, [getattr(c, attribute) for c in children])
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


def _claim_totals(claim: Claim, counts: list[int]) -> tuple[int, int]:
    """The counts of ``claim``'s small and large children, the large one less the forks between them.

    The parent pays one fork per child; the children forked between the two of a claim add that to
    the larger's count: measured by the stage's two idle children, and taken off.
    """
    family: Family = claim.family
    small, large = family.child(*claim.small), family.child(*claim.large)
    first, second = family.null(claim.small[0])
    per_fork = counts[second] - counts[first]
    return counts[small], counts[large] - (large - small) * per_fork
