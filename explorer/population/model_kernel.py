"""One agent-step of any discrete model, compiled by numba: prior, posterior, every policy's G, q_pi.

Importing this imports numba. The equations are those pymdp's legacy ``Agent`` runs with
``inference_algo="VANILLA"`` (``run_vanilla_fpi_factorized`` and
``update_posterior_policies_factorized``, every modality depending on every factor); each agent's
state is flat (``qs`` of all factors end to end, one joint state index over the factors in C
order). What can be computed once per model comes in :class:`~explorer.population.numba_engine.KernelArrays`.
Compiled code is cached on disk (``cache=True``); no ``fastmath`` (the fixed-point iteration's
stopping rule compares a free energy difference with a tolerance, so sums keep pymdp's order).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

#: pymdp legacy's ``EPS_VAL``, added inside every ``log``.
LOG_EPS = 1e-16
#: ``spm_MDP_G`` only counts joint predicted states with ``q(s) > exp(-16)``.
INFO_GAIN_THRESHOLD = math.exp(-16)
#: Unnormalized action marginals closer than this to the best one send the agent to the shared
#: selection (legacy ties actions within 1e-8 of the best after normalizing: this is wider).
UNSURE_GAP = 1e-7


@njit(cache=True, parallel=True)
def step_model_agents(
    observations,
    qs,
    qs_out,
    q_pi_out,
    last_action,
    fresh,
    n_states,
    state_offset,
    joint_index,
    transitions,
    D,
    log_D,
    obs_offset,
    log_likelihood,
    emission,
    utility,
    neg_ambiguity,
    node_parent,
    node_actions,
    policy_leaf,
    first_action,
    control_offset,
    log_E,
    gamma,
    num_iter,
    dF_initial,
    dF_tol,
    use_utility,
    use_info_gain,
    best,
    unsure,
    block,
):  # pragma: no cover - compiled; tested through NumbaEngine against pymdp's legacy Agent
    """Step agents ``0..n-1``: posteriors from ``qs`` (n, sum of states) into ``qs_out``, policy posteriors
    into ``q_pi_out`` (n, policies); ``qs`` is read only (a step that fails later changes nothing).

    ``transitions[f, u, i, j] = B[f][i, j, u]``; ``log_likelihood[obs_offset[m] + o, s] = ln(A[m][o, s] +
    1e-16)`` and ``emission[s, obs_offset[m] + o] = A[m][o, s]`` over joint states ``s``;
    ``utility[s] = sum_m ln(softmax(C[m]) + 1e-16) . A[m][:, s]``; ``neg_ambiguity[s] = sum_m
    A[m][:, s] . ln(A[m][:, s] + exp(-16))``. The policies come as a tree of their distinct prefixes:
    node ``k`` takes ``node_actions[k]`` after node ``node_parent[k]`` (-1: from the posterior), parents
    first; policy ``p`` ends at node ``policy_leaf[p]``. ``best`` (n, F) gets each factor's most
    probable first action and ``unsure`` (n,) marks agents where another action comes within
    ``UNSURE_GAP`` of it.
    """
    n = qs.shape[0]
    n_factors = n_states.shape[0]
    total_states = qs.shape[1]
    n_joint = joint_index.shape[0]
    n_modalities = obs_offset.shape[0]
    total_obs = emission.shape[1]
    n_policies = policy_leaf.shape[0]
    n_nodes = node_parent.shape[0]
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        prior = np.empty(total_states)
        log_prior = np.empty(total_states)
        q = np.empty(total_states)
        q_new = np.empty(total_states)
        log_q = np.empty(total_states)
        qL = np.empty(total_states)
        x = np.empty((n_nodes + 1, total_states))
        g_node = np.empty(n_nodes)
        LL = np.empty(n_joint)
        qo = np.empty(total_obs)
        G = np.empty(n_policies)
        marginal = np.empty(control_offset[-1])
        for i in range(b * block, min(n, (b + 1) * block)):
            # the prior: D after a reset, else B[f][:, :, a_f] @ qs_f per factor
            if fresh[i]:
                for k in range(total_states):
                    prior[k] = D[k]
                    log_prior[k] = log_D[k]
            else:
                for f in range(n_factors):
                    off = state_offset[f]
                    size = n_states[f]
                    a = last_action[i, f]
                    for r in range(size):
                        acc = 0.0
                        for c in range(size):
                            acc += transitions[f, a, r, c] * qs[i, off + c]
                        prior[off + r] = acc
                for k in range(total_states):
                    log_prior[k] = math.log(prior[k] + LOG_EPS)
            # the joint log-likelihood: sum over modalities of ln(A[m][o_m, s] + eps)
            for s in range(n_joint):
                acc = 0.0
                for m in range(n_modalities):
                    acc += log_likelihood[obs_offset[m] + observations[i, m], s]
                LL[s] = acc
            if n_factors == 1:
                _softmax_into(LL, log_prior, 0, total_states, qs_out[i], log_q)
            else:
                _fixed_point(
                    LL,
                    log_prior,
                    n_states,
                    state_offset,
                    joint_index,
                    num_iter,
                    dF_initial,
                    dF_tol,
                    q,
                    q_new,
                    log_q,
                    qL,
                )
                for k in range(total_states):
                    qs_out[i, k] = q[k]
            # every policy's expected free energy over policy_len steps, along the tree of policy
            # prefixes: policies that begin alike share their predictions and terms up to where they part
            for k in range(total_states):
                x[0, k] = qs_out[i, k]  # row 0 the posterior, row k + 1 node k's prediction
            for node in range(n_nodes):
                parent = node_parent[node]
                for f in range(n_factors):
                    off = state_offset[f]
                    size = n_states[f]
                    a = node_actions[node, f]
                    for r in range(size):
                        acc = 0.0
                        for c in range(size):
                            acc += transitions[f, a, r, c] * x[parent + 1, off + c]
                        x[node + 1, off + r] = acc
                expected_utility = 0.0
                ambiguity = 0.0
                for k in range(total_obs):
                    qo[k] = 0.0
                for s in range(n_joint):
                    qx = 1.0
                    for f in range(n_factors):
                        qx *= x[node + 1, state_offset[f] + joint_index[s, f]]
                    expected_utility += qx * utility[s]
                    if qx > INFO_GAIN_THRESHOLD:
                        ambiguity += qx * neg_ambiguity[s]
                        for k in range(total_obs):
                            qo[k] += qx * emission[s, k]
                entropy = 0.0
                for k in range(total_obs):
                    if qo[k] > 0.0 and qo[k] != 1.0:  # 1 + 1e-16 rounds to 1: its log is 0
                        entropy += qo[k] * math.log(qo[k] + LOG_EPS)
                g = 0.0 if parent < 0 else g_node[parent]
                if use_utility:
                    g += expected_utility
                if use_info_gain:
                    g += ambiguity - entropy
                g_node[node] = g
            for p in range(n_policies):
                G[p] = g_node[policy_leaf[p]] * gamma + log_E[p]
            top = G.max()
            total = 0.0
            for p in range(n_policies):
                G[p] = math.exp(G[p] - top)
                total += G[p]
            for p in range(n_policies):
                q_pi_out[i, p] = G[p] / total
            # each factor's most probable first action; ``unsure`` where another is within
            # UNSURE_GAP of it (near-ties: the shared action selection decides those rows)
            unsure[i] = False
            for k in range(control_offset[-1]):
                marginal[k] = 0.0
            for p in range(n_policies):
                for f in range(n_factors):
                    marginal[control_offset[f] + first_action[p, f]] += q_pi_out[i, p]
            for f in range(n_factors):
                top_u = 0
                start = control_offset[f]
                for u in range(control_offset[f + 1] - start):
                    if marginal[start + u] > marginal[start + top_u]:
                        top_u = u
                best[i, f] = top_u
                for u in range(control_offset[f + 1] - start):
                    if u != top_u and marginal[start + top_u] - marginal[start + u] <= UNSURE_GAP:
                        unsure[i] = True


@njit(cache=True)
def _softmax_into(logits, log_prior, off, size, out, log_out):  # pragma: no cover - compiled
    """``out[off:off+size] = softmax(logits + log_prior)`` there, ``log_out`` its log (no ``log`` call)."""
    top = -np.inf
    for k in range(off, off + size):
        value = logits[k] + log_prior[k]
        log_out[k] = value
        if value > top:
            top = value
    total = 0.0
    for k in range(off, off + size):
        log_out[k] -= top
        out[k] = math.exp(log_out[k])
        total += out[k]
    log_total = math.log(total)
    for k in range(off, off + size):
        out[k] /= total
        log_out[k] -= log_total


@njit(cache=True)
def _fixed_point(
    LL, log_prior, n_states, state_offset, joint_index, num_iter, dF, dF_tol, q, q_new, log_q, qL
):  # pragma: no cover - compiled
    """pymdp's ``run_vanilla_fpi_factorized`` for several factors: posteriors left in ``q``.

    From uniform marginals, each iteration updates every factor from the previous iteration's
    marginals (``softmax(E_q[ln P(o|s)] + ln prior)``), then computes the free energy; it stops
    after ``num_iter`` iterations or once the free energy changed by less than ``dF_tol``.
    """
    n_factors = n_states.shape[0]
    total_states = q.shape[0]
    n_joint = joint_index.shape[0]
    prev_vfe = 0.0
    for f in range(n_factors):
        off = state_offset[f]
        size = n_states[f]
        neg_entropy = 0.0
        cross = 0.0
        for k in range(off, off + size):
            q[k] = 1.0 / size
            neg_entropy += q[k] * math.log(q[k] + LOG_EPS)
            cross -= q[k] * log_prior[k]
        prev_vfe += neg_entropy + cross
    iteration = 0
    while iteration < num_iter and dF >= dF_tol:
        for k in range(total_states):
            qL[k] = 0.0
        for s in range(n_joint):
            for f in range(n_factors):
                weight = LL[s]
                for h in range(n_factors):
                    if h != f:
                        weight *= q[state_offset[h] + joint_index[s, h]]
                qL[state_offset[f] + joint_index[s, f]] += weight
        vfe = 0.0
        for f in range(n_factors):
            off = state_offset[f]
            size = n_states[f]
            _softmax_into(qL, log_prior, off, size, q_new, log_q)
            # q . ln(q + 1e-16) as q . ln q: they differ by at most 1e-16 per state
            neg_entropy = 0.0
            cross = 0.0
            for k in range(off, off + size):
                neg_entropy += q_new[k] * log_q[k]
                cross -= q_new[k] * log_prior[k]
            vfe += neg_entropy + cross
        accuracy = 0.0
        for s in range(n_joint):
            weight = LL[s]
            for f in range(n_factors):
                weight *= q_new[state_offset[f] + joint_index[s, f]]
            accuracy += weight
        vfe -= accuracy
        for k in range(total_states):
            q[k] = q_new[k]
        dF = abs(prev_vfe - vfe)
        prev_vfe = vfe
        iteration += 1
