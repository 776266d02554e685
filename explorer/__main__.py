"""Command line: python -m explorer demo | bench | compare | report | sweep | lab | docs | readme (--help).

Each command is a module of :mod:`explorer.commands` with ``add_parser(commands)`` and ``run(args)``.
"""

from __future__ import annotations

import argparse
import sys

from explorer.commands import bench, compare, demo, docs, lab, readme, report, sweep

#: The commands, in the order ``--help`` lists them.
COMMANDS = (demo, bench, compare, report, sweep, lab, docs, readme)

#: What ``python -m explorer --help`` says first (plain text: it is read in a terminal).
DESCRIPTION = """\
explorer measures how fast and how lean active-inference agents are: an eager agent (imports
pymdp and builds its model at spawn) beside a lazy one (spawning stores three fields; the first
step pays), each figure measured, with its spread, on this machine."""

#: What ``python -m explorer --help`` says last.
EPILOG = """\
Run it with the Python of the virtual environment you installed into, from the repository:
  .venv/bin/python -m explorer demo       a few seconds
  .venv/bin/python -m explorer report     about 6 minutes on 2 idle cores (--quick: about 4)
  .venv/bin/python -m explorer lab        JupyterLab on notebooks/, 00_explore open to explore
Each command has its own help: .venv/bin/python -m explorer bench --help"""


#: The optional dependencies (pyproject.toml's extras) each command needs beyond the core install.
EXTRAS = {"bench": "measure", "compare": "measure", "report": "report", "sweep": "sweep", "docs": "docs"}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="python -m explorer",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands).set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except ModuleNotFoundError as error:
        extra, package = EXTRAS.get(args.command), (error.name or "").partition(".")[0]
        if extra is None or package in ("", "explorer"):
            raise
        print(
            f"{args.command} needs {package}, from the optional dependencies [{extra}]: "
            f".venv/bin/pip install -e '.[{extra}]' (or '.[dev]' for every command and the tests)",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        from explorer.files import WriteFailed

        if not isinstance(error, WriteFailed):
            raise
        print(f"{args.command}: {error}", file=sys.stderr)  # one line: the path, why, where the data is
        return 2


if __name__ == "__main__":
    sys.exit(main())
