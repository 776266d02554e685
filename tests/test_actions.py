"""Action selection: the actions and the global RNG draws of pymdp legacy's ``control.sample_action``."""

import numpy as np
import pytest
from pymdp.legacy import control

from explorer.population.actions import ActionSelection

#: two factors, the second with one control: every policy of two steps, in legacy's order
POLICIES = np.array(control.construct_policies([3, 2], [3, 1], 2, [0]))
N_CONTROLS = (3, 1)


def posteriors(n, seed):
    """Policy posteriors with exact ties between the policies of different first actions in some rows."""
    rng = np.random.default_rng(seed)
    q_pi = rng.dirichlet(np.ones(len(POLICIES)) * 0.3, size=n)
    q_pi[::3] = 1.0 / len(POLICIES)  # every first action tied
    q_pi[1::5, :3] = q_pi[1::5, 3:6]  # first actions 0 and 1 tied in these rows
    return q_pi / q_pi.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("mode", ["deterministic", "stochastic"])
def test_legacy_rng_draws_what_legacy_agents_draw_in_order(mode):
    q_pi = posteriors(40, 1)
    selection = ActionSelection(POLICIES, N_CONTROLS, mode, alpha=2.0)
    np.random.seed(11)
    actions = selection.select(q_pi, None)
    after = np.random.random()
    np.random.seed(11)
    expected = [control.sample_action(q, list(POLICIES), list(N_CONTROLS), mode, alpha=2.0) for q in q_pi]
    assert np.array_equal(actions, np.array(expected, dtype=np.intp))
    assert np.random.random() == after  # no draw more or fewer than legacy
    assert actions.shape == (40, 2) and actions.dtype == np.intp and not actions[:, 1].any()
    assert len(set(actions[::3, 0])) > 1  # the tied rows did draw


def test_marginals_sum_the_policies_by_first_action():
    q_pi = posteriors(6, 2)
    (first, second) = ActionSelection(POLICIES, N_CONTROLS, "deterministic", 16.0).marginals(q_pi)
    expected = np.stack([q_pi[:, POLICIES[:, 0, 0] == a].sum(axis=1) for a in range(3)], axis=1)
    np.testing.assert_allclose(first, expected, rtol=0, atol=1e-15)
    assert np.array_equal(second, np.ones((6, 1)))


def test_a_seeded_generator_reproduces_and_breaks_ties_uniformly():
    q_pi = np.full((3000, len(POLICIES)), 1.0 / len(POLICIES))
    selection = ActionSelection(POLICIES, N_CONTROLS, "deterministic", 16.0)
    first = selection.select(q_pi, np.random.default_rng(4))
    assert np.array_equal(first, selection.select(q_pi, np.random.default_rng(4)))
    assert not np.array_equal(first, selection.select(q_pi, np.random.default_rng(5)))
    counts = np.bincount(first[:, 0], minlength=3)
    assert counts.min() > 850  # about 1,000 each


def test_a_seeded_generator_samples_the_softmax_of_the_marginals():
    q_pi = np.tile(posteriors(4, 3)[2], (20_000, 1))
    selection = ActionSelection(POLICIES, N_CONTROLS, "stochastic", 1.5)
    actions = selection.select(q_pi, np.random.default_rng(0))
    marginal = selection.marginals(q_pi[:1])[0][0]
    expected = np.exp(1.5 * np.log(marginal + 1e-16))
    np.testing.assert_allclose(
        np.bincount(actions[:, 0], minlength=3) / 20_000, expected / expected.sum(), atol=0.015
    )


def test_an_unknown_rule_is_refused_by_name():
    with pytest.raises(ValueError, match="action_selection must be one of"):
        ActionSelection(POLICIES, N_CONTROLS, "greedy", 16.0)
