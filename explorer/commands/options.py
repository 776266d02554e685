"""What several commands share: the ``--model`` option and argument types with clear messages."""

from __future__ import annotations

import argparse
import sys

#: ``--model``'s help, shared by bench, compare and report.
MODEL_HELP = (
    "measure agents of your own explorer.Model: a function of no arguments returning it, as "
    "package.module:function, imported from the current directory or an installed package"
)


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """``--model MODULE:FUNCTION``, as bench, compare and report take it."""
    parser.add_argument("--model", metavar="MODULE:FUNCTION", default=None, help=MODEL_HELP)


def checked_model(path: str, command: str) -> bool:
    """Whether ``--model path`` builds a Model; if not, says why on stderr: the factory's traceback once
    (the researcher's frames, without explorer's and importlib's), then one line naming the factory."""
    from explorer.measure.harness.factories import FactoryFailed, FactoryNotFound, build, researcher_traceback

    try:
        build(path)
    except FactoryNotFound as error:
        print(f"{command}: --model: {error}", file=sys.stderr)
        return False
    except FactoryFailed as error:
        cause = error.__cause__
        print(researcher_traceback(cause), end="", file=sys.stderr)
        print(
            f"{command}: --model: the model factory {error.path!r} failed with the {type(cause).__name__} "
            "above; nothing was measured",
            file=sys.stderr,
        )
        return False
    return True


def positive_int(text: str) -> int:
    """An argument type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def port(text: str) -> int:
    """An argument type: a TCP port number."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return value
