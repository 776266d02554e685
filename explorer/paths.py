"""Where explorer reads and writes, resolved from the package, never from the working directory.

nbval starts kernels in ``notebooks/`` and the CLI may run anywhere; every path comes from here.
The checkout is the package's parent folder (the project installs editable: ``pip install -e``).
"""

from __future__ import annotations

from pathlib import Path

#: The repository root: the folder holding ``explorer/``, ``notebooks/`` and ``data/``.
ROOT = Path(__file__).resolve().parent.parent
#: Small committed baselines (results measured once and kept for comparison).
DATA_DIR = ROOT / "data"
#: Results that the notebooks and ``python -m explorer bench`` generate (git-ignored).
RESULTS_DIR = DATA_DIR / "results"
#: The curated notebooks, in reading order.
NOTEBOOKS_DIR = ROOT / "notebooks"
#: Default output folder of ``python -m explorer report`` (git-ignored).
REPORTS_DIR = ROOT / "reports"
