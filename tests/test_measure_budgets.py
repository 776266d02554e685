"""The deterministic budgets (explorer/guards/budgets.py): each holds today, and each catches its regression.

Every budget has two tests: the real code is within it, and a deliberate regression (a patched
copy of the package in a temporary folder, or a monkeypatched class) makes its check fail.
"""

import shutil

import numpy as np
import pytest

import explorer
from explorer import ExplorerAgent, Population
from explorer.guards import budgets
from explorer.guards.budgets import BUDGETS, BudgetExceeded, check_budget
from explorer.paths import ROOT


def patched_copy(tmp_path, module: str, after: str, insert: str):
    """A copy of the ``explorer`` package in ``tmp_path`` with ``insert`` added after the line ``after``."""
    shutil.copytree(ROOT / "explorer", tmp_path / "explorer", ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "explorer" / module
    text = path.read_text()
    assert after in text, f"{module} no longer has the line {after!r}: update this test's regression"
    path.write_text(text.replace(after, f"{after}\n{insert}", 1))
    return tmp_path


def test_every_budget_sits_at_or_above_its_figure_of_today():
    for budget in BUDGETS.values():
        assert budget.today <= budget.limit, budget.name


def test_check_budget_names_the_budget_the_figure_and_the_limit():
    with pytest.raises(
        BudgetExceeded, match=r"modules_import_explorer: .* measured 9 modules, over its budget of 3"
    ):
        check_budget("modules_import_explorer", 9)
    with pytest.raises(ValueError, match="name must be one of"):
        check_budget("nope", 1)


@pytest.mark.parametrize("name", sorted(budgets.MODULE_STATEMENTS))
def test_modules_loaded_within_budget(name):
    setup = budgets.MODULE_SETUPS.get(name, "")
    check_budget(name, len(budgets.modules_loaded(budgets.MODULE_STATEMENTS[name], setup=setup)))


def test_an_eager_import_in_the_package_init_exceeds_the_import_budget(tmp_path):
    version_line = f'__version__ = "{explorer.__version__}"'
    root = patched_copy(tmp_path, "__init__.py", version_line, "import explorer.agents")
    with pytest.raises(BudgetExceeded):
        check_budget("modules_import_explorer", len(budgets.modules_loaded("import explorer", root=root)))


def test_an_eager_import_in_the_lazy_module_exceeds_the_spawn_budget(tmp_path):
    root = patched_copy(tmp_path, "agents.py", "from __future__ import annotations", "import json")
    statement = budgets.MODULE_STATEMENTS["modules_lazy_spawn"]
    with pytest.raises(BudgetExceeded):
        check_budget("modules_lazy_spawn", len(budgets.modules_loaded(statement, root=root)))


def test_an_eager_import_in_the_model_agents_module_exceeds_its_spawn_budget(tmp_path):
    root = patched_copy(tmp_path, "pomdp/lazy.py", "import sys", "import json")
    name = "modules_lazy_model_spawn"
    loaded = budgets.modules_loaded(
        budgets.MODULE_STATEMENTS[name], root=root, setup=budgets.MODULE_SETUPS[name]
    )
    assert "json" in loaded
    with pytest.raises(BudgetExceeded):
        check_budget(name, len(loaded))


def test_a_heavy_import_on_the_population_path_exceeds_the_population_budget(tmp_path):
    root = patched_copy(tmp_path, "world.py", "from __future__ import annotations", "import pandas")
    statement = budgets.MODULE_STATEMENTS["modules_population_step"]
    with pytest.raises(BudgetExceeded):
        check_budget("modules_population_step", len(budgets.modules_loaded(statement, root=root)))


def test_bytes_per_lazy_agent_within_budget():
    check_budget("bytes_per_lazy_agent", budgets.bytes_per_lazy_agent())


def test_an_extra_slot_holding_a_list_exceeds_the_lazy_agent_budget():
    class WithHistory(ExplorerAgent):
        __slots__ = ("history",)

        def __init__(self, agent_id, name, world=None):
            super().__init__(agent_id, name, world)
            self.history = []

    with pytest.raises(BudgetExceeded):
        check_budget("bytes_per_lazy_agent", budgets.bytes_per_lazy_agent(WithHistory))


def test_bytes_per_lazy_model_agent_within_budget_and_2x_of_its_floor():
    from explorer.measure.harness.floor import ModelFloor

    measured = check_budget("bytes_per_lazy_model_agent", budgets.bytes_per_lazy_model_agent())
    assert measured <= 2 * budgets.bytes_per_lazy_model_agent(ModelFloor)


def test_an_extra_slot_holding_a_list_exceeds_the_lazy_model_agent_budget():
    from explorer import LazyAgent

    class WithHistory(LazyAgent):
        __slots__ = ("history",)

        def __init__(self, model):
            super().__init__(model)
            self.history = []

    with pytest.raises(BudgetExceeded):
        check_budget("bytes_per_lazy_model_agent", budgets.bytes_per_lazy_model_agent(WithHistory))


def test_bytes_per_population_agent_within_budget():
    check_budget("bytes_per_population_agent", budgets.bytes_per_population_agent())


class AgentRecord:
    """What a regressed population keeps per agent: a Python object."""

    def __init__(self, value):
        self.value = value


class PerAgentObjects(Population):
    """A regressed population: one Python object per agent, made at spawn and at every step."""

    __slots__ = ("records",)

    def __init__(self, world, n, **kwargs):
        super().__init__(world, n, **kwargs)
        self.records = [AgentRecord(i) for i in range(n)]

    def step(self, observations):
        actions = super().step(observations)
        self.records = [AgentRecord(a) for a in actions]
        return actions


def test_a_python_object_per_agent_exceeds_the_population_memory_budget():
    with pytest.raises(BudgetExceeded):
        check_budget("bytes_per_population_agent", budgets.bytes_per_population_agent(PerAgentObjects))


def test_bytes_per_world_model_within_budget():
    check_budget("bytes_per_world_model", budgets.bytes_per_world_model())


def test_a_model_keeping_an_extra_array_exceeds_the_world_model_budget():
    from explorer.model import build_model

    def build_with_copy(world):
        model = build_model(world)
        kept.append(np.array(model.B[0]))  # a second copy of B held beside the model
        return model

    kept = []
    with pytest.raises(BudgetExceeded):
        check_budget("bytes_per_world_model", budgets.bytes_per_world_model(build_with_copy))


def test_population_step_allocations_independent_of_n():
    calls, blocks = budgets.population_step_growth()
    check_budget("population_step_calls_per_agent", calls)
    check_budget("population_step_blocks_per_agent", blocks)


def test_a_python_call_per_agent_per_step_exceeds_the_step_call_budget():
    calls, _ = budgets.population_step_growth(population_class=PerAgentObjects)
    with pytest.raises(BudgetExceeded):
        check_budget("population_step_calls_per_agent", calls)


class KeepsPerAgentDicts(Population):
    """A regressed population whose step keeps a dict per agent (made without any function call)."""

    __slots__ = ("log",)

    def __init__(self, world, n, **kwargs):
        super().__init__(world, n, **kwargs)
        self.log = []

    def step(self, observations):
        actions = super().step(observations)
        self.log.append([{} for _ in range(len(actions))])
        return actions


def test_a_python_object_kept_per_agent_per_step_exceeds_the_step_block_budget():
    calls, blocks = budgets.population_step_growth(population_class=KeepsPerAgentDicts)
    check_budget("population_step_calls_per_agent", calls)  # invisible to the call count...
    with pytest.raises(BudgetExceeded):
        check_budget("population_step_blocks_per_agent", blocks)  # ...but not to the blocks


def test_one_call_of_each_pymdp_method_per_agent_step():
    for method, count in budgets.pymdp_calls_per_step().items():
        check_budget(f"pymdp_{method}_per_step", count)
        assert count == 1, method  # and not zero: the step really runs pymdp


def test_a_repeated_inference_exceeds_the_pymdp_call_budget():
    from explorer.legacy import legacy_step

    def step_inferring_twice(agent, observation):
        agent._ready_agent().infer_states([observation])
        return legacy_step(agent._ready_agent(), observation)

    counts = budgets.pymdp_calls_per_step(step_inferring_twice)
    with pytest.raises(BudgetExceeded):
        check_budget("pymdp_infer_states_per_step", counts["infer_states"])
