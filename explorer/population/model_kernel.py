"""One agent-step of any discrete model, compiled by numba: prior, posterior, every policy's G, q_pi.

Importing this imports numba. The equations are those pymdp's legacy ``Agent`` runs with
``inference_algo="VANILLA"`` (``run_vanilla_fpi_factorized`` and
``update_posterior_policies_factorized``, every modality depending on every factor); each agent's
state is flat (``qs`` of all factors end to end, one joint state index over the factors in C
order). What can be computed once per model comes in :class:`~explorer.population.numba_engine.KernelArrays`;
the policies' part of the step is :mod:`explorer.population.model_policies`.

Agents are stepped ``LANES`` side by side: every scratch array is ``(..., LANES)``, agents innermost,
so that LLVM vectorizes each loop over agents (one SIMD lane per agent). Each agent's arithmetic is
the same operations in the same order as one agent alone: lanes never mix. Compiled code is cached
on disk (``cache=True``); no ``fastmath`` (the fixed-point iteration's stopping rule compares a free
energy difference with a tolerance, so sums keep pymdp's order).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from explorer.population.lane_math import exp_lanes, log_lanes
from explorer.population.model_policies import LANES, LOG_EPS, policy_values, select_best


@njit(cache=True, parallel=True, error_model="numpy")
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
    node_twin,
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
    first; policy ``p`` ends at node ``policy_leaf[p]``; ``node_twin[k]`` is an earlier node likely to
    predict what node ``k`` predicts, or -1 (checked per block before its terms are reused). ``best``
    (n, F) gets each factor's most probable first action and ``unsure`` (n,) marks agents where another
    action comes within ``UNSURE_GAP`` of it. Blocks of ``block`` agents run in parallel, ``LANES`` at a time.
    """
    n = qs.shape[0]
    total_states = qs.shape[1]
    n_joint = joint_index.shape[0]
    total_obs = emission.shape[1]
    n_policies = policy_leaf.shape[0]
    n_nodes = node_parent.shape[0]
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        prior = np.empty((total_states, LANES))
        log_prior = np.empty((total_states, LANES))
        LL = np.empty((n_joint, LANES))
        q = np.empty((total_states, LANES))
        scratch = np.empty((3 * total_states + 11, LANES))
        x = np.empty((n_nodes + 1, total_states, LANES))
        g_node = np.empty((n_nodes, LANES))
        node_terms = np.empty((n_nodes, 2, LANES))
        qo = np.empty((total_obs, LANES))
        terms = np.empty((6, LANES))
        bits = np.empty(2 * LANES, dtype=np.int64)
        flags = np.empty(total_states + total_obs, dtype=np.bool_)
        G = np.empty((n_policies, LANES))
        G_exp = np.empty((n_policies, LANES))
        marginal = np.empty((control_offset[-1], LANES))
        end = min(n, (b + 1) * block)
        for start in range(b * block, end, LANES):
            m = min(LANES, end - start)
            _prior(start, m, qs, last_action, fresh, n_states, state_offset, transitions, D, log_D, prior)
            shifted = terms[0]
            for k in range(total_states):  # legacy: ln(prior + 1e-16); D's log comes precomputed
                for j in range(m):
                    shifted[j] = prior[k, j] + LOG_EPS
                log_lanes(shifted, log_prior[k], bits, m)
                for j in range(m):
                    if fresh[start + j]:
                        log_prior[k, j] = log_D[k]
            # the joint log-likelihood: sum over modalities of ln(A[m][o_m, s] + eps)
            for s in range(n_joint):
                for j in range(m):
                    LL[s, j] = 0.0
                for mod in range(obs_offset.shape[0]):
                    for j in range(m):
                        LL[s, j] += log_likelihood[obs_offset[mod] + observations[start + j, mod], s]
            if n_states.shape[0] == 1:
                _softmax_lanes(
                    LL, log_prior, 0, total_states, m, q, scratch[:total_states], scratch[total_states:], bits
                )
            else:
                _fixed_point(
                    m,
                    LL,
                    log_prior,
                    n_states,
                    state_offset,
                    joint_index,
                    num_iter,
                    dF_initial,
                    dF_tol,
                    q,
                    scratch,
                    bits,
                )
            for j in range(m):
                for k in range(total_states):
                    qs_out[start + j, k] = q[k, j]
            policy_values(
                m,
                q,
                x,
                g_node,
                node_terms,
                qo,
                terms,
                bits,
                flags,
                n_states,
                state_offset,
                joint_index,
                transitions,
                utility,
                neg_ambiguity,
                emission,
                node_parent,
                node_actions,
                node_twin,
                use_utility,
                use_info_gain,
            )
            # q_pi = softmax(gamma G + ln E), then each factor's most probable first action
            for p in range(n_policies):
                leaf = policy_leaf[p]
                for j in range(m):
                    G[p, j] = g_node[leaf, j] * gamma + log_E[p]
            top, total = terms[0], terms[1]
            for j in range(m):
                top[j] = G[0, j]
                total[j] = 0.0
            for p in range(1, n_policies):
                for j in range(m):
                    top[j] = max(top[j], G[p, j])
            for p in range(n_policies):
                for j in range(m):
                    G[p, j] -= top[j]
                exp_lanes(G[p], G_exp[p], bits, m)
                for j in range(m):
                    total[j] += G_exp[p, j]
            for p in range(n_policies):
                for j in range(m):
                    G_exp[p, j] /= total[j]
            for j in range(m):
                for p in range(n_policies):
                    q_pi_out[start + j, p] = G_exp[p, j]
            select_best(start, m, G_exp, first_action, control_offset, marginal, terms, bits, best, unsure)


