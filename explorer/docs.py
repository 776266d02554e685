"""The docs site (``docs/``, MkDocs with mkdocstrings): its build, and the API pages' list of names.

The API reference follows each package's own list of public names (``_EXPORTS``, else ``__all__``,
else the classes and functions it defines), read statically from the source, so a name that moves
between modules moves in the docs too and nothing is imported to build them. mkdocs.yml loads this
module as a hook: a page line ``<!-- api: explorer.measure -->`` becomes one ``:::`` block per name.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from explorer.paths import ROOT

#: The site's configuration; ``site/`` beside it is the default output (git-ignored).
CONFIG = ROOT / "mkdocs.yml"
SITE_DIR = ROOT / "site"
#: A page line asking for a package's API reference.
API_MARKER = re.compile(r"^<!-- api: ([\w.]+) -->$", flags=re.M)


def module_file(module: str) -> Path:
    """The source file of ``module`` (``explorer.x.y``) in this checkout, package or module."""
    base = ROOT.joinpath(*module.split("."))
    package = base / "__init__.py"
    if package.is_file():
        return package
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    raise ValueError(f"module must be a module or package of this checkout, got {module!r}")


def public_names(module: str) -> dict[str, str]:
    """Public name -> the module that defines it, read from ``module``'s source without importing it."""
    tree = ast.parse(module_file(module).read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id == "_EXPORTS":
            return dict(ast.literal_eval(node.value))
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id == "__all__":
            return {name: _defining_module(tree, module, name) for name in ast.literal_eval(node.value)}
    kinds = (ast.ClassDef, ast.FunctionDef)
    return {n.name: module for n in tree.body if isinstance(n, kinds) and not n.name.startswith("_")}


def api_blocks(module: str) -> str:
    """The mkdocstrings blocks documenting ``module``'s public names; subpackages become links."""
    lines = []
    for name, home in sorted(public_names(module).items(), key=lambda item: item[0].lower()):
        if home == f"{module}.{name}" and module_file(home).name == "__init__.py":
            lines.append(f"- `{module}.{name}`: a package of its own (see its page)\n")
        elif home == f"{module}.{name}":
            lines.append(f"::: {home}\n    options:\n      show_root_heading: true\n      members: false\n")
        else:
            lines.append(f"::: {home}.{name}\n")
    return "\n".join(lines)


def on_page_markdown(markdown: str, **_: object) -> str:
    """MkDocs hook: expand every ``<!-- api: package -->`` line of a page."""
    return API_MARKER.sub(lambda match: api_blocks(match.group(1)), markdown)


#: mkdocs-material announces MkDocs 2.0 on every build unless this is set.
ENVIRONMENT = {"NO_MKDOCS_2_WARNING": "1"}


def build_command(out: Path, config: Path = CONFIG) -> list[str]:
    """The command that builds the site into ``out`` with warnings as errors (``--strict``)."""
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(out)]


def build_site(out: Path = SITE_DIR, config: Path = CONFIG) -> Path:
    """Build the site into ``out`` (warnings are errors); returns its ``index.html``.

    Raises RuntimeError with MkDocs' own messages when the build fails (a broken link or anchor, a
    docstring that does not render, a page missing from the navigation).
    """
    result = subprocess.run(
        build_command(Path(out), Path(config)),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **ENVIRONMENT},
    )
    if result.returncode != 0:
        raise RuntimeError(f"the docs did not build:\n{result.stderr.strip()}")
    return Path(out) / "index.html"


def serve_site(port: int = 8000, config: Path = CONFIG) -> int:
    """Serve the site on 127.0.0.1:``port``, rebuilding on every change, until Ctrl-C (or SIGTERM).

    MkDocs serves in this process, so Ctrl-C reaches it alone and it shuts down its own way: server,
    watcher, and its temporary copy of the site removed. (Run as a child, ``subprocess.run`` killed it
    0.25 s after Ctrl-C and left that copy behind; SIGTERM on the parent left it serving.) The exit
    code: 0 once stopped, 1 when the site does not build, 130 when stopped before it served.
    """
    import signal

    import click
    from mkdocs.__main__ import cli

    arguments = ["serve", "--strict", "-f", str(config), "-a", f"127.0.0.1:{port}"]
    os.environ.update(ENVIRONMENT)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a kill shuts down as Ctrl-C does
    try:
        cli.main(arguments, prog_name="mkdocs", standalone_mode=False)
    except click.exceptions.Abort:  # Ctrl-C before the first build was served
        return 130
    except click.ClickException as error:  # the site does not build (strict: a warning is an error)
        error.show()
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _defining_module(tree: ast.Module, module: str, name: str) -> str:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and name in {a.asname or a.name for a in node.names}:
            return node.module or module
    return module
