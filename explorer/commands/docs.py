"""``python -m explorer docs``: build the docs site into site/, or serve it (the build: explorer.docs)."""

from __future__ import annotations

import argparse
import sys
import time

from explorer.commands.options import port


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``docs`` sub-command's parser."""
    docs = commands.add_parser(
        "docs",
        help="build the docs site (guide, methodology, API reference) into site/ and say where it is",
        description="Build the docs site from docs/ and the docstrings (MkDocs, offline, warnings as errors) "
        "into site/ in the checkout and print the page to open; --serve serves it on 127.0.0.1 instead, "
        "rebuilding on every change.",
    )
    docs.add_argument("--serve", action="store_true", help="serve on 127.0.0.1 until Ctrl-C, rebuilding")
    docs.add_argument("--port", type=port, default=8000, help="port for --serve (default: 8000)")
    return docs


def run(args: argparse.Namespace) -> int:
    """Build the site and print where to open it (1 if the build fails), or serve it until Ctrl-C."""
    import importlib.util

    from explorer.docs import SITE_DIR, build_site, serve_site

    if importlib.util.find_spec("mkdocs") is None:  # the build runs it in a child: say so here
        raise ModuleNotFoundError("No module named 'mkdocs'", name="mkdocs")
    if args.serve:
        return serve_site(args.port)
    started = time.perf_counter()
    try:
        index = build_site(SITE_DIR)
    except RuntimeError as error:
        print(f"docs: {error}", file=sys.stderr)
        return 1
    print(f"docs: built in {time.perf_counter() - started:.1f} s; open {index}")
    return 0
