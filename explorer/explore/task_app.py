"""The explorer notebook's task picker: one agent's beliefs and policies, a population's behaviour.

Beside :class:`~explorer.explore.app.ExploreApp` (whose world the two grid tasks use, re-run when it
changes): a live widget in JupyterLab, a static picture of the same view on a page without a kernel.
"""

from __future__ import annotations

import ipywidgets as w

from explorer.checks import check_choice
from explorer.explore import task_figures
from explorer.explore.app import ExploreApp, Job
from explorer.explore.figures import png
from explorer.explore.panel import Panel, picture
from explorer.explore.settings import Settings
from explorer.explore.task_runs import (
    MAX_TASK_AGENTS,
    MODEL_STEPS,
    TASKS,
    TaskEpisode,
    make_task,
    own_task,
    population_text,
    record_task_episode,
    run_task_population,
    task_steps,
)


class TaskView:
    """A task picker over one agent's episode (step slider, play) and a population of the task's agents.

    The episode runs at once (one agent, a few ms a step); the population, ``min(agents,
    MAX_TASK_AGENTS)`` agents on the numpy engine, on a thread when ``app`` runs in the background.
    ``model`` (a Model, a factory or its ``package.module:function`` path, as ``report --model`` gives
    it): the picker offers it too, first shown, its world the model's own generative process
    (:func:`explorer.tasks.model_task`). ``app`` None: the default settings, nothing in the background.
    """

    def __init__(
        self, app: ExploreApp | None = None, task: str | None = None, *, model: object = None
    ) -> None:
        self.app = ExploreApp(background=False) if app is None else app
        self.own = None if model is None else own_task(model)
        self.choices = TASKS if self.own is None else (*TASKS, self.own.name)
        default = "T-maze" if self.own is None else self.own.name
        self.task_name = check_choice("task", default if task is None else task, self.choices)
        self.episode: TaskEpisode | None = None
        self.behaviour = None
        self._building = False
        layout = w.Layout(width="250px")
        self.picker = w.Dropdown(
            options=self.choices, value=self.task_name, description="task", layout=layout
        )
        self.picker.observe(self._on_pick, names="value")
        self.description = w.HTML("")
        self.episode_image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.step = w.IntSlider(0, min=0, max=0, description="step", continuous_update=True)
        self.play = w.Play(0, min=0, max=0, interval=700, description="play")
        w.jslink((self.play, "value"), (self.step, "value"))
        self.step.observe(lambda _: self._draw_episode(), names="value")
        self.population_image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.job = Job("task run")
        self.episode_view = w.VBox(
            [w.HBox([self.picker, self.description]), w.HBox([self.play, self.step]), self.episode_image]
        )
        self.population_view = w.VBox([self.job.box, self.population_image])
        self.app.listeners.append(self._on_world)
        self.refresh(background=False)

    @property
    def settings(self) -> Settings:
        """The explorer app's settings: the two grid tasks' world, the agents, steps and seed."""
        return self.app.settings

    def _on_pick(self, change: dict) -> None:
        self.task_name = change["new"]
        self.refresh(background=self.app.background)

    def _on_world(self, settings: Settings) -> None:
        self.refresh(background=self.app.background)

    def refresh(self, background: bool = False) -> None:
        """Run the picked task's episode (at once) and its population (on a thread if asked)."""
        s = self.settings
        if self.own is not None and self.task_name == self.own.name:
            task, steps = self.own, MODEL_STEPS
        else:
            task, steps = make_task(self.task_name, s), task_steps(self.task_name, s)
        self.description.value = f"<i>{task.description}</i>"
        self.episode = record_task_episode(task, steps, s.seed)
        self._building = True
        self.play.max = self.step.max = self.episode.steps - 1
        self.play.value = self.step.value = 0  # the first belief, before it collapses; play runs it on
        self._building = False
        self._draw_episode()
        n = min(s.agents, MAX_TASK_AGENTS)

        def work(progress, stop):
            progress(0, 1)
            behaviour = run_task_population(task, n, steps, s.seed)
            progress(1, 1)
            return task, behaviour

        self.job.start(work, self._population_done, background=background)

    def _population_done(self, result: tuple) -> None:
        task, behaviour = result
        if task.name != self.episode.task.name or task.settings != self.episode.task.settings:
            return  # the task changed while its population ran: this picture is not of it
        self.behaviour = behaviour
        self.population_image.value = png(task_figures.task_population_figure(behaviour, task))

    def _draw_episode(self) -> None:
        if self.episode is not None and not self._building:
            step = min(self.step.value, self.episode.steps - 1)
            self.episode_image.value = png(task_figures.task_episode_figure(self.episode, step))

    def episode_panel(self) -> Panel:
        """The picker and one agent's episode; statically, the picture of the shown step."""
        return Panel(self.episode_view, lambda: picture(self.episode_image.value, self._episode_text()))

    def population_panel(self) -> Panel:
        """The task's population; statically, its picture."""
        return Panel(self.population_view, lambda: picture(self.population_image.value, self._run_text()))

    def _episode_text(self) -> str:
        goal = self.episode.first_goal
        reached = f"reached the goal at step {goal}" if goal >= 0 else "did not reach the goal"
        return f"task {self.task_name}: one agent, {self.episode.steps} steps, {reached}"

    def _run_text(self) -> str:
        return "not run yet" if self.behaviour is None else population_text(self.behaviour)
