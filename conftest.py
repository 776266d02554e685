"""pytest set-up shared by tests/ and the nbval run of notebooks/."""

from pathlib import Path

SANITIZE = Path(__file__).resolve().parent / "notebooks" / "sanitize.cfg"


def pytest_configure(config):
    # nbval reads the sanitize file relative to the working directory; give it an absolute path
    # so that `pytest` behaves the same from any folder.
    if getattr(config.option, "nbval", False) and not config.option.nbval_sanitize_with:
        config.option.nbval_sanitize_with = str(SANITIZE)
