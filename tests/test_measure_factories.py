"""A researcher's model by its factory path: found, refused by name, the factory's failure reported once."""

import os
import textwrap

import pytest

from explorer import Model
from explorer.__main__ import main
from explorer.measure import factories
from explorer.measure.subjects import from_argument, subject

TMAZE = "explorer.measure.population.declared:tmaze"


def test_a_factory_path_builds_its_model_and_names_it():
    model = factories.build(TMAZE)
    assert isinstance(model, Model) and model.n_factors == 2 and model.n_modalities == 3
    assert factories.name_of(TMAZE) == "tmaze"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("no_such_module_here:f", "no module named 'no_such_module_here'"),
        ("explorer.measure.population.declared:nothing", "has no attribute 'nothing'"),
        ("explorer.measure.population.declared:TASKS", "is a dict, expected a function"),
        ("explorer.measure.population.declared:world_of", None),  # raises: called without arguments
        ("explorer.world:ACTIONS", "is a tuple, expected a function"),
        ("just a name", "must be 'package.module:function'"),
    ],
)
def test_bad_paths_are_refused_naming_what_is_wrong(path, words):
    if words is None:
        with pytest.raises(factories.FactoryFailed, match="world_of"):
            factories.build(path)
        return
    with pytest.raises(factories.FactoryNotFound, match=words):
        factories.build(path)


def test_a_factory_returning_something_else_is_refused_by_type():
    with pytest.raises(factories.FactoryNotFound, match=r"returned explorer\.world\.GridWorld, expected"):
        factories.build("explorer.world:GridWorld")


def test_subjects_accept_a_model_a_factory_or_its_path():
    from explorer.measure.population.declared import tmaze

    by_function, by_path = subject(tmaze), subject(TMAZE)
    assert by_function.path == TMAZE and by_path.path == TMAZE
    assert by_function.agents_of == by_path.agents_of and by_path.observation() == (0, 0, 0)
    bare = subject(by_path.agents_of)
    assert bare.is_model and bare.path is None
    assert from_argument(bare.child_argument()) == bare.agents_of  # a pickle for a warm worker
    assert not subject(None).is_model
    with pytest.raises(TypeError, match=r"world must be a GridWorld, an explorer\.Model"):
        subject(3)


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
        "bench: --model: the model factory 'mymodels:broken' failed: ZeroDivisionError: my model's own bug"
    )
    assert out == "" and not (tmp_path / "r.json").exists()


def test_a_childs_environment_finds_the_factorys_folder(tmp_path, monkeypatch):
    (tmp_path / "mine.py").write_text("def model():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    factories.load_factory("mine:model")
    assert str(tmp_path) in factories.child_environment("mine:model")["PYTHONPATH"].split(os.pathsep)
