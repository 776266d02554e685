"""pytest set-up shared by tests/ and the nbval run of notebooks/."""

import os
from pathlib import Path

from explorer.measure.results.run_ids import RUN_ENV, new_run_id

SANITIZE = Path(__file__).resolve().parent / "notebooks" / "sanitize.cfg"
#: Notebook 06 reads this made-up history under pytest, so that its compared outputs are deterministic.
FIXTURE_HISTORY = Path(__file__).resolve().parent / "tests" / "fixtures" / "history"


def pytest_configure(config):
    # nbval reads the sanitize file relative to the working directory; give it an absolute path
    # so that `pytest` behaves the same from any folder.
    if getattr(config.option, "nbval", False) and not config.option.nbval_sanitize_with:
        config.option.nbval_sanitize_with = str(SANITIZE)
    # nbval's kernels inherit the environment: notebook 06 plots the fixture history, not data/history
    os.environ["EXPLORER_HISTORY_DIR"] = str(FIXTURE_HISTORY)
    # nbval runs each notebook in its own kernel, in file order, with no parameters injected: the
    # kernels inherit this variable, so the notebooks of one pytest session save one run and the
    # summary (07) reads only that run's results (explorer.measure.results.run_files).
    os.environ.setdefault(RUN_ENV, new_run_id())
