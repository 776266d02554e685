"""Lazy loading, checked in fresh interpreters: `import explorer` loads nothing heavy."""

import subprocess
import sys

from explorer.measure.modules import packages_loaded


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
