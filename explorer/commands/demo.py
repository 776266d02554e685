"""``python -m explorer demo``: one lazy agent's episode, then eager and lazy spawn side by side."""

from __future__ import annotations

import argparse

from explorer.commands.options import positive_int


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``demo`` sub-command's parser."""
    demo = commands.add_parser(
        "demo",
        help="run one episode and compare eager and lazy spawn (a few seconds)",
        description="Walk one lazy agent through a 5x5 grid world with real pymdp inference and draw "
        "its path, then time the spawning of eager and lazy agents side by side.",
    )
    demo.add_argument(
        "--agents", type=agent_count, default=1000, help="agents spawned per repeat (1 to 10,000)"
    )
    return demo


def run(args: argparse.Namespace) -> int:
    """Print the walk, then the spawn comparison."""
    from explorer.demo import spawn_comparison, walk

    print(walk())
    print()
    print(spawn_comparison(args.agents))
    return 0


def agent_count(text: str) -> int:
    """An argument type: agents to spawn, 1 to :data:`explorer.demo.MAX_AGENTS`."""
    from explorer.demo import MAX_AGENTS

    value = positive_int(text)
    if value > MAX_AGENTS:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_AGENTS:,} agents (eager ones take about 0.4 ms and 5.5 KiB each, "
            f"spawned 5 times), got {text!r}"
        )
    return value
