"""The package's modules import one another without circles: each import points down a layer."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"

#: The layers, lowest first: a module imports modules of its own layer or of those below, never above.
#: A module belongs to the layer of the longest prefix naming it; every module must have one.
LAYERS = (
    # the domain: the grid task, any Model, pymdp's bridge, and what every layer may use
    (
        "explorer.checks",
        "explorer.paths",
        "explorer.files",
        "explorer.names",
        "explorer.units",
        "explorer.limits",
        "explorer.world",
        "explorer.model",
        "explorer.pomdp",
        "explorer.legacy",
        "explorer.tasks",
    ),
    # agents and populations
    (
        "explorer.agents",
        "explorer.eager",
        "explorer.factory",
        "explorer.episode",
        "explorer.monitor",
        "explorer.population",
        "explorer.behaviour",
        "explorer.demo",
    ),
    # measure, bottom up: results (rows, files, run ids); the harness; the instruments; reading their
    # results (estimates, tables, protocols), the suite and its profiles
    ("explorer.measure.results",),
    ("explorer.measure.harness",),
    ("explorer.measure.instruments",),
    ("explorer.measure.reading", "explorer.measure"),
    # what shows, compares, guards and sweeps measurements
    (
        "explorer.guards",
        "explorer.history",
        "explorer.plots",
        "explorer.report",
        "explorer.compare",
        "explorer.sweeps",
        "explorer.explore",
        "explorer.lab",
        "explorer.docs",
        "explorer.readme",
    ),
    # the command line
    ("explorer.commands", "explorer.__main__"),
)
#: Packages whose ``__init__`` only names what submodules define (PEP 562): importing one of their
#: names imports the module that defines it, which is what the layers check.
FACADES = ("explorer", "explorer.measure")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The explorer modules ``path`` imports anywhere (functions too), outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from explorer.measure import budgets" imports the submodule budgets, if there is one
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules}
            # "from explorer import Population" imports the module that defines it
            found |= {exported(node.module).get(a.name, node.module) for a in node.names}
            found.add(node.module)
    return {name for name in found if name in modules} - {module_name(path)}


def exported(package: str) -> dict[str, str]:
    """A facade's lazily exported names and the modules defining them (its ``_EXPORTS``), read statically."""
    if package not in FACADES:
        return {}
    tree = ast.parse(PACKAGE.parent.joinpath(*package.split("."), "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["_EXPORTS"]:
            return ast.literal_eval(node.value)
    return {}


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of the longest prefix naming ``module``."""
    found = [
        (len(prefix), index)
        for index, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    if not found:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")
    return max(found)[1]


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Every import that points up a layer, as ``importer -> imported``."""
    return [
        f"{module} -> {target}"
        for module, targets in sorted(graph.items())
        if module not in FACADES
        for target in sorted(targets - set(FACADES))
        if layer_of(target) > layer_of(module)
    ]


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_back_up_a_circle():
    graph = import_graph()
    assert graph["explorer.measure.results.run_files"] >= {
        "explorer.measure.results.run_ids"
    }  # the graph sees imports
    assert circles(graph) == []


def test_a_circle_is_found():
    graph = import_graph()
    graph["explorer.world"] = graph["explorer.world"] | {"explorer.agents"}  # agents imports world
    assert any({"explorer.agents", "explorer.world"} <= set(circle) for circle in circles(graph))


def test_every_module_has_a_layer_and_imports_only_down():
    graph = import_graph()
    assert graph["explorer.commands.bench"] >= {"explorer.measure.suite"}  # the graph sees imports
    assert graph["explorer.explore.runs"] >= {"explorer.population"}  # through the facade
    for module in set(graph) - set(FACADES):
        layer_of(module)  # raises, naming the module, if it has no layer
    assert upward(graph) == []


def test_an_import_up_a_layer_is_found():
    graph = import_graph()
    graph["explorer.measure.results.stats"] = graph["explorer.measure.results.stats"] | {
        "explorer.measure.instruments.spawn"
    }
    assert upward(graph) == ["explorer.measure.results.stats -> explorer.measure.instruments.spawn"]
