"""``python -m explorer lab``: JupyterLab on notebooks/, 00_explore open (the server: :mod:`explorer.lab`)."""

from __future__ import annotations

import argparse

from explorer.commands.options import port


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``lab`` sub-command's parser."""
    lab = commands.add_parser(
        "lab",
        help="open JupyterLab on notebooks/ to explore (00_explore first)",
        description="Start JupyterLab on notebooks/ with this environment's kernel, on 127.0.0.1 with a "
        "fresh token, and print its URL; it opens 00_explore.ipynb, where widgets change the world "
        "and show agents exploring it. Works as root; one Ctrl-C stops it and its kernels.",
    )
    lab.add_argument("--port", type=port, default=None, help="port on 127.0.0.1 (default: 8888 if free)")
    lab.add_argument("--no-browser", action="store_true", help="print the URL, do not open a browser")
    return lab


def run(args: argparse.Namespace) -> int:
    """Serve the lab until Ctrl-C; returns its exit code."""
    from explorer.lab import run_lab

    return run_lab(args.port, open_browser=not args.no_browser)
