"""The explorer notebook's interactive view: ipywidgets controls driving episodes, populations, measurements.

Each panel is a live widget in JupyterLab and, on a page without a kernel (the HTML report, a
notebook opened untrusted), a static picture of the same view: its display carries both.
Plots are PNG images updated in place; long work runs in a thread that a Stop button ends.
"""

from __future__ import annotations

import base64
import html
import threading
from collections.abc import Callable
from dataclasses import replace

import ipywidgets as w

from explorer.explore import figures
from explorer.explore.panel import Panel, picture
from explorer.explore.runs import (
    Episode,
    PopulationRun,
    measure_world,
    record_episode,
    run_population,
)
from explorer.explore.settings import MAX_AGENTS, MAX_SIDE, MAX_STEPS, Settings, engines

_WALL_STYLE = {"button_color": "#34495e"}
_OPEN_STYLE = {"button_color": "#ecf0f1"}


class Job:
    """Work on a thread with a progress bar, a status line and a Stop button; one at a time."""

    def __init__(self, label: str) -> None:
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="220px"))
        self.status = w.Label("")
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.stop_button.on_click(lambda _: self.cancel())
        self.label = label
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def box(self) -> w.HBox:
        """The progress bar, Stop button and status line."""
        return w.HBox([self.progress, self.stop_button, self.status])

    def running(self) -> bool:
        """Whether work is under way."""
        return self._thread is not None and self._thread.is_alive()

    def cancel(self, wait: bool = False) -> None:
        """Ask the running work to stop (it stops between steps); with ``wait``, until it has."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join()

    def start(self, work: Callable, done: Callable, background: bool = True) -> None:
        """Run ``work(progress, stop)`` then ``done(result)``; on a thread unless ``background`` is False."""
        self.cancel(wait=True)
        self._stop = threading.Event()
        stop = self._stop

        def report(finished: int, total: int) -> None:
            self.progress.max = max(total, 1)
            self.progress.value = finished
            self.status.value = f"{self.label}: {finished}/{total}"

        def run() -> None:
            self.stop_button.disabled = False
            try:
                result = work(report, stop.is_set)
                done(result)
                self.status.value = f"{self.label}: stopped" if stop.is_set() else f"{self.label}: done"
            except Exception as error:  # shown, not lost in a thread's traceback
                self.status.value = f"{self.label} failed: {type(error).__name__}: {error}"
            finally:
                self.stop_button.disabled = True

        if background:
            self._thread = threading.Thread(target=run, name=f"explorer-{self.label}", daemon=True)
            self._thread.start()
        else:
            run()


class ExploreApp:
    """Controls for a world, and three panels: one agent's episode, a population, a measurement.

    Built with ``background=False`` everything runs at once in the calling thread (the static
    view under nbval and in the report); interactively, populations and measurements run on a thread.
    """

    def __init__(self, settings: Settings | None = None, *, background: bool = True) -> None:
        self.settings = Settings() if settings is None else settings
        self.background = background
        self.episode: Episode | None = None
        self.run: PopulationRun | None = None
        self.measured = None
        #: Called with the new settings after every change (the task view re-runs its grid tasks).
        self.listeners: list[Callable[[Settings], None]] = []
        self._building = False
        self._make_controls()
        self._make_episode_panel()
        self._make_population_panel()
        self._make_measure_panel()
        self._show_settings()
        self.refresh(background=False)

    # -- controls ---------------------------------------------------------------------------------
    def _make_controls(self) -> None:
        s = self.settings
        short = w.Layout(width="250px")
        # A change re-runs the episode and the population: apply it when the drag or the typing ends.
        settled = {"continuous_update": False, "layout": short}
        self.side = w.IntSlider(s.side, min=2, max=MAX_SIDE, description="side", **settled)
        self.walls_text = w.Text(description="walls", placeholder="6 7 12 or 1,1; 1,2", **settled)
        self.noise = w.FloatSlider(
            s.obs_noise, min=0.0, max=0.9, step=0.05, description="obs. noise", **settled
        )
        self.start = w.BoundedIntText(s.start, min=0, max=MAX_SIDE**2 - 1, description="start", layout=short)
        self.goal = w.BoundedIntText(
            s.goal_state, min=0, max=MAX_SIDE**2 - 1, description="goal", layout=short
        )
        self.agents = w.BoundedIntText(s.agents, min=1, max=MAX_AGENTS, description="agents", layout=short)
        self.engine = w.Dropdown(options=engines(), value=s.engine, description="engine", layout=short)
        self.steps = w.IntSlider(s.steps, min=1, max=MAX_STEPS, description="steps", **settled)
        self.seed = w.BoundedIntText(s.seed, min=0, max=2**31 - 1, description="seed", layout=short)
        self.message = w.HTML("")
        self.cells = w.GridBox(layout=w.Layout(grid_gap="1px"))
        controls = (
            self.side,
            self.noise,
            self.start,
            self.goal,
            self.agents,
            self.engine,
            self.steps,
            self.seed,
        )
        for control in controls:
            control.observe(self._on_control, names="value")
        self.walls_text.observe(self._on_walls_typed, names="value")
        left = w.VBox([self.side, self.walls_text, self.noise, self.start, self.goal])
        right = w.VBox([self.agents, self.engine, self.steps, self.seed])
        picker = w.VBox([w.HTML("<b>click a cell to add or remove a wall</b>"), self.cells])
        self.controls = w.VBox([w.HBox([left, right, picker]), self.message])

    def _show_settings(self) -> None:
        """Put ``self.settings`` into the controls without reacting to the changes."""
        s = self.settings
        self._building = True
        try:
            self.side.value, self.noise.value = s.side, s.obs_noise
            self.start.value, self.goal.value = s.start, s.goal_state
            self.agents.value, self.engine.value = s.agents, s.engine
            self.steps.value, self.seed.value = s.steps, s.seed
            self.walls_text.value = " ".join(map(str, s.walls))
            self._draw_cells()
        finally:
            self._building = False

    def _draw_cells(self) -> None:
        s = self.settings
        buttons = []
        for state in range(s.side * s.side):
            label = "S" if state == s.start else "G" if state == s.goal_state else ""
            button = w.Button(
                description=label,
                tooltip=f"cell {state}",
                layout=w.Layout(width="26px", height="26px", padding="0"),
                style=_WALL_STYLE if state in s.walls else _OPEN_STYLE,
            )
            button.on_click(lambda _, state=state: self._on_cell(state))
            buttons.append(button)
        self.cells.layout.grid_template_columns = f"repeat({s.side}, 26px)"
        self.cells.children = buttons

    def _on_control(self, change: dict) -> None:
        if self._building:
            return
        s = self.settings
        if change["owner"] is self.side:
            self._apply(lambda: s.resized(self.side.value))
            return
        self._apply(
            lambda: replace(
                s,
                obs_noise=round(self.noise.value, 4),
                start=self.start.value,
                goal=self.goal.value,
                agents=self.agents.value,
                engine=self.engine.value,
                steps=self.steps.value,
                seed=self.seed.value,
            )
        )

    def _on_walls_typed(self, change: dict) -> None:
        if not self._building:
            self._apply(lambda: self.settings.with_walls_text(change["new"]))

    def _on_cell(self, state: int) -> None:
        self._apply(lambda: self.settings.toggled_wall(state))

    def _apply(self, make: Callable[[], Settings]) -> None:
        """New settings from the controls; a refused value is named in red and nothing else changes."""
        try:
            settings = make()
        except (TypeError, ValueError) as error:
            self.message.value = f'<span style="color:#c0392b">{html.escape(str(error))}</span>'
            return
        self.message.value = ""
        self.set(settings)

    def set(self, settings: Settings) -> None:
        """Show ``settings`` in the controls and re-run what depends on them."""
        self.settings = settings
        self._show_settings()
        self.refresh(background=self.background)
        for listener in self.listeners:
            listener(settings)

    # -- panels -------------------------------------------------------------------------------------
    def _make_episode_panel(self) -> None:
        self.episode_image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.episode_step = w.IntSlider(0, min=0, max=0, description="step", continuous_update=True)
        self.episode_play = w.Play(0, min=0, max=0, interval=400, description="play")
        w.jslink((self.episode_play, "value"), (self.episode_step, "value"))
        self.episode_step.observe(lambda _: self._draw_episode(), names="value")
        box = w.VBox([w.HBox([self.episode_play, self.episode_step]), self.episode_image])
        self.episode_view = box

    def _make_population_panel(self) -> None:
        self.population_image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.population_step = w.IntSlider(0, min=0, max=0, description="step")
        self.population_play = w.Play(0, min=0, max=0, interval=300, description="play")
        w.jslink((self.population_play, "value"), (self.population_step, "value"))
        self.population_step.observe(lambda _: self._draw_population(), names="value")
        self.population_job = Job("population")
        rows = [self.population_job.box, w.HBox([self.population_play, self.population_step])]
        self.population_view = w.VBox([*rows, self.population_image])

    def _make_measure_panel(self) -> None:
        self.measure_button = w.Button(
            description="Measure this world", icon="tachometer-alt", layout=w.Layout(width="auto")
        )
        self.measure_button.on_click(lambda _: self.measure(background=self.background))
        self.measure_job = Job("measuring")
        self.measure_images = w.HBox([], layout=w.Layout(flex_flow="row wrap"))
        note = w.HTML(
            "Spawn time, bytes per agent and step time of eager, lazy and floor agents in this world "
            "(the bench's quick profile: about ten seconds on 2 cores)."
        )
        self.measure_view = w.VBox(
            [note, w.HBox([self.measure_button, self.measure_job.box]), self.measure_images]
        )

    def refresh(self, background: bool = False) -> None:
        """Re-run the episode (at once: a few ms per step) and the population (on a thread if asked)."""
        s = self.settings
        world = s.world()
        self.episode = record_episode(world, s.steps, s.seed)
        last = self.episode.steps - 1
        self._building = True
        self.episode_play.max = self.episode_step.max = last
        self.episode_play.value = self.episode_step.value = last  # the whole path; play replays it
        self._building = False
        self._draw_episode()
        self.measure_job.cancel()
        self.measure_job.status.value = ""  # the plots below were of the previous world
        self.measure_job.progress.value = 0
        self.measure_images.children = ()
        self.measured = None

        def work(progress, stop):
            return run_population(
                world, s.agents, s.steps, engine=s.engine, seed=s.seed, progress=progress, stop=stop
            )

        self.population_job.start(work, self._population_done, background=background)

    def _population_done(self, run: PopulationRun) -> None:
        self.run = run
        last = len(run.occupancy) - 1
        self._building = True
        self.population_play.max = self.population_step.max = last
        self.population_play.value = self.population_step.value = last
        self._building = False
        self._draw_population()

    def _draw_episode(self) -> None:
        if self.episode is not None and not self._building:
            step = min(self.episode_step.value, self.episode.steps - 1)
            self.episode_image.value = figures.png(figures.episode_figure(self.episode, step))

    def _draw_population(self) -> None:
        if self.run is not None and not self._building:
            step = min(self.population_step.value, len(self.run.occupancy) - 1)
            self.population_image.value = figures.png(figures.population_figure(self.run, step))

    def measure(self, background: bool = False) -> None:
        """Measure spawn, memory and steps in the current world; the plots appear when it is done."""
        world = self.settings.world()

        def done(results) -> None:
            if results.attrs.get("world") != repr(self.settings.world()):
                return  # the world changed while it was measured: these plots are not of it
            self.measured = results
            pictures = [figures.png(f) for f in figures.measurement_figures(results)]
            self.measure_images.children = [
                w.Image(value=p, format="png", layout=w.Layout(width="32%", min_width="300px"))
                for p in pictures
            ]

        self.measure_job.start(
            lambda progress, stop: measure_world(world, progress=progress, stop=stop), done, background
        )

    # -- what the notebook shows --------------------------------------------------------------------
    def controls_panel(self) -> Panel:
        """The controls; statically, a table of the settings."""
        return Panel(
            self.controls, lambda: {"text/plain": repr(self.settings), "text/html": _table(self.settings)}
        )

    def episode_panel(self) -> Panel:
        """One agent's episode with its step slider; statically, the picture of the shown step."""
        return Panel(self.episode_view, lambda: picture(self.episode_image.value, self._episode_text()))

    def population_panel(self) -> Panel:
        """The population with its step slider; statically, the picture of the shown step."""
        return Panel(self.population_view, lambda: picture(self.population_image.value, self._run_text()))

    def measure_panel(self) -> Panel:
        """The "measure this world" button and its plots; statically, the plots measured so far."""
        return Panel(self.measure_view, self._measure_fallback)

    def _episode_text(self) -> str:
        trajectory = self.episode.trajectory
        return f"episode: {self.episode.steps} steps, reached goal: {trajectory.reached_goal}"

    def _run_text(self) -> str:
        summary = ", ".join(f"{k} {v}" for k, v in self.run.summary().items())
        return f"population ({self.run.engine}): {summary}"

    def _measure_fallback(self) -> dict[str, str]:
        images = [child.value for child in self.measure_images.children]
        if not images:
            return {"text/plain": "not measured yet: press 'Measure this world' in JupyterLab"}
        tags = "".join(f'<img src="data:image/png;base64,{base64.b64encode(i).decode()}">' for i in images)
        return {"text/plain": f"{len(images)} measurement plots", "text/html": tags}


def _table(settings: Settings) -> str:
    rows = "".join(
        f"<tr><th>{name}</th><td>{html.escape(str(getattr(settings, name)))}</td></tr>"
        for name in ("side", "walls", "obs_noise", "start", "goal_state", "agents", "engine", "steps", "seed")
    )
    return f"<table>{rows}</table>"
