"""Every policy's expected free energy and each agent's best first action, for lanes of agents (numba).

Part of the numba engine's step (:mod:`explorer.population.model_kernel` calls these per ``LANES``
agents): along the tree of policy prefixes, each prefix's predicted states (``B`` applied per factor),
its expected utility and information gain as pymdp legacy's ``update_posterior_policies_factorized``
computes them (``spm_MDP_G``'s ambiguity and predicted outcomes' entropy), and from the policy
posterior the action marginals legacy's ``sample_action`` takes the most probable of.
"""

from __future__ import annotations

import math

from numba import njit

from explorer.population.lane_math import log_lanes

#: pymdp legacy's ``EPS_VAL``, added inside every ``log``.
LOG_EPS = 1e-16
#: ``spm_MDP_G`` only counts joint predicted states with ``q(s) > exp(-16)``.
INFO_GAIN_THRESHOLD = math.exp(-16)
#: Unnormalized action marginals closer than this to the best one send the agent to the shared
#: selection (legacy ties actions within 1e-8 of the best after normalizing: this is wider).
UNSURE_GAP = 1e-7
#: Agents stepped side by side in one pass of the kernel (a multiple of the widest SIMD vector).
LANES = 64


@njit(cache=True, error_model="numpy")
def predict(transitions, f, a, off, size, source, target, m):  # pragma: no cover - compiled
    """``target[off + r, j] = sum_c B[f][r, c, a] source[off + c, j]`` for the first ``m`` lanes.

    Terms whose weight is 0 are left out (adding ``0 * q`` leaves the sum as it is: deterministic moves
    skip most) and a sum starts at its first term (``0 + w q`` is ``w q``, every term being >= 0).
    """
    for r in range(size):
        empty = True
        for c in range(size):
            weight = transitions[f, a, r, c]
            if weight != 0.0:
                if empty:
                    for j in range(m):
                        target[off + r, j] = weight * source[off + c, j]
                    empty = False
                else:
                    for j in range(m):
                        target[off + r, j] += weight * source[off + c, j]
        if empty:
            for j in range(m):
                target[off + r, j] = 0.0


@njit(cache=True, error_model="numpy")
def policy_values(
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
):  # pragma: no cover - compiled
    """Every policy prefix's expected free energy over its steps into ``g_node`` (nodes x lanes).

    Along the tree of policy prefixes: policies that begin alike share their predictions and terms
    up to where they part; ``x[0]`` is the posterior, ``x[k + 1]`` node ``k``'s prediction. A node
    whose prediction is bit for bit its twin's (``node_twin``, an earlier node) takes its twin's terms
    (they are a function of the prediction alone); ``node_terms[k]`` holds node ``k``'s utility and
    information gain.
    """
    n_factors = n_states.shape[0]
    x[0, :, :m] = q[:, :m]
    for node in range(node_parent.shape[0]):
        parent = node_parent[node]
        for f in range(n_factors):
            predict(
                transitions,
                f,
                node_actions[node, f],
                state_offset[f],
                n_states[f],
                x[parent + 1],
                x[node + 1],
                m,
            )
        twin = node_twin[node]
        if twin >= 0 and _same_lanes(x[node + 1], x[twin + 1], m):
            node_terms[node, :, :m] = node_terms[twin, :, :m]
        else:
            _node_terms(
                m,
                x[node + 1],
                node_terms[node],
                qo,
                terms,
                bits,
                flags,
                state_offset,
                joint_index,
                utility,
                neg_ambiguity,
                emission,
            )
        for j in range(m):
            g = 0.0 if parent < 0 else g_node[parent, j]
            if use_utility:
                g += node_terms[node, 0, j]
            if use_info_gain:
                g += node_terms[node, 1, j]
            g_node[node, j] = g


@njit(cache=True, error_model="numpy")
def _same_lanes(a, b, m):  # pragma: no cover - compiled
    """Whether ``a[:, :m]`` and ``b[:, :m]`` hold the same values."""
    for k in range(a.shape[0]):
        differ = 0  # counted, not or-ed: LLVM vectorizes an integer sum, not a boolean or
        for j in range(m):
            differ += a[k, j] != b[k, j]
        if differ:
            return False
    return True


