"""The README's commands work as written: the venv's interpreter, sub-commands and options that exist."""

import re
import shlex
from pathlib import Path

import pytest

from explorer.__main__ import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def explorer_commands() -> list[str]:
    """Every ``python -m explorer ...`` a reader would copy: code-block lines and code spans."""
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", README, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    prose = re.sub(r"```.*?```", "", README, flags=re.S)  # code spans may wrap onto a second line
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]*python -m explorer[^`]*)`", prose)]
    found = [c for c in lines + spans if "python -m explorer" in c]
    return [c.split("&&")[-1].strip() for c in found]


def test_the_readme_shows_commands():
    assert len(explorer_commands()) >= 5


@pytest.mark.parametrize("command", explorer_commands())
def test_each_command_uses_the_venv_and_parses(command):
    # The system python3 has no pymdp ("No module named 'pymdp'"): commands name the venv's interpreter.
    assert command.startswith(".venv/bin/python -m explorer"), command
    words = shlex.split(command)[3:]
    if "[" in command:  # a synopsis, e.g. "bench [--quick] [--json PATH]": its options must exist
        options = set(re.findall(r"--[a-z-]+", command))
        subparsers = next(a for a in build_parser()._actions if a.dest == "command")
        known = {o for a in subparsers.choices[words[0]]._actions for o in a.option_strings}
        assert options <= known, options - known
    elif words != ["--help"]:
        build_parser().parse_args(words)


def test_no_unexplained_jargon():
    for phrase in ("the seed project", "the issue's targets", "the issue's"):
        assert phrase not in README


def test_the_own_model_example_runs_as_written():
    section = README.split("### Your own model", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    namespace = {"explorer": __import__("explorer")}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["actions"].shape == (1000, 2)
    assert len(namespace["agent"].beliefs) == 2 and len(namespace["action"]) == 2


def test_the_use_it_example_runs_as_written():
    section = README.split("## Use it", 1)[1].split("###", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["trajectory"].to_frame()) >= 1
    assert len(namespace["population"]) == 100_000


def test_the_readme_stays_within_150_lines():
    """A newcomer reads it in two minutes; the rest lives in docs/."""
    assert len(README.splitlines()) <= 150
