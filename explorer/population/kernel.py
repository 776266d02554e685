"""The fused step of every agent on the sparse model, compiled by numba (importing this imports numba).

One pass per agent does what the dense engine does with matrix products: the prior from the last
posterior and action (a scatter through the successor table), the posterior (``A``'s row for the
observation touches at most five states), each action's expected free energy (utility as one dot
product with the successors' utility weights; ambiguity and observation entropy over the few
predicted states above pymdp's threshold, found from the states holding enough belief), the policy
softmax and the argmax with its count of near-ties. Work per agent-step
is O(states x actions); agents are split into blocks run in parallel (``prange``). Compiled code is
cached on disk (``cache=True``), so only a machine's first run pays the compilation. ``fastmath``
lets the compiler reorder sums (1.5x faster measured; results move by ~1e-16 relative, far inside
the 1e-8 agreement with pymdp that the tests check).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: pymdp legacy's ``EPS_VAL`` inside every log, and ``spm_MDP_G``'s threshold on predicted states.
LOG_EPS = 1e-16
INFO_GAIN_THRESHOLD = float(np.exp(-16))
POLICY_PRECISION = 16.0
TIE_TOLERANCE = 1e-8


@njit(cache=True, parallel=True, fastmath=True)
def step_agents(
    observations,
    qs,
    q_pi,
    last_action,
    fresh,
    actions,
    tie_masks,
    successors,
    successors_by_action,
    predecessors,
    predecessor_count,
    utility_by_action,
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
    """Step agents ``0..n-1`` in place: ``qs`` and ``q_pi`` updated, argmax ``actions``, and ``tie_masks``
    (bit ``u`` set when action ``u``'s marginal is within 1e-8 of the best, as pymdp's legacy rule).

    ``upto`` < 3 stops early, for profiling only: 1 after the posterior, 2 with utility alone, without
    the ambiguity and entropy terms (then ``q_pi`` and ``actions`` are not the model's).
    """
    n, n_states = qs.shape
    n_actions = successors.shape[1]
    significant_cut = INFO_GAIN_THRESHOLD / predecessors.shape[2]
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        prior = np.empty(n_states)
        significant = np.empty(n_states, dtype=np.int64)
        counted_mass = np.empty(n_states)
        flagged = np.zeros(n_states, dtype=np.bool_)
        predicted_obs = np.zeros(n_states)
        counted = np.empty(n_states, dtype=np.int64)
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
            # expected free energy of each action. Utility: qs . (utility weight of each state's
            # successor), a dot product. Ambiguity and entropy only count predicted states above
            # pymdp's threshold; a predicted state sums at most ``max_predecessors`` beliefs, so only
            # successors of states holding more than threshold / max_predecessors can pass it:
            # those few are summed exactly from their predecessors (a gather, in scatter order).
            n_significant = 0
            if upto > 2:
                for s in range(n_states):
                    if belief[s] > significant_cut:
                        significant[n_significant] = s
                        n_significant += 1
            for u in range(n_actions):
                g = 0.0
                for s in range(n_states):
                    g += belief[s] * utility_by_action[u, s]
                n_counted = 0
                for j in range(n_significant):
                    t = successors_by_action[u, significant[j]]
                    if flagged[t]:
                        continue
                    flagged[t] = True
                    q = 0.0
                    for k in range(predecessor_count[u, t]):
                        q += belief[predecessors[u, t, k]]
                    if q > INFO_GAIN_THRESHOLD:
                        counted[n_counted] = t
                        counted_mass[n_counted] = q
                        n_counted += 1
                for j in range(n_significant):
                    flagged[successors_by_action[u, significant[j]]] = False
                for c in range(n_counted):
                    s = counted[c]
                    q = counted_mass[c]
                    g += q * neg_ambiguity[s]
                    for k in range(emission_count[s]):
                        predicted_obs[emissions[s, k]] += emission_probs[s, k] * q
                for c in range(n_counted):
                    s = counted[c]
                    for k in range(emission_count[s]):
                        obs = emissions[s, k]
                        p = predicted_obs[obs]
                        if p > 0.0:
                            g -= p * np.log(p + LOG_EPS)
                            predicted_obs[obs] = 0.0
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
            tied = 0
            for u in range(n_actions):
                if abs(G[u] - G[best]) <= TIE_TOLERANCE:
                    tied |= 1 << u
            actions[i] = best
            tie_masks[i] = tied
