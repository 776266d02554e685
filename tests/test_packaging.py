"""Packaging: pyproject.toml and environment.yml agree; the README's commands are what CI runs; an agent
needs only the core dependencies, and ``dev`` installs every extra."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def normalized(requirement: str) -> str:
    name = re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pyproject_requirements() -> list[str]:
    """Every requirement, core and extras, without the extras' references to explorer's own extras."""
    extras = project()["optional-dependencies"].values()
    listed = project()["dependencies"] + [r for extra in extras for r in extra]
    return [r for r in listed if normalized(r) != "explorer"]


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


def test_the_core_is_what_an_agent_needs_and_dev_installs_every_extra():
    assert {normalized(r) for r in project()["dependencies"]} == {"inferactively-pymdp", "numpy", "psutil"}
    (psutil,) = [r for r in project()["dependencies"] if normalized(r) == "psutil"]
    assert "sys_platform != 'linux'" in psutil  # on Linux the memory check reads /proc
    extras = project()["optional-dependencies"]
    assert {"measure", "lab", "report", "sweep", "dev"} <= set(extras)
    (everything,) = [r for r in extras["dev"] if normalized(r) == "explorer"]
    assert set(re.search(r"\[(.*)\]", everything).group(1).split(",")) == set(extras) - {"dev"}
    measured = {normalized(r) for r in extras["measure"]}
    assert {"pandas", "matplotlib", "numba", "asv", "line-profiler", "memory-profiler", "scipy"} <= measured


#: In a fresh interpreter where every package of the extras that the core dependencies do not
#: themselves bring is hidden (``sys.modules[name] = None``): an agent, a Model's agent, a task and
#: populations on the numpy engines work. Prints what was hidden.
CORE_ONLY = """
import json, sys
hidden = json.loads(sys.argv[1])
for name in hidden:
    sys.modules[name] = None
import explorer
world = explorer.GridWorld(side=4)
assert explorer.ExplorerAgent(0, "a", world=world).step(3) in range(5)
assert explorer.create_agent(1, "b", eager=True).step(0) in range(5)
model = explorer.build_model(world)
assert explorer.LazyAgent(model).step([3]) is not None
population = explorer.Population(world, 10, backend="dense")
assert population.step([3] * 10).shape == (10,)
assert explorer.Population(world, 5000).backend == "dense"  # auto, without numba
model = explorer.tasks.tmaze().model
assert explorer.Population(model, 4).step([[0, 0, 0]] * 4).shape == (4, 2)
print(json.dumps(sorted(hidden)))
"""


def core_closure() -> set[str]:
    """Distributions the core dependencies install, themselves and all they require (this platform)."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement

    seen, todo = set(), [Requirement(r) for r in project()["dependencies"]]
    while todo:
        requirement = todo.pop()
        name = normalized(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            todo += [Requirement(r) for r in requires(requirement.name) or ()]
        except PackageNotFoundError:
            continue
    return seen


def test_an_agent_and_a_dense_population_need_only_the_core_dependencies():
    from importlib.metadata import packages_distributions

    core = core_closure()
    extras = {normalized(r) for r in pyproject_requirements()} - core
    hidden = sorted(
        module
        for module, distributions in packages_distributions().items()
        if {normalized(d) for d in distributions} <= extras and module.isidentifier()
    )
    assert {"numba", "tqdm", "asv", "line_profiler", "memory_profiler", "jupyterlab", "nbclient"} <= set(
        hidden
    )
    result = subprocess.run(
        [sys.executable, "-c", CORE_ONLY, json.dumps(hidden)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[-1]) == hidden


@pytest.mark.parametrize(
    ("argv", "hidden", "extra"),
    [
        (["bench", "--quick", "--only", "spawn_time"], "tqdm", "measure"),
        (["report", "--quick", "--history", "off"], "jupyter_core", "report"),
        (["docs"], "mkdocs", "docs"),
    ],
)
def test_a_command_without_its_extra_says_which_to_install(
    argv, hidden, extra, monkeypatch, capsys, tmp_path
):
    # the README's first install is the core alone (pip install -e .): a command it lacks must say
    # what to install in one line, not end in a traceback (bench: tqdm; report: KeyError 'value')
    from explorer.__main__ import EXTRAS, main

    monkeypatch.chdir(tmp_path)
    argv = [*argv, "--out", str(tmp_path / "reports")] if argv[0] == "report" else argv
    for name in [m for m in sys.modules if m == hidden or m.startswith(hidden + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, hidden, None)  # import hidden -> ModuleNotFoundError
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"needs {hidden}, from the optional dependencies [{extra}]" in err
    assert f"pip install -e '.[{extra}]'" in err
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS.values()) <= set(extras)
