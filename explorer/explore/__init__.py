"""Exploring a world interactively: what the explorer notebook (``notebooks/00_explore.ipynb``) drives.

``settings`` checks what the controls describe, ``runs`` runs episodes, populations and
measurements and returns data, ``figures`` draws them, ``app`` wires ipywidgets to all three;
``task_runs``, ``task_figures`` and ``task_app`` do the same for every task of ``explorer.tasks``.
"""

from explorer.explore.runs import (
    Episode,
    PopulationRun,
    measure_world,
    record_episode,
    run_population,
)
from explorer.explore.settings import Settings, engines, parse_walls
from explorer.explore.task_runs import (
    TASKS,
    TaskEpisode,
    make_task,
    record_task_episode,
    run_task_population,
)

__all__ = [
    "TASKS",
    "Episode",
    "PopulationRun",
    "Settings",
    "TaskEpisode",
    "engines",
    "make_task",
    "measure_world",
    "parse_walls",
    "record_episode",
    "record_task_episode",
    "run_population",
    "run_task_population",
]
