"""What ``compare`` measures: git revisions (in temporary worktrees), checkouts, or saved results files.

A revision gets a ``git worktree`` of its own in a temporary folder, so the user's checkout is never
touched; only folders this module created are ever removed, also on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from explorer.paths import ROOT


class CompareInputError(ValueError):
    """A BASE or HEAD argument, or an option, that ``compare`` cannot use (exit status 2)."""


@dataclass(frozen=True)
class Source:
    """One side of a comparison: ``kind`` is ``revision``, ``checkout`` or ``file``.

    ``path`` is the checkout (a temporary worktree for a revision) or the results file;
    ``python`` the interpreter that runs its code; ``commit`` the git commit when known.
    """

    label: str
    kind: str
    path: Path
    commit: str = ""
    dirty: bool = False
    python: str = sys.executable


def resolve(argument: str, *, role: str, repo: Path = ROOT) -> Source:
    """BASE or HEAD as given on the command line: a results file, a checkout folder or a git revision."""
    path = Path(argument)
    if path.is_file():
        if path.suffix.lower() != ".json":
            raise CompareInputError(
                f"{role} must be a results .json file, a checkout or a revision, got {argument!r}"
            )
        return Source(argument, "file", path.resolve(), _commit_in(path))
    if path.is_dir():
        if not (path / "explorer" / "__init__.py").is_file():
            raise CompareInputError(
                f"{role} must be a checkout holding explorer/, got the folder {argument!r}"
            )
        commit, dirty = _commit_of(path)
        return Source(argument, "checkout", path.resolve(), commit, dirty)
    result = _git(repo, "rev-parse", "--verify", "--quiet", f"{argument}^{{commit}}")
    if result.returncode != 0:
        raise CompareInputError(
            f"{role} must be a git revision of {repo}, a checkout folder or a results .json file, "
            f"got {argument!r} (no such revision, folder or file)"
        )
    return Source(argument, "revision", Path(), result.stdout.strip())


def working_tree(repo: Path = ROOT) -> Source:
    """HEAD's default: the current checkout as it is, uncommitted changes included."""
    commit, dirty = _commit_of(repo)
    return Source("working tree", "checkout", repo.resolve(), commit, dirty)


def dependencies(source: Source, repo: Path = ROOT) -> list[str]:
    """The requirements a side's ``pyproject.toml`` declares (dependencies and every extra), sorted."""
    if source.kind == "revision":
        shown = _git(repo, "show", f"{source.commit}:pyproject.toml")
        text = shown.stdout if shown.returncode == 0 else ""
    else:
        pyproject = source.path / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    project = tomllib.loads(text).get("project", {}) if text else {}
    extras = project.get("optional-dependencies", {}).values()
    return sorted({*project.get("dependencies", []), *(r for extra in extras for r in extra)})


def unsatisfied(requirements: list[str]) -> list[str]:
    """The requirements this environment does not satisfy (missing, or installed at another version)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    missing = []
    for text in requirements:
        requirement = Requirement(text)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(text)
            continue
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{text} (installed {version})")
    return missing


def environment_for(source: Source, *, build_venv: bool, repo: Path = ROOT) -> str:
    """How ``source`` runs: ``same`` dependencies, ``satisfied`` by this environment, or ``venv``.

    Raises :class:`CompareInputError` (before any work) when this environment cannot run it and
    ``build_venv`` is off, or is on for a checkout (installing would write into it).
    """
    if source.kind == "file":
        return "same"
    theirs = dependencies(source, repo)
    if theirs == dependencies(Source("this checkout", "checkout", repo), repo):
        return "same"
    missing = unsatisfied(theirs)
    if not missing:
        return "satisfied"
    if not build_venv:
        raise CompareInputError(
            f"{source.label} needs dependencies this environment lacks ({'; '.join(missing)}): its figures "
            "would not be its own. Re-run with --venv to build it a virtual environment (minutes)"
        )
    if source.kind != "revision":
        raise CompareInputError(
            f"{source.label} needs dependencies this environment lacks ({'; '.join(missing)}); --venv builds "
            "environments for revisions only (installing would write into your checkout): give its commit"
        )
    return "venv"


@contextlib.contextmanager
def checked_out(sources: list[Source], *, repo: Path = ROOT, build_venv: bool = False):
    """Each revision checked out in a temporary worktree (removed afterwards, also on Ctrl-C).

    A side whose dependencies differ from this environment's (``repo``'s pyproject.toml) stops the
    comparison with :class:`CompareInputError`, unless ``build_venv`` asks for a venv of its own.
    """
    created: list[Path] = []
    ready: list[Source] = []
    try:
        for source in sources:
            if source.kind == "revision":
                folder = Path(tempfile.mkdtemp(prefix="explorer-compare-"))
                created.append(folder)
                worktree = folder / "checkout"
                added = _git(repo, "worktree", "add", "--detach", "--quiet", str(worktree), source.commit)
                if added.returncode != 0:
                    raise RuntimeError(f"git worktree add failed for {source.label}: {added.stderr.strip()}")
                source = Source(source.label, source.kind, worktree, source.commit, False)
            if source.kind != "file":
                source = _with_environment(source, repo, build_venv, created)
            ready.append(source)
        yield ready
    finally:
        for folder in created:
            worktree = folder / "checkout"
            if worktree.exists():
                _git(repo, "worktree", "remove", "--force", str(worktree))
            shutil.rmtree(folder, ignore_errors=True)
        if created:
            _git(repo, "worktree", "prune")


def _with_environment(source: Source, repo: Path, build_venv: bool, created: list[Path]) -> Source:
    if environment_for(source, build_venv=build_venv, repo=repo) != "venv":
        return source
    folder = Path(tempfile.mkdtemp(prefix="explorer-compare-venv-"))
    created.append(folder)
    venv = folder / "venv"
    print(
        f"building a virtual environment for {source.label} in {venv} (its dependencies differ)", flush=True
    )
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", f"{source.path}[dev]"], check=True)
    return Source(source.label, source.kind, source.path, source.commit, source.dirty, str(python))


def _commit_in(path: Path) -> str:
    """The git commit a saved results file or history record names, if any."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(document, dict):
        return ""
    metadata = document.get("metadata")
    commit = (metadata if isinstance(metadata, dict) else {}).get("git_commit") or document.get("commit")
    return str(commit or "")


def _commit_of(folder: Path) -> tuple[str, bool]:
    head = _git(folder, "rev-parse", "HEAD")
    if head.returncode != 0:
        return "", False
    status = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return head.stdout.strip(), bool(status.stdout.strip())


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)
