"""The explorer notebook's every-task view: one agent's beliefs and policies, a population's behaviour.

The terms of the expected free energy come from :mod:`explorer.behaviour` (the numpy engine's own
equations); this module only runs the episode and keeps what each step computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.checks import check_choice, check_instance, check_int
from explorer.explore.settings import Settings

#: The tasks the notebook's picker offers: the world above (known start), the same world with an
#: uncertain start, pymdp's T-maze and the signposts grid (``explorer.tasks``).
TASKS = ("grid", "uncertain grid", "T-maze", "signposts")
#: Steps of an episode and a population run per task (``None``: the settings' ``steps``): the T-maze
#: and the signposts are over in a few moves, and more steps would only repeat the last one.
TASK_STEPS = {"grid": None, "uncertain grid": 12, "T-maze": 4, "signposts": 6}
#: Steps of an episode of a researcher's own model (``report --model``), its task made by
#: :func:`explorer.tasks.model_task`: a few policies' worth, as for the uncertain grid.
MODEL_STEPS = 12
#: Most agents of a task's population: signposts' 125 policies cost about 10x the grid's per agent.
MAX_TASK_AGENTS = 1000
#: The engine behaviour runs on: every task's model, exactly as pymdp legacy computes it.
BACKEND = "numpy"

_GRID_MOVES = ("up", "down", "left", "right", "stay")
_TMAZE_PLACES = ("centre", "left", "right", "cue")


def make_task(name: str, settings: Settings | None = None) -> object:
    """The task ``name`` (one of :data:`TASKS`); the two grids are the world ``settings`` describe."""
    from explorer import tasks

    name = check_choice("task", name, TASKS)
    if settings is not None:
        check_instance("settings", settings, Settings, "explorer.explore.Settings")
    s = Settings() if settings is None else settings
    if name == "grid":
        return tasks.grid(s.side, s.walls, s.start, s.goal, s.obs_noise)
    if name == "uncertain grid":
        return tasks.grid(s.side, s.walls, None, s.goal, s.obs_noise, uncertain_start=True)
    if name == "T-maze":
        return tasks.tmaze()
    return tasks.signposts()


def task_steps(name: str, settings: Settings | None = None) -> int:
    """Steps of an episode of task ``name``: :data:`TASK_STEPS`, else the settings' own."""
    name = check_choice("task", name, TASKS)
    steps = TASK_STEPS[name]
    return (Settings() if settings is None else settings).steps if steps is None else steps


def own_task(model: object) -> object:
    """A researcher's model (a Model, a factory or its ``package.module:function`` path) as a task of its
    own generative process (:func:`explorer.tasks.model_task`), named after its factory."""
    from explorer.measure.harness.subjects import subject
    from explorer.tasks import model_task

    measured = subject(model)
    if not measured.is_model:
        raise TypeError(f"model must be an explorer.Model, a factory or its path, got {model!r}")
    return model_task(measured.agents_of, measured.name if measured.path else "your model")


def is_model_task(task: object) -> bool:
    """Whether ``task`` is a researcher's model (made by ``model_task``), not one of the built-in tasks."""
    return "model" in task.settings


def factor_labels(task: object) -> list[tuple[str, list[str]]]:
    """Per hidden-state factor of ``task``, its name and a label per state (for the heatmaps' axes)."""
    n_states = task.model.n_states
    if is_model_task(task):
        return [(f"factor {f}", [str(s) for s in range(size)]) for f, size in enumerate(n_states)]
    if task.name == "tmaze":
        return [("location", list(_TMAZE_PLACES)), ("context", ["left pays", "right pays"])]
    labels = [("cell", [str(s) for s in range(n_states[0])])]
    if task.name == "signposts":
        labels.append(("goal", [f"cell {g}" for g in task.settings["goals"]]))
    return labels


def policy_label(task: object, policy: np.ndarray) -> str:
    """A policy (``(policy_len, n_factors)`` actions) as the moves of its controlled factor, 'a>b' (a
    model's: every controlled factor's action numbers, 'a,b>c,d')."""
    if is_model_task(task):
        controls = task.model.n_controls
        controlled = [f for f, size in enumerate(controls) if size > 1] or list(range(len(controls)))
        return ">".join(",".join(str(int(a[f])) for f in controlled) for a in np.asarray(policy))
    names = _TMAZE_PLACES if task.name == "tmaze" else _GRID_MOVES
    return ">".join(names[int(a)] for a in np.asarray(policy)[:, 0])


