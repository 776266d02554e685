"""``python -m explorer readme``: the README's headline figures (the newest reference record) and the
throughput table (its committed record), in the README and the docs."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``readme`` sub-command's parser."""
    readme = commands.add_parser(
        "readme",
        help="regenerate the README's table of headline figures from the newest reference history record",
        description="Rewrite the table between the README's markers from the newest record in data/history/ "
        "(the reference machine's, not local/), and the lanes engine's paragraph from the newest full "
        "report's record, atomically; everything else in the README is kept.",
    )
    readme.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when the table is not the record's"
    )
    return readme


def run(args: argparse.Namespace) -> int:
    """Rewrite the tables (or with ``--check`` only compare them: 1 when one differs): the headline
    figures from the newest reference record, the throughput table from ``data/throughput_table.json``."""
    from explorer.measure.reading.throughput import RECORD, stale_tables, write_tables
    from explorer.readme import README, current_table, lanes_text, readme_lanes, readme_table, update_readme

    if args.check:
        text = README.read_text(encoding="utf-8")
        current = readme_table(text) == current_table() and readme_lanes(text) in (None, lanes_text())
        print(f"readme: the table {'matches' if current else 'does not match'} the newest reference record")
        stale = stale_tables()
        for path in stale:
            print(f"readme: the throughput table in {path.name} does not match {RECORD.name}")
        return 0 if current and not stale else 1
    changed = update_readme()
    print(f"readme: {'rewrote' if changed else 'already current:'} the table in {README.name}")
    for path in write_tables():
        print(f"readme: rewrote the throughput table in {path.name} from {RECORD.name}")
    return 0