@njit(cache=True, error_model="numpy")
def _prior(
    start, m, qs, last_action, fresh, n_states, state_offset, transitions, D, log_D, prior
):  # pragma: no cover
    """``prior[:, j]``: ``D`` for agent ``start + j`` after a reset, else ``B[f][:, :, a_f] @ qs_f``."""
    for f in range(n_states.shape[0]):
        off = state_offset[f]
        size = n_states[f]
        for r in range(size):
            for j in range(m):
                i = start + j
                if fresh[i]:
                    prior[off + r, j] = D[off + r]
                else:
                    a = last_action[i, f]
                    acc = 0.0
                    for c in range(size):
                        acc += transitions[f, a, r, c] * qs[i, off + c]
                    prior[off + r, j] = acc


@njit(cache=True, error_model="numpy")
def _softmax_lanes(logits, log_prior, off, size, m, out, log_out, lanes, bits):  # pragma: no cover
    """``out[off:off+size] = softmax(logits + log_prior)`` per lane, ``log_out`` its log (one ``log`` per
    lane); ``lanes`` holds three rows of scratch, ``bits`` an int64 row for :mod:`lane_math`."""
    top, total, shifted = lanes[0], lanes[1], lanes[2]
    for j in range(m):
        top[j] = -np.inf
        total[j] = 0.0
    for k in range(off, off + size):
        for j in range(m):
            value = logits[k, j] + log_prior[k, j]
            log_out[k, j] = value
            top[j] = max(top[j], value)
    for k in range(off, off + size):
        for j in range(m):
            log_out[k, j] -= top[j]
            shifted[j] = log_out[k, j]
        exp_lanes(shifted, out[k], bits, m)
        for j in range(m):
            total[j] += out[k, j]
    log_lanes(total, top, bits, m)
    for k in range(off, off + size):
        for j in range(m):
            out[k, j] /= total[j]
            log_out[k, j] -= top[j]


