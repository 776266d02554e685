"""``python -m explorer readme``: the README's table of headline figures, from the newest reference record."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``readme`` sub-command's parser."""
    readme = commands.add_parser(
        "readme",
        help="regenerate the README's table of headline figures from the newest reference history record",
        description="Rewrite the table between the README's markers from the newest record in data/history/ "
        "(the reference machine's, not local/), atomically; everything else in the README is kept.",
    )
    readme.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when the table is not the record's"
    )
    return readme


def run(args: argparse.Namespace) -> int:
    """Rewrite the table (or with ``--check`` only compare it: 1 when it differs)."""
    from explorer.readme import README, current_table, readme_table, update_readme

    if args.check:
        current = readme_table(README.read_text(encoding="utf-8")) == current_table()
        print(f"readme: the table {'matches' if current else 'does not match'} the newest reference record")
        return 0 if current else 1
    changed = update_readme()
    print(f"readme: {'rewrote' if changed else 'already current:'} the table in {README.name}")
    return 0
