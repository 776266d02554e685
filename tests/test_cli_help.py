"""``--help`` reads as plain text in a terminal: no reST markup, every choice listed."""

import subprocess
import sys

import pytest

from explorer.__main__ import build_parser
from explorer.commands.bench import METRICS as BENCH_METRICS


def help_text(*command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "explorer", *command, "--help"], capture_output=True, text=True, check=True
    )
    return result.stdout


def commands() -> list[str]:
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    return list(subparsers.choices)


@pytest.mark.parametrize("command", [(), *((c,) for c in commands())], ids=lambda c: " ".join(c) or "main")
def test_help_is_plain_text(command):
    text = help_text(*command)
    assert "`" not in text and ":func:" not in text and "``" not in text
    assert text.startswith("usage: python -m explorer")


def test_bench_help_lists_every_metric_and_what_it_measures():
    text = help_text("bench")
    flat = " ".join(text.split())
    assert f"one of: {', '.join(BENCH_METRICS)}" in flat
    for metric in BENCH_METRICS:
        assert f"\n  {metric} " in text  # and a line saying what it measures


def test_main_help_names_the_commands_as_they_work_from_a_checkout():
    text = help_text()
    assert ".venv/bin/python -m explorer demo" in text
    assert {"demo", "bench", "report"} <= set(commands())
