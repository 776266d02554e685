"""A researcher's model named by its factory, ``package.module:function``: found, called and checked once.

Fresh-process instruments pass the path (not a pickled model) to their children, which rebuild the
model by calling the factory, so a child stays as cold as the researcher's own script would be.
Only the standard library is imported here: a child loads its factory's imports and nothing else.
"""

from __future__ import annotations

import importlib
import os
import re
import sys

#: ``package.module:function``: dotted module, one colon, a Python name.
PATTERN = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")
#: The variable carrying the directories a factory's module was found in, for child processes.
PATH_ENV = "PYTHONPATH"


class FactoryNotFound(ValueError):
    """``--model`` names no importable module, no function in it, or something that is not a Model."""


class FactoryFailed(RuntimeError):
    """The factory itself raised: ``__cause__`` is the researcher's exception, with its traceback."""

    def __init__(self, path: str, error: BaseException) -> None:
        super().__init__(f"the model factory {path!r} failed: {type(error).__name__}: {error}")
        self.path = path


def check_path(path: object) -> str:
    """``path`` if it reads ``package.module:function``, else a ValueError saying what was expected."""
    if not isinstance(path, str):
        raise TypeError(
            f"model must be a 'package.module:function' string, got {path!r} ({type(path).__name__})"
        )
    if not PATTERN.match(path):
        raise FactoryNotFound(
            f"model must be 'package.module:function' (a function of no arguments returning an "
            f"explorer.Model), got {path!r}"
        )
    return path


def load_factory(path: str):
    """The function ``path`` names, imported now; FactoryNotFound when the module or function is missing.

    A module that is found but raises while importing is the researcher's code failing: FactoryFailed.
    """
    module_name, _, function_name = check_path(path).partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            raise FactoryNotFound(
                f"model {path!r}: no module named {missing!r} (looked in the current directory "
                f"{os.getcwd()!r} and the installed packages)"
            ) from None
        raise FactoryFailed(path, error) from error
    except Exception as error:
        raise FactoryFailed(path, error) from error
    function = getattr(module, function_name, None)
    if function is None:
        raise FactoryNotFound(f"model {path!r}: module {module_name!r} has no attribute {function_name!r}")
    if not callable(function):
        raise FactoryNotFound(
            f"model {path!r}: {function_name!r} is a {type(function).__name__}, expected a function of "
            "no arguments returning an explorer.Model"
        )
    return function


def build(path: str):
    """Call the factory ``path`` names and return its Model; FactoryNotFound for anything else returned."""
    function = load_factory(path)
    try:
        model = function()
    except Exception as error:
        raise FactoryFailed(path, error) from error
    from explorer.pomdp.model import Model

    if not isinstance(model, Model):
        raise FactoryNotFound(
            f"model {path!r} returned {type(model).__module__}.{type(model).__name__}, expected an "
            "explorer.Model (build one with explorer.Model(A, B, C, D, ...))"
        )
    return model


def name_of(path: str) -> str:
    """A short title for the model a factory builds: its function's name (``tmaze`` for ``x.y:tmaze``)."""
    return check_path(path).partition(":")[2]


def child_environment(path: str) -> dict[str, str]:
    """The environment for a child process that must import ``path``'s module as this process did.

    Children start in the repository; a module found in the current directory (or any folder on this
    process's ``sys.path``) is found there too when its folder is on ``PYTHONPATH``.
    """
    module_name = check_path(path).partition(":")[0]
    module = sys.modules.get(module_name.split(".")[0])
    folders = []
    origin = getattr(module, "__file__", None)
    if origin:
        folder = os.path.dirname(os.path.abspath(origin))
        if os.path.basename(origin) == "__init__.py":
            folder = os.path.dirname(folder)
        folders.append(folder)
    folders.append(os.getcwd())
    environment = dict(os.environ)
    existing = [p for p in environment.get(PATH_ENV, "").split(os.pathsep) if p]
    environment[PATH_ENV] = os.pathsep.join(dict.fromkeys(folders + existing))
    return environment
