"""Any Model as a task: the model is its own generative process, and its goal is where its preferences point.

So that a researcher's own model walks the explorer notebook's every-task view (belief heatmaps, the
policy posterior, the terms of G, a population's success) like the built-in tasks: the environment
draws from the model's own ``A``, ``B`` and ``D``.
"""

from __future__ import annotations

import numpy as np

from explorer.checks import check_instance
from explorer.pomdp.model import Model
from explorer.tasks.task import Process, Task, frozen

#: Two expected preferences closer than this are the same (the goal's states tie).
TIE = 1e-9
#: pymdp legacy's ``EPS_VAL`` inside the log of the preferences.
LOG_EPS = 1e-16


def model_task(model: Model, name: str = "model") -> Task:
    """``model`` as a :class:`Task` named ``name``, its own generative process as the world.

    Event ``"goal"``: the joint hidden states whose expected preference, summed over modalities
    (``A_m`` against ``ln(softmax(C_m) + 1e-16)``, the utility pymdp legacy's agent maximizes), is the
    highest (within 1e-9): where the model's preferences point. With flat preferences every state ties
    and every agent is at the goal from the start; the description says so.
    """
    check_instance("model", model, Model, "an explorer.Model")
    preference = np.zeros(model.n_states)
    for A_m, C_m in zip(model.A, model.C, strict=True):
        shifted = np.exp(C_m - C_m.max())
        log_preference = np.log(shifted / shifted.sum() + LOG_EPS)
        preference += np.tensordot(log_preference, A_m, axes=(0, 0))
    goal = preference >= preference.max() - TIE
    share = f"{int(goal.sum()):,} of {goal.size:,} joint states"
    flat = " (flat preferences: every state ties)" if goal.all() else ""
    description = (
        f"{name}: {model!r} walking its own generative process; goal: the states its preferences point to "
        f"({share}{flat})"
    )
    process = Process(model.A, model.B, model.D)
    return Task(name, description, model, process, {"goal": frozen(goal)}, {"model": name})
