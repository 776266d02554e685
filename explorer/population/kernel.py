"""The fused step of every agent on the sparse model, compiled by numba (importing this imports numba).

One pass per agent does what the dense engine does with matrix products: the prior from the last
posterior and action (a scatter through the successor table), the posterior (``A``'s row for the
observation touches at most five states), every action's predicted states (one scatter each), their
expected free energy (utility and ambiguity per state, observation entropy over the few predicted
observations), the policy softmax and the argmax with its count of near-ties. Work per agent-step
is O(states x actions); agents are split into blocks run in parallel (``prange``). Compiled code is
cached on disk (``cache=True``), so only a machine's first run pays the compilation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: pymdp legacy's ``EPS_VAL`` inside every log, and ``spm_MDP_G``'s threshold on predicted states.
LOG_EPS = 1e-16
INFO_GAIN_THRESHOLD = float(np.exp(-16))
POLICY_PRECISION = 16.0
TIE_TOLERANCE = 1e-8


@njit(cache=True, parallel=True)
def step_agents(
    observations,
    qs,
    q_pi,
    last_action,
    fresh,
    actions,
    tie_counts,
    successors,
    successors_by_action,
    emitters,
    emitter_probs,
    emitter_count,
    emissions,
    emission_probs,
    emission_count,
    D,
    utility_weights,
    neg_ambiguity,
    log_policy_prior,
    block,
    upto=3,
):  # pragma: no cover - compiled; tested through SparseBackend against pymdp
    """Step agents ``0..n-1`` in place: ``qs`` and ``q_pi`` updated, argmax ``actions`` and ``tie_counts``.

    ``upto`` < 3 stops early, for profiling only: 1 after the posterior, 2 without the ambiguity and
    entropy terms (then ``q_pi`` and ``actions`` are not the model's).
    """
    n, n_states = qs.shape
    n_actions = successors.shape[1]
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        prior = np.empty(n_states)
        predicted = np.zeros(n_states)
        predicted_obs = np.zeros(n_states)
        counted = np.empty(n_states, dtype=np.int64)
        flagged = np.zeros(n_states, dtype=np.bool_)
        G = np.empty(n_actions)
        for i in range(b * block, min(n, (b + 1) * block)):
            belief = qs[i]
            # the prior: D after a reset, else B[:, :, a] @ qs (each state's mass moves to its successor)
            if fresh[i]:
                for s in range(n_states):
                    prior[s] = D[s] + LOG_EPS
            else:
                prior[:] = 0.0
                a = last_action[i]
                for s in range(n_states):
                    prior[successors[s, a]] += belief[s]
                for s in range(n_states):
                    prior[s] += LOG_EPS
            # posterior (A[o] + eps) * (prior + eps), normalized: eps everywhere but o's emitters
            o = observations[i]
            for s in range(n_states):
                belief[s] = prior[s] * LOG_EPS
            for k in range(emitter_count[o]):
                s = emitters[o, k]
                belief[s] = prior[s] * (emitter_probs[o, k] + LOG_EPS)
            total = 0.0
            for s in range(n_states):
                total += belief[s]
            for s in range(n_states):
                belief[s] /= total
            if upto < 2:
                continue
            # expected free energy of each action: predict (scatter), utility (gather), and the
            # states predicted above threshold collected as they cross it, for the ambiguity terms
            for u in range(n_actions):
                g = 0.0
                n_counted = 0
                for s in range(n_states):
                    b = belief[s]
                    t = successors_by_action[u, s]
                    q = predicted[t] + b
                    predicted[t] = q
                    g += b * utility_weights[t]
                    if upto > 2 and q > INFO_GAIN_THRESHOLD and not flagged[t]:
                        flagged[t] = True
                        counted[n_counted] = t
                        n_counted += 1
                for c in range(n_counted):
                    s = counted[c]
                    q = predicted[s]
                    g += q * neg_ambiguity[s]
                    for k in range(emission_count[s]):
                        predicted_obs[emissions[s, k]] += emission_probs[s, k] * q
                for c in range(n_counted):
                    s = counted[c]
                    flagged[s] = False
                    for k in range(emission_count[s]):
                        obs = emissions[s, k]
                        p = predicted_obs[obs]
                        if p > 0.0:
                            g -= p * np.log(p + LOG_EPS)
                            predicted_obs[obs] = 0.0
                predicted[:] = 0.0
                G[u] = POLICY_PRECISION * g + log_policy_prior[u]
            # policy posterior softmax(16 G + ln E), then pymdp legacy's action marginals and argmax
            top = G.max()
            total = 0.0
            for u in range(n_actions):
                G[u] = np.exp(G[u] - top)
                total += G[u]
            for u in range(n_actions):
                q_pi[i, u] = G[u] / total
            total = 0.0
            for u in range(n_actions):
                total += q_pi[i, u]
            best = 0
            for u in range(n_actions):
                G[u] = q_pi[i, u] / total
                if G[u] > G[best]:
                    best = u
            ties = 0
            for u in range(n_actions):
                if abs(G[u] - G[best]) <= TIE_TOLERANCE:
                    ties += 1
            actions[i] = best
            tie_counts[i] = ties
