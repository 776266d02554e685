"""The grid step with agents side by side, compiled by numba (importing this imports numba).

Beliefs are stored ``(blocks, states, W)``: a block's ``W`` agents lie contiguous for each state, so
every stage of the step (the prior through the predecessor table, the likelihood, the normalisation,
each action's utility, the predicted states above pymdp's threshold and their ambiguity, the predicted
observations and their entropy, the softmax and the argmax with its near-ties) is a loop over the
agents innermost, with the same indices for every agent: the compiler turns it into vector
instructions over 4-8 agents. Where agents differ (their last action, their observation) a select or
a short scalar fix-up does the job; the prior groups a block's agents by last action and computes each
agent's own action's terms only (scalar code over each group: measured faster than computing all five
actions and selecting, scalar or vector). The next block's beliefs are prefetched while a block's
posterior is normalized.
``log`` and ``exp`` have no vector form in numba without Intel's
SVML: the entropy's logarithms and the softmax's exponentials come from
:mod:`explorer.population.lane_math` (fdlibm's algorithms, one value at a time inside the loop over
agents, which the compiler vectorizes whole; within 3 ulps). Each division by an agent's sum (the
posterior's normalisation, the softmax's, pymdp's marginals) is one reciprocal per agent and
:func:`explorer.population.lane_math.quotient` per value: the division's result bit for bit, for about
a fifth of its cost.
The kernel steps a range of blocks; threads each take a range (:mod:`explorer.population.lanes`). It
allocates nothing and is compiled without numba's runtime, so that its object code, kept on disk by
:mod:`explorer.population.native`, runs in a process that never imports numba. ``fastmath``
lets the compiler reorder sums and contract products (results move by about 1e-16, far inside the
1e-8 agreement with pymdp that the tests check); no-NaN/no-infinity assumptions are left out.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from explorer.population.lane_math import QUOTIENT_FLOOR, exp_value, log_value, quotient, reciprocal
from explorer.population.lanes import CHUNK

#: pymdp legacy's ``EPS_VAL`` inside every log, and ``spm_MDP_G``'s threshold on predicted states.
LOG_EPS = 1e-16
INFO_GAIN_THRESHOLD = float(np.exp(-16))
POLICY_PRECISION = 16.0
TIE_TOLERANCE = 1e-8
#: Reordered sums and contracted products only (see the module docstring).
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the CPU to bring the cache line holding ``array``'s element ``index`` (flat, C order) into
    its caches, without waiting for it (LLVM's ``llvm.prefetch``: a read, kept in the outer caches)."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        pointer = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32])
        function = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0")
        builder.call(function, [pointer, ir.Constant(i32, 0), ir.Constant(i32, 2), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, types.intp), codegen


@njit(_nrt=False, error_model="numpy", fastmath=FASTMATH)
def step_range(
    control,
    observations,
    qs,
    q_pi,
    last_action,
    actions,
    tie_masks,
    successors_by_action,
    predecessors,
    predecessor_count,
    prior_neighbours,
    prior_weights,
    emitters,
    emitter_probs,
    emitter_count,
    emissions,
    emission_probs,
    emission_count,
    D,
    utility_by_action,
    neg_ambiguity,
    log_policy_prior,
    work,
    rows,
    ints,
):  # pragma: no cover - compiled; tested through LanesBackend against pymdp
    """Step blocks ``control[0]`` to ``control[1]`` (excluded) of agents in place: ``qs`` (``(blocks, S, W)``,
    float64 or float32) and ``q_pi`` (``(blocks, U, W)``) updated, the argmax ``actions`` and ``tie_masks``
    (bit ``u`` set when action ``u``'s marginal is within 1e-8 of the best, pymdp legacy's rule; 0 when
    one action is best) written, one per agent slot. ``control[2]``: 1 when the next prior is ``D``
    (after a reset).

    ``control[3]`` < 8 stops after that many of the lanes engine's ``STAGES``, for profiling only (then
    ``qs`` is still written from stage 2 on, but ``q_pi`` and ``actions`` are not the model's). The
    caller's scratch, one set per thread (``explorer.population.lanes.scratch_shapes``), keeps the
    kernel free of allocations: compiled without numba's runtime, its object code runs with nothing of
    numba loaded (:mod:`explorer.population.native`).
    """
    first_block, end_block, fresh, upto = control[0], control[1], control[2], control[3]
    _, S, W = qs.shape
    U = utility_by_action.shape[0]
    chunk = CHUNK if W >= CHUNK else W  # blocks narrower than CHUNK are one chunk
    n_chunks = W // chunk
    significant_cut = INFO_GAIN_THRESHOLD / predecessors.shape[2]
    prior, post, counted, qo = work[0], work[1], work[2], work[3]
    acc, g = rows[0], rows[1]
    G = rows[2 : 2 + U]
    targets, flagged, observed, slot, seen = ints[0], ints[1], ints[2], ints[3], ints[4]
    n_significant = ints[5]
    significant = ints[6 : 6 + n_chunks]
    for b in range(first_block, end_block):
        for s in range(S):
            flagged[s] = 0
            seen[s] = 0
        for c in range(n_chunks):
            n_significant[c] = 0
        belief = qs[b]
        first = b * W
        last = last_action[first : first + W]
        ahead = b + 1 < end_block
        line = 64 // qs.itemsize
        # 1. the prior: D after a reset, else B[:, :, a] @ qs, each agent's own a. In a grid the states
        # action u takes to t are t itself (blocked) and at most one neighbour moving in (the predecessor
        # table's sum, exact: ``prior_weights`` says which), so the block's agents are grouped by last
        # action (a counting sort) and each group's prediction of t sums its own terms, none, one or two
        # (scalar code over the group). The posterior's likelihood is eps at every state but a few
        # (step 2): written from the prior while it is in register
        if fresh:
            for s in range(S):
                d = D[s] + LOG_EPS
                for j in range(W):
                    prior[s, j] = d
                    post[s, j] = d * LOG_EPS
        else:
            order, starts = targets, observed  # free until step 4
            for u in range(U + 2):
                starts[u] = 0
            for j in range(W):
                starts[last[j] + 2] += 1
            for u in range(2, U + 2):
                starts[u] += starts[u - 1]
            for j in range(W):  # group u's agents end at starts[u + 1], ascending
                a = last[j] + 1
                order[starts[a]] = j
                starts[a] += 1
            # (unsigned agent indices below: no fix-up for negative ones, measured 3% of the kernel)
            for t in range(S):
                at, w = prior_neighbours[t], prior_weights[t]
                own, row, likelihood = belief[t], prior[t], post[t]
                for u in range(U):
                    moved_in, stayed = w[u] != 0.0, w[U + u] != 0.0
                    one = belief[at[u]] if moved_in else own
                    if moved_in and stayed:
                        for k in range(starts[u], starts[u + 1]):
                            j = np.uint64(order[k])
                            value = (one[j] + own[j]) + LOG_EPS
                            row[j] = value
                            likelihood[j] = value * LOG_EPS
                    elif moved_in or stayed:
                        for k in range(starts[u], starts[u + 1]):
                            j = np.uint64(order[k])
                            value = one[j] + LOG_EPS
                            row[j] = value
                            likelihood[j] = value * LOG_EPS
                    else:
                        for k in range(starts[u], starts[u + 1]):
                            j = np.uint64(order[k])
                            row[j] = LOG_EPS
                            likelihood[j] = LOG_EPS * LOG_EPS
        if upto < 2:
            continue
        # 2. the posterior (A[o] + eps) * (prior + eps), normalized: eps everywhere (written with the
        # prior) but at the few states that emit each agent's own observation (a scalar fix-up per agent);
        # divided by the sum through its reciprocal (quotient: the division's rounding; every value is
        # at least eps * eps, far above QUOTIENT_FLOOR)
        for j in range(W):
            o = observations[first + j]
            for k in range(emitter_count[o]):
                s = emitters[o, k]
                post[s, j] = prior[s, j] * (emitter_probs[o, k] + LOG_EPS)
        for j in range(W):
            acc[j] = 0.0
        for s in range(S):
            for j in range(W):
                acc[j] += post[s, j]
        for j in range(W):
            g[j] = reciprocal(acc[j])
        if upto < 3:
            for s in range(S):
                for j in range(W):
                    post[s, j] = quotient(post[s, j], acc[j], g[j])
                    belief[s, j] = post[s, j]
            continue
        # (the normalisation's last pass, row by row) 3. utility: the posterior . (utility weight of
        # each state's successor under u), every action from one read of each posterior row (summed
        # over states in order, as a dot product); and each chunk's states holding more than
        # threshold / max_predecessors for some agent
        for u in range(U):
            for j in range(W):
                G[u, j] = 0.0
        for first_row in range(0, S, 4):
            end_row = min(first_row + 4, S)
            for s in range(first_row, end_row):
                row = post[s]
                for j in range(W):
                    row[j] = quotient(row[j], acc[j], g[j])
                    belief[s, j] = row[j]
                # the next block's beliefs, policy posteriors and last actions are asked for now, a row
                # per row of this one, so that they arrive while this block is stepped
                if ahead:
                    for k in range(0, W, line):
                        prefetch(qs, ((b + 1) * S + s) * W + k)
                    if s < U:
                        for k in range(0, W, 8):
                            prefetch(q_pi, ((b + 1) * U + s) * W + k)
                    elif s == U:
                        for k in range(0, W, 8):
                            prefetch(last_action, first + W + k)
                for c in range(n_chunks):
                    above = 0
                    # indexed from 0: from c * chunk, which the compiler cannot prove non-negative, numba's
                    # fix-up of negative indices stayed in the loop and its loads became gathers
                    lanes_of_chunk = row[c * chunk : (c + 1) * chunk]
                    for j in range(chunk):
                        above += lanes_of_chunk[j] > significant_cut
                    if above:
                        significant[c, n_significant[c]] = s
                        n_significant[c] += 1
            if end_row - first_row == 4:  # four rows per pass over each action's sum (in state order)
                r0, r1, r2, r3 = (
                    post[first_row],
                    post[first_row + 1],
                    post[first_row + 2],
                    post[first_row + 3],
                )
                for u in range(U):
                    weights = utility_by_action[u, first_row:end_row]
                    w0, w1, w2, w3 = weights[0], weights[1], weights[2], weights[3]
                    utility = G[u]
                    for j in range(W):
                        utility[j] = utility[j] + r0[j] * w0 + r1[j] * w1 + r2[j] * w2 + r3[j] * w3
            else:
                for s in range(first_row, end_row):
                    for u in range(U):
                        w = utility_by_action[u, s]
                        utility = G[u]
                        for j in range(W):
                            utility[j] += post[s, j] * w
        for u in range(U):
            for j in range(W):
                g[j] = G[u, j]
            if upto < 4:
                for j in range(W):
                    G[u, j] = POLICY_PRECISION * g[j] + log_policy_prior[u]
                continue
            for c in range(n_chunks):
                lanes = slice(c * chunk, (c + 1) * chunk)
                # 4. the predicted states (B[:, :, u] @ qs) above exp(-16), and their negative
                # ambiguity. A predicted state sums at most ``max_predecessors`` beliefs, so only the
                # successors of the chunk's significant states can pass: those are summed exactly
                n_counted = 0
                for i in range(n_significant[c]):
                    t = successors_by_action[u, significant[c, i]]
                    if flagged[t]:
                        continue
                    flagged[t] = 1
                    row = counted[n_counted, :chunk]
                    row[:] = 0.0
                    for k in range(predecessor_count[u, t]):
                        source = post[predecessors[u, t, k], lanes]
                        for j in range(chunk):
                            row[j] += source[j]
                    w = neg_ambiguity[t]
                    chunk_g = g[lanes]
                    for j in range(chunk):
                        q = row[j] if row[j] > INFO_GAIN_THRESHOLD else 0.0
                        row[j] = q
                        chunk_g[j] += q * w
                    targets[n_counted] = t
                    n_counted += 1
                for i in range(n_counted):
                    flagged[targets[i]] = 0
                if upto < 5:
                    continue
                # 5. the observations the counted states predict (each observation's row zeroed
                # when first met)
                n_observed = 0
                for i in range(n_counted):
                    t = targets[i]
                    row = counted[i, :chunk]
                    for k in range(emission_count[t]):
                        o = emissions[t, k]
                        if not seen[o]:
                            seen[o] = 1
                            observed[n_observed] = o
                            qo[n_observed, :chunk] = 0.0
                            slot[o] = n_observed
                            n_observed += 1
                        p_o = emission_probs[t, k]
                        predicted = qo[slot[o], :chunk]
                        for j in range(chunk):
                            predicted[j] += p_o * row[j]
                for i in range(n_observed):
                    seen[observed[i]] = 0
                if upto < 6:
                    continue
                # 6. minus their entropy (observations of probability 0 add 0 * ln(eps) = 0)
                chunk_g = g[lanes]
                for i in range(n_observed):
                    predicted = qo[i, :chunk]
                    for j in range(chunk):
                        chunk_g[j] -= predicted[j] * log_value(predicted[j] + LOG_EPS)
            for j in range(W):
                G[u, j] = POLICY_PRECISION * g[j] + log_policy_prior[u]
        if upto < 7:
            continue
        # 7. the policy posterior softmax(16 G + ln E)
        for j in range(W):
            acc[j] = G[0, j]
        for u in range(1, U):
            for j in range(W):
                acc[j] = max(acc[j], G[u, j])
        for j in range(W):
            g[j] = 0.0
        tiny = 0
        for u in range(U):
            for j in range(W):
                G[u, j] = exp_value(G[u, j] - acc[j])
                g[j] += G[u, j]
                tiny += G[u, j] < QUOTIENT_FLOOR
        # divided by the sum through its reciprocal (quotient) unless an exp of the block is below
        # QUOTIENT_FLOOR (then by division; so are the marginals below, a fifth of them at least)
        for j in range(W):
            acc[j] = reciprocal(g[j])
        for u in range(U):
            for j in range(W):
                q_pi[b, u, j] = quotient(G[u, j], g[j], acc[j]) if tiny == 0 else G[u, j] / g[j]
        if upto < 8:
            continue
        # 8. pymdp legacy's action marginals (q_pi normalized again), argmax and near-ties, action by
        # action over every agent (vectorized): the best is the first action holding the largest marginal
        for j in range(W):
            g[j] = 0.0
        for u in range(U):
            for j in range(W):
                g[j] += q_pi[b, u, j]
        for j in range(W):
            acc[j] = reciprocal(g[j])
        for u in range(U):
            for j in range(W):
                G[u, j] = quotient(q_pi[b, u, j], g[j], acc[j]) if tiny == 0 else q_pi[b, u, j] / g[j]
        for j in range(W):
            acc[j] = G[0, j]
        for u in range(1, U):
            for j in range(W):
                acc[j] = max(acc[j], G[u, j])
        best, tied = targets[:W], observed[:W]
        for j in range(W):
            best[j] = U
            tied[j] = 0
        for u in range(U - 1, -1, -1):
            for j in range(W):
                best[j] = u if G[u, j] == acc[j] else best[j]
                tied[j] |= (abs(G[u, j] - acc[j]) <= TIE_TOLERANCE) << u
        for j in range(W):
            actions[first + j] = best[j]
            tied_here = tied[j]
            tie_masks[first + j] = tied_here if tied_here & (tied_here - 1) else 0  # 0: one best action
