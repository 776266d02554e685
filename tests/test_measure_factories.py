"""A researcher's model by its factory path: found, refused by name, the factory's failure reported once."""

import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

from explorer import Model
from explorer.__main__ import main
from explorer.measure.harness import factories
from explorer.measure.harness.subjects import from_argument, subject

TMAZE = "explorer.measure.harness.declared:tmaze"


def test_a_factory_path_builds_its_model_and_names_it():
    model = factories.build(TMAZE)
    assert isinstance(model, Model) and model.n_factors == 2 and model.n_modalities == 3
    assert factories.name_of(TMAZE) == "explorer.measure.harness.declared.tmaze"


def test_two_factories_called_build_get_two_file_safe_names():
    names = {factories.name_of(path) for path in ("mymodel:build", "lab.models:build", "lab_models:build")}
    assert names == {"mymodel.build", "lab.models.build", "lab_models.build"}
    assert factories.name_of("modèle:build") == "mod_le.build"  # a non-ASCII identifier, file-safe


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("no_such_module_here:f", "no module named 'no_such_module_here'"),
        ("explorer.measure.harness.declared:nothing", "has no attribute 'nothing'"),
        ("explorer.measure.harness.declared:TASKS", "is a dict, expected a function"),
        ("explorer.measure.reading.tables:TABLE_WIDTH", "'TABLE_WIDTH' is an int, expected a function"),
        ("explorer.measure.harness.declared:world_of", "world_of\\(\\) needs the arguments model, n"),
        ("explorer.world:ACTIONS", "is a tuple, expected a function"),
        ("just a name", "must be 'package.module:function'"),
    ],
)
def test_bad_paths_are_refused_naming_what_is_wrong(path, words):
    with pytest.raises(factories.FactoryNotFound, match=words):
        factories.build(path)


def test_a_factory_returning_something_else_is_refused_by_type():
    with pytest.raises(factories.FactoryNotFound, match=r"returned explorer\.world\.GridWorld, expected"):
        factories.build("explorer.world:GridWorld")


def test_subjects_accept_a_model_a_factory_or_its_path():
    from explorer.measure.harness.declared import tmaze

    by_function, by_path = subject(tmaze), subject(TMAZE)
    assert by_function.path == TMAZE and by_path.path == TMAZE
    assert by_function.agents_of == by_path.agents_of and by_path.observation() == (0, 0, 0)
    bare = subject(by_path.agents_of)
    assert bare.is_model and bare.path is None
    with bare.child_argument() as argument:  # a pickle for a warm worker, removed after
        assert from_argument(argument) == bare.agents_of
    assert not os.path.exists(argument.removeprefix("pickle:"))
    assert not subject(None).is_model
    with pytest.raises(TypeError, match=r"world must be a GridWorld, an explorer\.Model"):
        subject(3)


def test_spawn_time_of_a_bare_model_leaves_no_file_in_the_temporary_folder(tmp_path, monkeypatch):
    from explorer.measure.harness.declared import tmaze
    from explorer.measure.instruments.spawn import spawn_time

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))  # this process's temporary files
    monkeypatch.setenv("TMPDIR", str(folder))  # and the workers'
    spawn = spawn_time(ns=(1,), repeats=1, variants=("lazy",), world=tmaze())
    assert spawn["error"].tolist() == [""] and spawn["median"].iloc[0] > 0
    assert list(folder.iterdir()) == []


def test_cli_refuses_a_missing_module_before_measuring(tmp_path, capsys):
    code = main(["bench", "--model", "nowhere_module:f", "--json", str(tmp_path / "r.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "bench: --model: model 'nowhere_module:f': no module named 'nowhere_module'" in err
    assert not (tmp_path / "r.json").exists()


def test_cli_shows_a_failing_factorys_traceback_once_then_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "mymodels.py").write_text(
        textwrap.dedent(
            """
            def broken():
                return helper()

            def helper():
                raise ZeroDivisionError("my model's own bug")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # what `python -m` does for the current directory
    code = main(["bench", "--model", "mymodels:broken", "--json", str(tmp_path / "r.json"), "--no-progress"])
    assert code == 2
    out, err = capsys.readouterr()
    assert err.count("Traceback (most recent call last)") == 1
    assert 'mymodels.py", line 6, in helper' in err
    last = err.strip().splitlines()[-1]
    assert last == (
        "bench: --model: the model factory 'mymodels:broken' failed with the ZeroDivisionError above; "
        "nothing was measured"
    )
    assert err.count("ZeroDivisionError: my model's own bug") == 1  # the error once, in its traceback
    assert out == "" and not (tmp_path / "r.json").exists()


def test_a_childs_environment_finds_the_factorys_folder(tmp_path, monkeypatch):
    (tmp_path / "mine.py").write_text("def model():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    factories.load_factory("mine:model")
    assert str(tmp_path) in factories.child_environment("mine:model")["PYTHONPATH"].split(os.pathsep)


@pytest.mark.parametrize("command", ["report", "compare"])
def test_report_and_compare_show_a_failing_factorys_traceback_once_then_one_line_exit_2(tmp_path, command):
    (tmp_path / "brokenmodels.py").write_text("def broken():\n    return {}['no such key']\n")
    args = [sys.executable, "-m", "explorer", command, "--model", "brokenmodels:broken"]
    args += ["--out", str(tmp_path / "report")] if command == "report" else ["HEAD", "HEAD"]
    done = subprocess.run(
        args, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )  # as a user runs it
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("Traceback (most recent call last)") == 1
    assert 'brokenmodels.py", line 2, in broken' in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"{command}: --model: the model factory 'brokenmodels:broken' failed with the KeyError above; "
        "nothing was measured"
    )
    assert done.stdout == "" and not (tmp_path / "report").exists()


def test_a_refused_model_shows_the_researchers_frames_not_explorers(tmp_path, monkeypatch, capsys):
    (tmp_path / "columns.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            import explorer

            def build():
                A = np.full((2, 2), 0.6)  # columns summing to 1.2
                return explorer.Model([A], [np.eye(2)[:, :, None]], [np.zeros(2)], [np.ones(2) / 2])
            """
        )
    )
    (tmp_path / "typo.py").write_text("def build():\n    return = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["bench", "--model", "columns:build", "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    frames = [line for line in err.splitlines() if line.startswith('  File "')]
    assert len(frames) == 1 and 'columns.py", line 7, in build' in frames[0], err
    assert err.count("sums to 1.2") == 1 and err.count("Traceback (most recent call last)") == 1
    assert err.splitlines()[-1].startswith("bench: --model: the model factory 'columns:build' failed with")
    assert main(["bench", "--model", "typo:build", "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    lines = err.rstrip().splitlines()
    assert (
        lines[0] == f'  File "{tmp_path / "typo.py"}", line 2' and lines[3] == "SyntaxError: invalid syntax"
    )
    assert "importlib" not in err and "frozen" not in err and len(lines) == 5, err
    assert not (tmp_path / "r.json").exists()
