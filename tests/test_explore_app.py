"""The explorer notebook's widgets, driven without a browser: controls re-run and redraw in place."""

import base64
from dataclasses import replace

import pytest

from explorer.explore import Settings
from explorer.explore.app import ExploreApp

SMALL = Settings(side=5, walls=(6, 7), obs_noise=0.1, agents=200, steps=15, seed=0)


@pytest.fixture
def app():
    app = ExploreApp(SMALL, background=False)
    yield app
    app.population_job.cancel(wait=True)
    app.measure_job.cancel(wait=True)


def test_the_default_view_is_drawn_at_once(app):
    assert bytes(app.episode_image.value).startswith(b"\x89PNG")
    assert bytes(app.population_image.value).startswith(b"\x89PNG")
    assert app.episode_step.value == app.episode.steps - 1  # the whole path is shown
    assert len(app.cells.children) == 25
    assert [b.description for b in app.cells.children if b.description] == ["S", "G"]


def test_changing_the_side_redraws_in_place(app):
    episode_before, population_before = app.episode_image.value, app.population_image.value
    widget_ids = (app.episode_image.model_id, app.population_image.model_id)
    app.side.value = 7
    assert app.settings.side == 7 and app.settings.walls == (8, 9)  # (1,1) and (1,2) kept
    assert app.episode.trajectory.world.side == 7 and app.run.world.side == 7
    assert len(app.cells.children) == 49
    assert app.episode_image.value != episode_before
    assert app.population_image.value != population_before
    assert (app.episode_image.model_id, app.population_image.model_id) == widget_ids  # same widgets


def test_the_step_slider_shows_that_step(app):
    last = app.episode_image.value
    app.episode_step.value = 0
    assert app.episode_image.value != last
    app.population_step.value = 0
    first = app.population_image.value
    app.population_step.value = app.population_step.max
    assert app.population_image.value != first


def test_a_refused_value_is_named_and_changes_nothing(app):
    before = (app.settings, app.episode_image.value)
    app.walls_text.value = "6 seven"
    assert "walls" in app.message.value and "seven" in app.message.value
    assert (app.settings, app.episode_image.value) == before
    app.cells.children[0].click()  # the start
    assert "start must not be on a wall" in app.message.value
    assert app.settings == before[0]
    app.walls_text.value = "6"
    assert app.message.value == "" and app.settings.walls == (6,)


def test_clicking_a_cell_toggles_a_wall(app):
    app.cells.children[12].click()
    assert 12 in app.settings.walls
    assert app.cells.children[12].style.button_color == "#34495e"
    assert app.walls_text.value == "6 7 12"
    app.cells.children[12].click()
    assert 12 not in app.settings.walls


def test_panels_carry_a_static_picture_of_what_they_show(app):
    bundle = app.episode_panel()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == app.episode_image.value
    assert bundle["text/plain"].startswith("episode: ")
    controls = app.controls_panel()._repr_mimebundle_()
    assert "<th>side</th><td>5</td>" in controls["text/html"]
    assert "not measured yet" in app.measure_panel()._repr_mimebundle_()["text/plain"]


def test_population_runs_on_a_thread_and_stop_keeps_what_was_done():
    app = ExploreApp(SMALL, background=True)
    app.set(replace(SMALL, agents=20_000, steps=200))  # about 10 s of work: stopped long before
    app.population_job.cancel(wait=True)
    assert app.run.n == 20_000 and not app.run.completed
    assert app.population_job.status.value == "population: stopped"
    assert app.population_job.stop_button.disabled
    app.agents.value = SMALL.agents  # the control starts a new run on the thread
    app.population_job._thread.join()
    assert app.run.completed and app.run.n == SMALL.agents
    assert app.population_job.status.value == "population: done"


def test_a_panels_picture_carries_the_png_and_its_words():
    import base64

    from explorer.explore.panel import picture

    bundle = picture(b"\x89PNG fake bytes", "an agent's belief")
    assert bundle == {
        "text/plain": "an agent's belief",
        "image/png": base64.b64encode(b"\x89PNG fake bytes").decode(),
    }
