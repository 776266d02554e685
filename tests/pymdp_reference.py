"""The reference the tests compare explorer with: pymdp's own legacy Agent, built as a pymdp user would."""

import numpy as np
from pymdp.legacy import utils
from pymdp.legacy.agent import Agent

from explorer import build_model

#: Beliefs and policy posteriors of explorer's float64 engines agree with legacy's within this.
TOLERANCE = 1e-8


def legacy_agent(world):
    """pymdp's legacy Agent over copies of ``world``'s model (independent of explorer's bridge)."""
    model = build_model(world)
    return Agent(
        A=model.A[0].copy(),
        B=model.B[0].copy(),
        C=model.C[0].copy(),
        D=model.D[0].copy(),
        policy_len=1,
        action_selection="deterministic",
    )


def legacy_agent_from(kwargs: dict) -> Agent:
    """pymdp's legacy Agent from the arrays and settings a model was built from (``tests/strategies.py``).

    Lists of arrays become pymdp object arrays (copies); nothing of explorer is used.
    """
    settings = dict(kwargs)
    for name in ("A", "B", "C", "D"):
        if isinstance(settings.get(name), list):
            settings[name] = utils.obj_array_from_list([np.array(a, dtype=float) for a in settings[name]])
    if settings.get("E") is not None:
        settings["E"] = np.array(settings["E"], dtype=float)
    return Agent(**settings)


def fragile_draw(q_pi, agent) -> bool:
    """Whether a stochastic legacy draw hangs on round-off: a conditional probability of numpy's
    multinomial within 1e-9 of 1/2, where its binomial takes the other branch (see actions.py)."""
    if agent.action_selection != "stochastic":
        return False
    for f, count in enumerate(agent.num_controls):
        marginal = np.zeros(count)
        for probability, policy in zip(q_pi, agent.policies, strict=True):
            marginal[policy[0, f]] += probability
        logits = agent.alpha * np.log(marginal / marginal.sum() + 1e-16)
        p = np.exp(logits - logits.max())
        p /= p.sum()
        remaining = 1.0
        for p_j in p[:-1]:
            if remaining > 0 and abs(p_j / remaining - 0.5) < 1e-9:
                return True
            remaining -= p_j
    return False


def run_against_legacy(population, references, observe, steps, seed, tolerance=TOLERANCE, follow=False):
    """Step ``population`` ``steps`` times on ``observe(step, actions)``, then the legacy ``references``.

    Beliefs and policy posteriors must agree within ``tolerance``, actions exactly. Returns how many
    actions were compared (all, unless a fragile stochastic draw desynchronized the two RNG streams:
    from there on actions are taken from the population and only beliefs compared). ``follow``: the
    references take the population's actions from the start (an engine without legacy's draws).
    """
    np.random.seed(seed)
    episode, actions = [], None
    for step in range(steps):
        observations = observe(step, actions)
        actions = population.step(observations)
        episode.append((observations, actions, population.beliefs, population.policy_posterior))
    after = np.random.random()
    np.random.seed(seed)
    compared, in_step = 0, not follow
    for observations, actions, beliefs, q_pi in episode:
        for i, reference in enumerate(references):
            reference.infer_states([int(o) for o in observations[i]])
            reference_q_pi, _ = reference.infer_policies()
            if in_step and fragile_draw(reference_q_pi, reference):
                in_step = False
            action = None if follow else reference.sample_action()
            for f, posterior in enumerate(beliefs):
                np.testing.assert_allclose(posterior[i], reference.qs[f], rtol=0, atol=tolerance)
            np.testing.assert_allclose(q_pi[i], reference_q_pi, rtol=0, atol=tolerance)
            if in_step:
                assert np.array_equal(actions[i], action.astype(np.intp)), (i, actions[i], action)
                compared += 1
            else:
                reference.action = actions[i].astype(float)
    if in_step:
        assert np.random.random() == after  # the same draws from the global RNG, no more, no fewer
    return compared
