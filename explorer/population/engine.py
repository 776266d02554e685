"""The interface every engine for a :class:`~explorer.pomdp.model.Model` implements, and where each lives.

An engine holds the per-agent arrays of ``n`` agents sharing one model and steps them all at once;
``explorer.Population`` checks arguments and observations, refuses what would not fit in memory
(``bytes_per_agent``), and keeps a failed ``step`` from changing anything: engines compute a step into
new arrays and commit them at its end. Engines are named in :data:`MODEL_ENGINES` and imported only
when chosen, so that choosing ``numpy`` never imports numba, pymdp or jax.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    import numpy as np

    from explorer.pomdp.model import Model

    class ModelEngine(Protocol):
        """What ``Population`` needs from an engine for any model (pymdp legacy's equations, exactly)."""

        def __init__(self, model: Model, n: int) -> None: ...

        @staticmethod
        def bytes_per_agent(model: Model) -> int:
            """Bytes per agent the engine allocates (held arrays and a step's new ones), before allocating."""
            ...

        def reset(self) -> None:
            """Every agent back to before its first observation: uniform posteriors, next prior ``D``."""
            ...

        def beliefs(self) -> tuple[np.ndarray, ...]:
            """Copies, one ``(n, n_states[f])`` float64 array per factor."""
            ...

        def policy_posterior(self) -> np.ndarray:
            """A copy, ``(n, n_policies)`` float64."""
            ...

        def nbytes(self) -> int:
            """Bytes of the per-agent arrays held between steps."""
            ...

        def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
            """Observations ``(n, n_modalities)`` intp, already checked; returns actions ``(n, n_factors)``.

            Actions come from :func:`explorer.population.actions.select_actions` with ``rng``
            (``None``: numpy's global RNG, drawn as pymdp legacy agents stepped in order draw). Nothing
            the population holds changes unless the whole step succeeds.
            """
            ...


#: Engine name -> ``"module:Class"`` implementing ``ModelEngine`` (imported on first use).
MODEL_ENGINES: dict[str, str] = {
    "numpy": "explorer.population.numpy_engine:NumpyEngine",
    "numba": "explorer.population.numba_engine:NumbaEngine",
    "jax": "explorer.population.jax_engine:JaxEngine",
}


def engine_class(name: str) -> type:
    """The class of the model engine called ``name`` (one of :data:`MODEL_ENGINES`), imported now."""
    module_name, _, class_name = MODEL_ENGINES[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
