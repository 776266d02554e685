"""Which heavy packages a statement loads, checked in a fresh interpreter."""

from __future__ import annotations

from explorer.measure.harness.cold import run_child

#: The packages ``import explorer`` must not load until something uses them.
HEAVY = ("numpy", "pymdp", "jax", "scipy", "seaborn", "matplotlib", "pandas")

_PROBE = """\
{statement}
import json, sys
print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))
"""


def packages_loaded(statement: str, packages: tuple[str, ...] = HEAVY) -> list[str]:
    """The top-level ``packages`` present in ``sys.modules`` after a fresh interpreter runs ``statement``."""
    loaded, _, _ = run_child(_PROBE.format(statement=statement))
    return sorted(set(loaded) & set(packages))
