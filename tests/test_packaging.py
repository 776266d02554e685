"""Packaging: pyproject.toml and environment.yml agree; the README's commands are what CI runs."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def normalized(requirement: str) -> str:
    name = re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    return project["dependencies"] + [r for extra in extras for r in extra]


def pyproject_packages() -> set[str]:
    return {normalized(r) for r in pyproject_requirements()}


def environment_packages() -> set[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            names |= {normalized(r) for r in entry["pip"] if not r.startswith("-e")}
        else:
            names.add(normalized(entry))
    return names - {"python", "pip"}


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_environment_yml_names_the_same_packages_as_pyproject():
    assert environment_packages() == pyproject_packages()


def test_environment_yml_has_the_same_lower_bounds():
    bounds = {normalized(r): re.findall(r">=\s*([\w.]+)", r) for r in pyproject_requirements()}
    text = (ROOT / "environment.yml").read_text()
    for line in re.findall(r"^\s*-\s+(\S+)$", text, flags=re.M):
        name = normalized(line)
        if name in bounds:
            assert re.findall(r">=\s*([\w.]+)", line) == bounds[name], line


def test_readme_opens_with_two_commands_and_ci_runs_the_second():
    commands = readme_commands()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()
    assert commands[1].endswith("python -m pytest")