@njit(cache=True, error_model="numpy")
def _node_terms(
    m, prediction, out, qo, terms, bits, flags, state_offset, joint_index, utility, neg_ambiguity, emission
):  # pragma: no cover - compiled
    """One prediction's expected utility into ``out[0]``, its information gain (``ambiguity`` minus the
    predicted outcomes' entropy, as ``spm_MDP_G``) into ``out[1]``, for the first ``m`` lanes.

    What adds exactly 0 to a sum is skipped: a joint state with a factor's state predicted 0 in every
    lane, an outcome no other state emits (predicted 0) or predicted 0 or 1 in every lane (after a move
    to a known place most are). Sums start at their first term (every term >= 0); ``flags`` is
    scratch, one per state and one per outcome.
    """
    n_factors = state_offset.shape[0]
    n_joint = joint_index.shape[0]
    total_states = prediction.shape[0]
    total_obs = emission.shape[1]
    qx, utility_sum, ambiguity, entropy = terms[0], terms[1], terms[2], terms[3]
    shifted, logs = terms[4], terms[5]
    live, touched = flags[:total_states], flags[total_states:]
    for k in range(total_states):
        nonzero = 0
        for j in range(m):
            nonzero += prediction[k, j] != 0.0
        live[k] = nonzero > 0
    for k in range(total_obs):
        touched[k] = False
    for j in range(m):
        utility_sum[j] = 0.0
        ambiguity[j] = 0.0
    for s in range(n_joint):
        skip = False
        for f in range(n_factors):
            skip |= not live[state_offset[f] + joint_index[s, f]]
        if skip:
            continue
        # the joint state's probability, the product over factors (1 q is q: the first needs no 1);
        # the last factor's product fused with the sums
        row = state_offset[0] + joint_index[s, 0]
        for j in range(m):
            qx[j] = prediction[row, j]
        for f in range(1, n_factors - 1):
            row = state_offset[f] + joint_index[s, f]
            for j in range(m):
                qx[j] *= prediction[row, j]
        row = state_offset[n_factors - 1] + joint_index[s, n_factors - 1]
        last = n_factors > 1
        u, a = utility[s], neg_ambiguity[s]
        for j in range(m):
            value = qx[j] * prediction[row, j] if last else qx[j]
            utility_sum[j] += value * u
            # states at or below the threshold add nothing (adding 0 * a leaves the sum as it is)
            counted = value if value > INFO_GAIN_THRESHOLD else 0.0
            ambiguity[j] += counted * a
            qx[j] = counted
        for k in range(total_obs):
            e = emission[s, k]
            if e != 0.0:  # outcomes a state never emits add nothing
                if touched[k]:
                    for j in range(m):
                        qo[k, j] += qx[j] * e
                else:
                    touched[k] = True
                    for j in range(m):
                        qo[k, j] = qx[j] * e
    for j in range(m):
        entropy[j] = 0.0
    for k in range(total_obs):
        if not touched[k]:
            continue
        uncertain = 0
        for j in range(m):
            uncertain += (qo[k, j] > 0.0) & (qo[k, j] != 1.0)
        if uncertain:
            for j in range(m):
                shifted[j] = qo[k, j] + LOG_EPS
            log_lanes(shifted, logs, bits, m)
            for j in range(m):
                value = qo[k, j]
                # 1 + 1e-16 rounds to 1: its log is 0; 0 ln(1e-16) is 0: legacy skips both
                entropy[j] += value * logs[j] if (value > 0.0) & (value != 1.0) else 0.0
    for j in range(m):
        out[0, j] = utility_sum[j]
        out[1, j] = ambiguity[j] - entropy[j]


@njit(cache=True, error_model="numpy")
def select_best(
    start, m, q_pi, first_action, control_offset, marginal, terms, bits, best, unsure
):  # pragma: no cover
    """Agents ``start + j``'s most probable first action per factor from their policy posteriors ``q_pi``
    (policies x lanes); ``unsure`` where another is within ``UNSURE_GAP`` of it (near-ties: the shared
    action selection decides those agents). ``marginal`` is (actions of all factors) x lanes scratch."""
    top_value, doubt, top = terms[2], terms[3], bits[:LANES]
    for k in range(control_offset[-1]):
        for j in range(m):
            marginal[k, j] = 0.0
    for p in range(first_action.shape[0]):
        for f in range(first_action.shape[1]):
            k = control_offset[f] + first_action[p, f]
            for j in range(m):
                marginal[k, j] += q_pi[p, j]
    for j in range(m):
        doubt[j] = 0.0
    for f in range(first_action.shape[1]):
        first = control_offset[f]
        for j in range(m):
            top_value[j] = marginal[first, j]
            top[j] = 0
        for u in range(1, control_offset[f + 1] - first):
            for j in range(m):
                higher = marginal[first + u, j] > top_value[j]
                top_value[j] = marginal[first + u, j] if higher else top_value[j]
                top[j] = u if higher else top[j]
        for u in range(control_offset[f + 1] - first):
            for j in range(m):
                near = (u != top[j]) & (top_value[j] - marginal[first + u, j] <= UNSURE_GAP)
                doubt[j] = 1.0 if near else doubt[j]
        for j in range(m):
            best[start + j, f] = top[j]
    for j in range(m):
        unsure[start + j] = doubt[j] != 0.0
