"""The explorer notebook's task picker: every task's episode, its pictures, and the widgets that pick it."""

import base64
import math
from dataclasses import replace

import numpy as np
import pytest

from explorer import tasks
from explorer.behaviour import run_behaviour
from explorer.explore import Settings, figures
from explorer.explore.app import ExploreApp
from explorer.explore.task_app import TaskView
from explorer.explore.task_figures import task_episode_figure, task_population_figure
from explorer.explore.task_runs import (
    MAX_TASK_AGENTS,
    make_task,
    population_text,
    record_task_episode,
    run_task_population,
)
from explorer.tasks.tmaze_task import CUE

SMALL = Settings(side=5, walls=(6, 7), obs_noise=0.1, agents=40, steps=8, seed=0)


def test_the_episode_is_behaviours_agent_with_its_beliefs_kept():
    task = tasks.tmaze()
    episode = record_task_episode(task, 4, seed=3)
    steps = run_behaviour(task, 1, 4, seed=3)
    assert [tuple(a) for a in episode.actions.tolist()] == list(steps.steps["action"])
    assert list(episode.policy) == list(steps.steps["policy"])
    for term in ("pragmatic", "epistemic", "G"):
        assert np.allclose(episode.followed(term), steps.steps[term])
    entropy = steps.entropy.pivot(index="t", columns="factor", values="entropy").to_numpy()
    assert np.allclose(episode.entropy(), entropy)
    assert np.allclose(episode.q_pi.sum(axis=1), 1)
    assert all(np.allclose(q.sum(axis=1), 1) for q in episode.beliefs)


def test_a_tmaze_agent_checks_the_cue_and_its_belief_about_the_context_collapses():
    episode = record_task_episode(make_task("T-maze"), 4, seed=0)
    assert episode.actions[0, 0] == CUE
    context = episode.entropy()[:, 1]
    assert context[0] == pytest.approx(math.log(2)) and context[1] < 1e-3
    assert episode.followed("epistemic")[0] > 0.5  # the cue is worth ln 2 nats of information
    assert episode.first_goal == 2


def test_the_grid_tasks_are_the_settings_world():
    known, uncertain = make_task("grid", SMALL), make_task("uncertain grid", SMALL)
    assert known.settings["walls"] == uncertain.settings["walls"] == (6, 7)
    assert known.settings["start"] == 0 and uncertain.settings["start"] is None
    prior = uncertain.model.D[0]
    assert np.allclose(prior[[0, 1, 2, 3, 4, 5, 8]], 1 / 23) and prior[6] == prior[7] == 0
    with pytest.raises(ValueError, match="task must be one of"):
        make_task("maze", SMALL)
    with pytest.raises(ValueError, match="n must be an int in"):
        run_task_population(known, MAX_TASK_AGENTS + 1, 3)


def test_pictures_change_with_the_step():
    for name in ("uncertain grid", "signposts"):  # a grid's map beside its heatmap; two factors
        task = make_task(name, SMALL)
        episode = record_task_episode(task, 3, seed=1)
        last = figures.png(task_episode_figure(episode, 2))
        assert last.startswith(b"\x89PNG") and len(last) < 60_000
        assert figures.png(task_episode_figure(episode, 0)) != last
    with pytest.raises(ValueError, match="step must be an int in"):
        task_episode_figure(episode, 3)
    behaviour = run_task_population(task, 20, 3)
    assert figures.png(task_population_figure(behaviour, task)).startswith(b"\x89PNG")
    assert population_text(behaviour).startswith("signposts: 20 agents, 3 steps, success ")


def test_picking_a_task_redraws_both_pictures_in_place():
    app = ExploreApp(SMALL, background=False)
    view = TaskView(app)
    assert view.episode.task.name == "tmaze" and view.behaviour.summary.loc[0, "cue_first"] == 1.0
    pictures = (view.episode_image.value, view.population_image.value)
    ids = (view.episode_image.model_id, view.population_image.model_id)
    view.picker.value = "uncertain grid"
    assert view.episode.task.settings["uncertain_start"] and view.behaviour.summary.loc[0, "task"] == "grid"
    assert view.episode_image.value != pictures[0] and view.population_image.value != pictures[1]
    assert (view.episode_image.model_id, view.population_image.model_id) == ids
    bundle = view.episode_panel()._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == view.episode_image.value
    assert bundle["text/plain"].startswith("task uncertain grid: one agent, 12 steps")
    assert view.population_panel()._repr_mimebundle_()["text/plain"].startswith("grid: 40 agents, 12 steps")
    app.set(replace(SMALL, walls=(6,)))  # the world above changed: the grid task re-runs in it
    assert view.episode.task.settings["walls"] == (6,)


def test_a_researchers_model_is_a_task_of_its_own_process_with_its_goal_where_its_preferences_point():
    from explorer.measure.harness.declared import tmaze

    task = tasks.model_task(tmaze(), "tmaze")
    assert sorted(zip(*task.events["goal"].nonzero(), strict=True)) == [(1, 0), (2, 1)]  # the paying arms
    summary = run_behaviour(task, 50, 4, seed=0, backend="numpy").summary.iloc[0]
    assert summary["success_rate"] == 1.0 and summary["steps_to_goal_median"] == 2  # the cue, then the arm
    with pytest.raises(TypeError, match=r"model must be an explorer\.Model"):
        tasks.model_task("tmaze")


def test_the_picker_offers_the_researchers_model_first_and_draws_every_factor():
    path = "explorer.measure.harness.declared:random3"
    view = TaskView(ExploreApp(SMALL, background=False), model=path)
    name = "explorer.measure.harness.declared.random3"  # its module and function
    assert view.picker.options[-1] == name and view.picker.value == name
    assert len(view.episode.beliefs) == 3 and view.episode.steps == 12  # three factors, each a heatmap
    own = view.episode_image.value
    text = view.population_panel()._repr_mimebundle_()["text/plain"]
    assert text.startswith(f"{name}: 40 agents, 12 steps")
    view.picker.value = "T-maze"
    assert view.episode.task.name == "tmaze" and view.episode_image.value != own
    view.picker.value = name
    assert view.episode_image.value == own  # the model's episode again, drawn the same