@dataclass(frozen=True)
class TaskEpisode:
    """One agent's episode of ``task``: per step ``t``, its true state, observation, beliefs and policies.

    ``states[t]`` is the true state when it observed ``observations[t]`` (``states`` has one more row: where
    the last action led); ``beliefs[f][t]`` its posterior over factor ``f`` after that observation;
    ``q_pi[t]`` its policy posterior; ``policy[t]`` the policy it followed (``explorer.behaviour``'s
    :func:`~explorer.behaviour.followed_policy`); ``pragmatic[t]`` and ``epistemic[t]`` every policy's
    expected utility and information gain in nats (:func:`~explorer.behaviour.policy_terms`).
    """

    task: object
    states: np.ndarray
    observations: np.ndarray
    actions: np.ndarray
    beliefs: tuple[np.ndarray, ...]
    q_pi: np.ndarray
    policy: np.ndarray
    pragmatic: np.ndarray
    epistemic: np.ndarray
    first_goal: int

    @property
    def steps(self) -> int:
        """Steps taken (actions)."""
        return len(self.actions)

    def followed(self, term: str) -> np.ndarray:
        """``"pragmatic"``, ``"epistemic"`` or ``"G"`` (their sum) of the followed policy, per step."""
        term = check_choice("term", term, ("pragmatic", "epistemic", "G"))
        rows = np.arange(self.steps)
        if term == "G":
            return self.pragmatic[rows, self.policy] + self.epistemic[rows, self.policy]
        return getattr(self, term)[rows, self.policy]

    def entropy(self) -> np.ndarray:
        """Entropy of the belief over each factor after each step, ``(steps, n_factors)``, nats."""
        from explorer.behaviour import entropy

        return np.stack([entropy(q) for q in self.beliefs], axis=1)


def record_task_episode(task: object, steps: int, seed: int = 0) -> TaskEpisode:
    """One agent of ``task`` for ``steps`` steps, keeping its beliefs, policy posterior and both terms of G.

    The agent is ``explorer.Population(task.model, 1)`` on the numpy engine and the environment is
    ``task.environment(1)``, both seeded with ``seed``: the episode of ``run_behaviour(task, 1, steps,
    seed=seed)``'s agent.
    """
    from explorer.behaviour import followed_policy, policy_terms
    from explorer.population import Population
    from explorer.tasks import Task

    check_instance("task", task, Task, "an explorer.tasks Task (explorer.tasks.grid(), tmaze(), ...)")
    steps = check_int("steps", steps, low=1)
    seed = check_int("seed", seed, low=0)
    model = task.model
    population = Population(model, 1, backend=BACKEND, seed=seed)
    env = task.environment(1, seed=seed)
    observations = env.reset()
    states, seen, actions_taken, beliefs, q_pis, policies, utilities, gains = ([] for _ in range(8))
    for _ in range(steps):
        states.append(env.states[0])
        seen.append(observations[0])
        actions = np.asarray(population.step(observations))
        qs = [np.array(q) for q in population.beliefs]
        utility, gain = policy_terms(model, qs)
        q_pi = np.array(population.policy_posterior)
        policies.append(int(followed_policy(model.policies, q_pi, actions)[0]))
        actions_taken.append(actions[0])
        beliefs.append([q[0] for q in qs])
        q_pis.append(q_pi[0])
        utilities.append(utility[0])
        gains.append(gain[0])
        observations = env.step(actions)
    states.append(env.states[0])
    per_factor = tuple(np.array([b[f] for b in beliefs]) for f in range(len(model.n_states)))
    return TaskEpisode(
        task,
        np.array(states),
        np.array(seen),
        np.array(actions_taken),
        per_factor,
        np.array(q_pis),
        np.array(policies),
        np.array(utilities),
        np.array(gains),
        int(env.first_visits["goal"][0]),
    )


def run_task_population(task: object, n: int, steps: int, seed: int = 0) -> object:
    """``n`` agents of ``task`` for ``steps`` steps: ``explorer.behaviour.run_behaviour``, numpy engine."""
    from explorer.behaviour import run_behaviour

    n = check_int("n", n, low=1, high=MAX_TASK_AGENTS + 1)
    return run_behaviour(task, n, steps, seed=seed, backend=BACKEND)


def population_text(behaviour: object) -> str:
    """One line saying what the population did: success, steps to the goal, events reached first."""
    row = behaviour.summary.iloc[0]
    median = row["steps_to_goal_median"]
    parts = [
        f"{row['task']}: {row['n']} agents, {row['steps']} steps",
        f"success {row['success_rate']:.1%}",
        "median steps to goal " + ("-" if np.isnan(median) else f"{median:g}"),
    ]
    parts += [f"{name.removesuffix('_first')} first {row[name]:.1%}" for name in first_columns(behaviour)]
    return ", ".join(parts)


def first_columns(behaviour: object) -> list[str]:
    """The summary's ``<event>_first`` columns: the fraction of agents reaching each event first."""
    return [c for c in behaviour.summary.columns if c.endswith("_first") and c != "entropy_first"]
