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
        kind = type(function).__name__
        raise FactoryNotFound(
            f"model {path!r}: {function_name!r} is {_article(kind)} {kind}, expected a function of "
            "no arguments returning an explorer.Model"
        )
    required = _required_arguments(function)
    if required:
        raise FactoryNotFound(
            f"model {path!r}: {function_name}() needs the argument{'s' if len(required) > 1 else ''} "
            f"{', '.join(required)}, expected a function of no arguments returning an explorer.Model "
            "(wrap it: def build(): return yours(...))"
        )
    return function


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _required_arguments(function: object) -> list[str]:
    """The parameters ``function`` cannot be called without (none when its signature is unknown)."""
    import inspect  # numpy imports it anyway; a child rebuilding the model loads no more than before

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # some builtins and extension types have no signature
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    kinds += (inspect.Parameter.KEYWORD_ONLY,)
    return [p.name for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty]


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
    """The model's name where it is shown and in file names: module and function (``x.y.tmaze`` for
    ``x.y:tmaze``), so that two factories both called ``build`` do not collide; only ASCII letters,
    digits, ``_`` and ``.`` (a non-ASCII identifier's letters become ``_``)."""
    module, _, function = check_path(path).partition(":")
    return re.sub(r"[^A-Za-z0-9_.]", "_", f"{module}.{function}")


#: The folders whose frames a failing factory's traceback leaves out: explorer's own and importlib's.
_OWN_FOLDERS = (
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep,
    os.path.dirname(os.path.abspath(importlib.__file__)) + os.sep,
)


def researcher_traceback(error: BaseException) -> str:
    """``error``'s traceback as Python prints it, without explorer's and importlib's own frames: the frames
    of the researcher's files (and the libraries they call), then the error; chained errors alike."""
    import traceback

    shown = traceback.TracebackException.from_exception(error)
    seen = set()
    pending = [shown]
    while pending:
        part = pending.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        part.stack = traceback.StackSummary.from_list([f for f in part.stack if _theirs(f.filename)])
        pending += [p for p in (part.__cause__, part.__context__) if p is not None]
    return "".join(shown.format())


def _theirs(filename: str) -> bool:
    """Whether a frame's file is the researcher's (or a library's), not explorer's or the import system's."""
    if filename.startswith("<frozen "):
        return False
    return not os.path.abspath(filename).startswith(_OWN_FOLDERS)


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
