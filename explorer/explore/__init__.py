"""Exploring a world interactively: what the explorer notebook (``notebooks/00_explore.ipynb``) drives.

``settings`` checks what the controls describe, ``runs`` runs episodes, populations and
measurements and returns data, ``figures`` draws them, ``app`` wires ipywidgets to all three.
"""

from explorer.explore.runs import (
    Episode,
    PopulationRun,
    measure_world,
    record_episode,
    run_population,
)
from explorer.explore.settings import Settings, engines, parse_walls

__all__ = [
    "Episode",
    "PopulationRun",
    "Settings",
    "engines",
    "measure_world",
    "parse_walls",
    "record_episode",
    "run_population",
]
