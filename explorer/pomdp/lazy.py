"""The lazy agent for any model: spawning stores a reference; the first step builds pymdp's legacy agent.

Nothing here imports numpy or pymdp, at module import or at spawn: the first ``step`` pays for them.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs ~20 ms to import; the spawn path avoids it
if TYPE_CHECKING:
    import numpy as np

    from explorer.pomdp.model import Model

#: The last model class a spawn accepted (a one-entry cache: the next spawn of that class checks nothing).
_accepted: type | None = None


class LazyAgent:
    """An active-inference agent for any :class:`~explorer.pomdp.model.Model`, built on its first step.

    ``step`` runs pymdp's legacy ``Agent`` (``infer_states``, ``infer_policies``, ``sample_action``)
    with the model's settings over its shared read-only arrays (:mod:`explorer.legacy`).
    """

    __slots__ = ("model", "_pymdp")

    def __init__(self, model: Model) -> None:
        if model.__class__ is not _accepted:
            _accept(model)
        self.model = model
        self._pymdp = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, {'ready' if self._pymdp is not None else 'not built'})"

    @property
    def is_ready(self) -> bool:
        """Whether pymdp's agent has been built (always, for the eager agent)."""
        return self._pymdp is not None

    def step(self, observation: object) -> tuple[int, ...]:
        """Take one observation index per modality (a bare int for one modality), update beliefs and
        return one action per factor (0 for an uncontrolled factor, as pymdp)."""
        from explorer.legacy import legacy_model_step
        from explorer.pomdp.validation import check_observation

        observation = check_observation(observation, self.model.n_obs)
        if self._pymdp is None:
            self._build()
        return legacy_model_step(self._pymdp, observation)

    @property
    def beliefs(self) -> tuple[np.ndarray, ...]:
        """Posterior over each factor's states (copies); uniform, as pymdp, before the first step."""
        if self._pymdp is None:
            import numpy as np

            return tuple(np.ones(n) / n for n in self.model.n_states)
        from explorer.legacy import legacy_model_beliefs

        return legacy_model_beliefs(self._pymdp)

    @property
    def policy_posterior(self) -> np.ndarray:
        """Posterior over the model's policies, ``(n_policies,)``; the prior ``E`` before the first step."""
        if self._pymdp is None:
            return self.model.E.copy()
        from explorer.legacy import legacy_policy_posterior

        return legacy_policy_posterior(self._pymdp)

    def reset(self) -> None:
        """Forget the episode: beliefs back to before the first observation; the model is kept."""
        if self._pymdp is not None:
            from explorer.legacy import legacy_reset

            legacy_reset(self._pymdp)

    def _build(self) -> None:
        from explorer.legacy import build_legacy_agent

        self._pymdp = build_legacy_agent(self.model)


def _accept(model: object) -> None:
    global _accepted
    # A Model exists only once its module is imported: checking needs no import (and no numpy).
    module = sys.modules.get("explorer.pomdp.model")
    if module is None or not isinstance(model, module.Model):
        raise TypeError(
            f"model must be an explorer.Model (explorer.build_model(world) gives a grid world's), got "
            f"{_short(model)} ({type(model).__name__})"
        )
    _accepted = model.__class__


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
