"""Which modules a statement loads, counted in a fresh interpreter: for budgets and the heavy packages."""

from __future__ import annotations

import os
from pathlib import Path

from explorer.measure.harness.cold import ChildFailed, run_child
from explorer.paths import ROOT

#: The packages ``import explorer`` must not load until something uses them.
HEAVY = ("numpy", "pymdp", "jax", "scipy", "seaborn", "matplotlib", "pandas")

#: Runs ``setup`` (not counted), then ``statement``, and prints the modules it added and where
#: ``explorer`` was imported from.
_CHILD = """\
import sys
{setup}
_before = set(sys.modules)
{statement}
_loaded = sorted(set(sys.modules) - _before)
import explorer, json
print(json.dumps({{"loaded": _loaded, "explorer": explorer.__file__}}))
"""


def modules_loaded(statement: str, *, root: str | os.PathLike[str] = ROOT, setup: str = "") -> list[str]:
    """Modules a fresh interpreter started in ``root`` loads running ``statement`` (beyond ``pass``)
    after ``setup`` (whose modules are not counted).

    ``root`` is the checkout whose ``explorer`` is imported (a patched copy, in the budgets' tests).
    """
    try:
        data = run_child(_CHILD.format(setup=setup, statement=statement), timeout=120, cwd=root).data
    except ChildFailed as error:
        raise RuntimeError(f"statement {statement!r} failed in a fresh interpreter: {error}") from None
    expected = Path(root).resolve() / "explorer" / "__init__.py"
    if Path(data["explorer"]).resolve() != expected:
        raise RuntimeError(f"the child imported explorer from {data['explorer']}, not from {root}")
    return data["loaded"]


def packages_loaded(statement: str, packages: tuple[str, ...] = HEAVY) -> list[str]:
    """The top-level ``packages`` a fresh interpreter has loaded once it has run ``statement``."""
    return sorted({name.split(".")[0] for name in modules_loaded(statement)} & set(packages))
