"""Lazy loading, checked in fresh interpreters: `import explorer` loads nothing heavy."""

import json
import subprocess
import sys

from explorer.measure.instruments.modules import packages_loaded


def loaded_after(code: str) -> set[str]:
    """Top-level heavy packages that a fresh interpreter has loaded after running ``code``."""
    return set(packages_loaded(code))


def test_import_explorer_loads_no_heavy_package():
    assert loaded_after("import explorer") == set()


def test_import_explorer_does_not_import_typing():
    # typing costs about twice a bare interpreter's start-up here
    result = subprocess.run(
        [sys.executable, "-c", "import explorer, sys; print('typing' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_spawning_a_lazy_agent_loads_no_heavy_package():
    assert (
        loaded_after("import explorer\nexplorer.create_agent(1, 'a')\nexplorer.ExplorerAgent(2, 'b')")
        == set()
    )


def test_first_step_loads_pymdp():
    assert {"numpy", "pymdp"} <= loaded_after("import explorer\nexplorer.create_agent(1, 'a').step(0)")


def test_eager_module_imports_pymdp_at_import():
    assert {"numpy", "pymdp"} <= loaded_after("import explorer.eager")


def test_dir_lists_every_public_name_and_each_resolves():
    code = (
        "import explorer\nnames = [n for n in dir(explorer) if not n.startswith('_')]\n"
        "assert set(explorer.__all__) <= set(names), names\n"
        "for n in explorer.__all__: getattr(explorer, n)\nprint('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_unknown_attribute_raises_attribute_error():
    result = subprocess.run(
        [sys.executable, "-c", "import explorer; explorer.nope"], capture_output=True, text=True
    )
    assert "AttributeError: module 'explorer' has no attribute 'nope'" in result.stderr


#: In a fresh interpreter, for every package of explorer: each public name's value as declared (by
#: ``_EXPORTS``, else as its ``__init__`` bound it), then every direct submodule imported; prints the
#: names whose value is not, or no longer, the declared one.
EXPORTS_STAY_PUT = """
import importlib, json, pkgutil, explorer

def declared(package, name):
    source = getattr(package, "_EXPORTS", {}).get(name)
    if source is None:
        return getattr(package, name)
    module = importlib.import_module(source)
    return module if source == f"{package.__name__}.{name}" else getattr(module, name)

packages = ["explorer"] + [m.name for m in pkgutil.walk_packages(explorer.__path__, "explorer.") if m.ispkg]
changed = []
for name in packages:
    package = importlib.import_module(name)
    public = list(getattr(package, "_EXPORTS", None) or getattr(package, "__all__", ()))
    expected = {attribute: declared(package, attribute) for attribute in public}
    for sub in pkgutil.iter_modules(package.__path__, name + "."):
        if not sub.name.endswith(".__main__"):
            importlib.import_module(sub.name)
    changed += [f"{name}.{a}" for a, value in expected.items() if getattr(package, a) is not value]
print(json.dumps({"packages": packages, "changed": changed}))
"""


def test_importing_any_submodule_leaves_every_exported_name_as_it_was():
    result = subprocess.run(
        [sys.executable, "-c", EXPORTS_STAY_PUT], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.splitlines()[-1])
    assert {"explorer", "explorer.measure"} <= set(report["packages"])
    assert report["changed"] == []
