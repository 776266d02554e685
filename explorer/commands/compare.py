"""``python -m explorer compare BASE [HEAD]``: revisions, checkouts or results files, a verdict per metric."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from explorer.commands.options import add_model_option, checked_model


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``compare`` sub-command's parser."""
    compare = commands.add_parser(
        "compare",
        help="before/after: two revisions, checkouts or results files, measured interleaved in one job",
        description="Measure BASE and HEAD (git revisions, checked out in temporary worktrees; checkout "
        "folders; or saved results .json files) interleaved in one job and print, per metric, both "
        "medians with 95% intervals, HEAD/BASE with its interval and a verdict. Exit 1 when a metric "
        "is significantly worse beyond --threshold, 0 otherwise, 2 on bad input. Writes JSON and a "
        "before/after HTML page. Metrics: import_time, spawn_time, step_time, population_throughput, "
        "memory_per_agent, first_action_time (not with --quick); for files, the history's headlines. "
        "With --counts: instructions counted under Valgrind per claim (spawn, import, steps), exact, "
        "so HEAD/BASE has no interval and the default threshold is 1%.",
    )
    compare.add_argument("base", metavar="BASE", help="git revision, checkout folder or results .json file")
    compare.add_argument(
        "head", metavar="HEAD", nargs="?", default=None, help="the same kinds (default: the working tree)"
    )
    compare.add_argument(
        "--only",
        action="append",
        metavar="METRIC",
        help="compare only METRIC (repeatable; names listed on error)",
    )
    compare.add_argument("--quick", action="store_true", help="fewer repeats, no fresh-process first action")
    compare.add_argument(
        "--counts",
        action="store_true",
        help="compare instructions counted under Valgrind (exact; default threshold 1%%) instead of timings; "
        "--only names claims",
    )
    compare.add_argument(
        "--threshold",
        type=fraction,
        default=None,
        help="relative change a verdict needs beyond noise: 0.1 or 10%% (default 10%%; 1%% with --counts)",
    )
    compare.add_argument(
        "--json", type=Path, metavar="PATH", help="JSON (default: data/results/compare.json)"
    )
    compare.add_argument(
        "--html", type=Path, metavar="PATH", help="page (default: data/results/compare.html)"
    )
    compare.add_argument(
        "--venv", action="store_true", help="build a venv for a revision whose dependencies differ (slow)"
    )
    add_model_option(compare)
    return compare


def run(args: argparse.Namespace) -> int:
    """Check, measure (or read) both sides, print the verdicts; 1 on a regression, 2 on bad input."""
    from explorer.compare import CompareInputError, compare, plan
    from explorer.compare.output import table

    if args.model is not None and not checked_model(args.model, "compare"):
        return 2
    try:
        checked = plan(
            args.base,
            args.head,
            only=args.only,
            quick=args.quick,
            threshold=args.threshold,
            json_path=args.json,
            html_path=args.html,
            build_venv=args.venv,
            model=args.model,
            counts=args.counts,
        )
    except CompareInputError as error:
        print(f"compare: {error}", file=sys.stderr)
        return 2
    for role, source, environment in zip(
        ("BASE", "HEAD"), (checked.base, checked.head), checked.environments, strict=True
    ):
        how = {"same": "", "satisfied": "; other dependencies, all satisfied by this environment: reused"}
        commit = f" {source.commit[:12]}" if source.commit else ""
        print(f"{role} {source.label} ({source.kind}{commit}{how.get(environment, '; own venv')})")

    def progress(metric: str, done: int, total: int) -> None:
        if done == total:
            print(f"  {metric}: {total} interleaved repeats done", flush=True)

    try:
        result = compare(checked, progress)
    except KeyboardInterrupt:
        print("compare: interrupted; its temporary worktrees were removed", file=sys.stderr)
        return 130
    print(table(result.verdicts))
    print(result.document["method"])
    print("wrote " + ", ".join(str(p) for p in result.written))
    if result.regressed:
        worse = [v.metric for v in result.verdicts if v.regressed]
        print(f"REGRESSION beyond {checked.threshold:.0%}: {', '.join(worse)}", file=sys.stderr)
        return 1
    return 0


def fraction(text: str) -> float:
    """An argument type: a relative change, ``0.1`` or ``10%``."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 0.1 or 10%, got {text!r}") from None
    if not 0 < value < 10:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 10) such as 0.1 or 10%, got {text!r}")
    return value
