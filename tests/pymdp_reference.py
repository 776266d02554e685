"""The reference the tests compare explorer with: pymdp's own legacy Agent, built as a pymdp user would."""

import numpy as np
from pymdp.legacy import utils
from pymdp.legacy.agent import Agent

from explorer import build_model


def legacy_agent(world):
    """pymdp's legacy Agent over copies of ``world``'s model (independent of explorer's bridge)."""
    model = build_model(world)
    return Agent(
        A=model.A[0].copy(),
        B=model.B[0].copy(),
        C=model.C[0].copy(),
        D=model.D[0].copy(),
        policy_len=1,
        action_selection="deterministic",
    )


def legacy_agent_from(kwargs: dict) -> Agent:
    """pymdp's legacy Agent from the arrays and settings a model was built from (``tests/strategies.py``).

    Lists of arrays become pymdp object arrays (copies); nothing of explorer is used.
    """
    settings = dict(kwargs)
    for name in ("A", "B", "C", "D"):
        if isinstance(settings.get(name), list):
            settings[name] = utils.obj_array_from_list([np.array(a, dtype=float) for a in settings[name]])
    if settings.get("E") is not None:
        settings["E"] = np.array(settings["E"], dtype=float)
    return Agent(**settings)
