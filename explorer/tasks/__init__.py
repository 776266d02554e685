"""Built-in tasks where inference matters: each a :class:`Task` with a model and an environment for n agents.

``grid`` (today's world, or one with an uncertain start to localise from), ``tmaze`` (pymdp's T-maze:
check the cue, then the paying arm) and ``signposts`` (a hidden goal a detour to a signpost reveals);
``model_task`` makes any Model a task of its own generative process.
"""

from explorer.tasks.environment import Environment
from explorer.tasks.grid_task import grid
from explorer.tasks.model_task import model_task
from explorer.tasks.signposts_task import signposts
from explorer.tasks.task import Process, Task
from explorer.tasks.tmaze_task import tmaze

__all__ = ["Environment", "Process", "Task", "grid", "model_task", "signposts", "tmaze"]
