"""The reference the tests compare explorer with: pymdp's own legacy Agent, built as a pymdp user would."""

from pymdp.legacy.agent import Agent

from explorer import build_model


def legacy_agent(world):
    """pymdp's legacy Agent over copies of ``world``'s model (independent of explorer's bridge)."""
    model = build_model(world)
    return Agent(
        A=model.A.copy(),
        B=model.B.copy(),
        C=model.C.copy(),
        D=model.D.copy(),
        policy_len=1,
        action_selection="deterministic",
    )