@njit(cache=True, error_model="numpy")
def _fixed_point(
    m, LL, log_prior, n_states, state_offset, joint_index, num_iter, dF_initial, dF_tol, q, scratch, bits
):  # pragma: no cover - compiled
    """pymdp's ``run_vanilla_fpi_factorized`` for several factors, per lane: posteriors left in ``q``.

    From uniform marginals, each iteration updates every factor from the previous iteration's
    marginals (``softmax(E_q[ln P(o|s)] + ln prior)``), then computes the free energy; an agent stops
    after ``num_iter`` iterations or once its free energy changed by less than ``dF_tol`` (its lane
    then keeps its posterior while the others iterate on).
    """
    n_factors = n_states.shape[0]
    total_states = q.shape[0]
    n_joint = joint_index.shape[0]
    q_new = scratch[:total_states]
    log_q = scratch[total_states : 2 * total_states]
    qL = scratch[2 * total_states : 3 * total_states]
    base = 3 * total_states
    prev_vfe, vfe, dF, cross = scratch[base], scratch[base + 1], scratch[base + 2], scratch[base + 3]
    neg_entropy, accuracy, active = scratch[base + 4], scratch[base + 5], scratch[base + 6]
    weight, lanes = scratch[base + 7], scratch[base + 8 :]
    for j in range(m):
        prev_vfe[j] = 0.0
        dF[j] = dF_initial
        active[j] = 1.0 if dF_initial >= dF_tol else 0.0
    for f in range(n_factors):
        off = state_offset[f]
        size = n_states[f]
        uniform = 1.0 / size
        entropy_f = 0.0  # the same for every agent: q . ln(q + 1e-16) of the uniform q
        for _ in range(size):
            entropy_f += uniform * math.log(uniform + LOG_EPS)
        for j in range(m):
            cross[j] = 0.0
        for k in range(off, off + size):
            for j in range(m):
                q[k, j] = uniform
                cross[j] -= uniform * log_prior[k, j]
        for j in range(m):
            prev_vfe[j] += entropy_f + cross[j]
    iteration = 0
    while iteration < num_iter:
        running = 0.0
        for j in range(m):
            running += active[j]
        if running == 0.0:
            break
        for k in range(total_states):
            for j in range(m):
                qL[k, j] = 0.0
        for s in range(n_joint):
            for f in range(n_factors):
                # LL times every other factor's q, in factor order: the first and last products fused
                # with the copy and the sum (one pass over the lanes for two factors)
                first = 1 if f == 0 else 0
                last = n_factors - 2 if f == n_factors - 1 else n_factors - 1
                target = state_offset[f] + joint_index[s, f]
                row = state_offset[last] + joint_index[s, last]
                if first == last:
                    for j in range(m):
                        qL[target, j] += LL[s, j] * q[row, j]
                    continue
                row_first = state_offset[first] + joint_index[s, first]
                for j in range(m):
                    weight[j] = LL[s, j] * q[row_first, j]
                for h in range(first + 1, last):
                    if h != f:
                        row_h = state_offset[h] + joint_index[s, h]
                        for j in range(m):
                            weight[j] *= q[row_h, j]
                for j in range(m):
                    qL[target, j] += weight[j] * q[row, j]
        for j in range(m):
            vfe[j] = 0.0
        for f in range(n_factors):
            off = state_offset[f]
            size = n_states[f]
            _softmax_lanes(qL, log_prior, off, size, m, q_new, log_q, lanes, bits)
            # q . ln(q + 1e-16) as q . ln q: they differ by at most 1e-16 per state
            for j in range(m):
                neg_entropy[j] = 0.0
                cross[j] = 0.0
            for k in range(off, off + size):
                for j in range(m):
                    neg_entropy[j] += q_new[k, j] * log_q[k, j]
                    cross[j] -= q_new[k, j] * log_prior[k, j]
            for j in range(m):
                vfe[j] += neg_entropy[j] + cross[j]
        for j in range(m):
            accuracy[j] = 0.0
        for s in range(n_joint):
            row = state_offset[0] + joint_index[s, 0]
            row_last = state_offset[n_factors - 1] + joint_index[s, n_factors - 1]
            if n_factors == 2:
                for j in range(m):
                    accuracy[j] += LL[s, j] * q_new[row, j] * q_new[row_last, j]
                continue
            for j in range(m):
                weight[j] = LL[s, j] * q_new[row, j]
            for f in range(1, n_factors - 1):
                row = state_offset[f] + joint_index[s, f]
                for j in range(m):
                    weight[j] *= q_new[row, j]
            for j in range(m):
                accuracy[j] += weight[j] * q_new[row_last, j]
        for j in range(m):
            vfe[j] -= accuracy[j]
        for k in range(total_states):
            for j in range(m):
                q[k, j] = q_new[k, j] if active[j] != 0.0 else q[k, j]
        for j in range(m):
            if active[j] != 0.0:
                dF[j] = abs(prev_vfe[j] - vfe[j])
                prev_vfe[j] = vfe[j]
                if not dF[j] >= dF_tol:
                    active[j] = 0.0
        iteration += 1
