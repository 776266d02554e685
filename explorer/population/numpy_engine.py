"""Populations of any discrete model in numpy: pymdp legacy's ``Agent`` equations over an agent axis.

Per agent and step, as pymdp 1.0.4's legacy ``Agent`` (``inference_algo="VANILLA"``,
``sampling_mode="marginal"``) computes them in ``infer_states``, ``infer_policies`` and ``sample_action``:

- prior: ``D[f]`` at the first step, else ``B[f][:, :, a_f] @ qs_f`` with the action just taken;
- states (``run_vanilla_fpi_factorized``): ``ln L(s) = sum_m ln(A[m][o_m, s] + 1e-16)``. One factor:
  ``qs = softmax(ln L + ln(prior + 1e-16))``. Several: from uniform ``qs``, every factor at once
  ``qs_f <- softmax(E_{qs_{-f}}[ln L] + ln(prior_f + 1e-16))``, while ``iteration < num_iter`` and
  ``dF >= dF_tol``, where ``dF`` starts at ``dF`` and is then ``|F_prev - F|`` with the free energy
  ``F = sum_f qs_f . (ln(qs_f + 1e-16) - ln(prior_f + 1e-16)) - E_qs[ln L]`` (the first ``F_prev``
  without its last term): each agent stops at its own iteration;
- policies (``update_posterior_policies_factorized``): along each policy ``pi`` for ``policy_len``
  steps ``qs_f <- B[f][:, :, pi_tf] @ qs_f``; with ``q(s)`` their product over factors,
  ``G = sum_t [ sum_m qo_m . ln(softmax(C[m]) + 1e-16) ] + sum_t sum_m spm_MDP_G(A[m], q)`` where
  ``qo_m = A[m] q`` and ``spm_MDP_G`` is ``sum_s' q(s) sum_o A ln(A + exp(-16)) - qo'_m . ln(qo'_m + 1e-16)``
  over the joint states with ``q(s) > exp(-16)`` only (``qo'_m`` their outcomes): legacy's factorized
  agent sums the information gain modality by modality, not over the modalities' joint outcomes;
  ``q_pi = softmax(gamma G + ln(E + 1e-16))`` (terms dropped by ``use_utility`` / ``use_states_info_gain``);
- actions: :mod:`explorer.population.actions`.

Policies that begin alike predict alike until they part: each step's terms are computed once per
distinct beginning (``model_arrays.PolicyStep``). Agents are stepped in blocks whose temporaries
stay cache-sized. Only numpy is imported: a fresh process acts without pymdp.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.limits import check_memory
from explorer.population.actions import ActionSelection
from explorer.population.model_arrays import INFO_GAIN_EPS, LOG_EPS, ModelArrays, model_arrays

#: Bytes of a block's temporaries, so that they stay in cache. On the T-maze (about 2 KiB per agent)
#: blocks of ~1,900 agents stepped 1.0-1.5x faster than ~480 and 2x faster than ~7,600 (n = 20,000,
#: three interleaved runs on 2 cores at load 13).
BLOCK_BYTES = 2**22
#: At most this many agents per block.
MAX_BLOCK = 2048
#: Letters naming the factors' axes in the mean-field einsums.
_AXES = "abcdefghijklm"


def temporaries_per_agent(model: object) -> int:
    """Bytes of one agent's share of a block's temporaries (predictions, joint states, outcomes)."""
    joint, n_policies = math.prod(model.n_states), model.n_policies
    per_policy = sum(model.n_states) + 4 * joint + 2 * sum(model.n_obs) + 2
    return 8 * (
        n_policies * per_policy
        + 3 * joint
        + sum(u * s for u, s in zip(model.n_controls, model.n_states, strict=True))
    )


class NumpyEngine:
    """Beliefs of ``n`` agents sharing one model (and its :class:`ModelArrays`), stepped in numpy."""

    def __init__(self, model: object, n: int) -> None:
        self.model = model
        self.shared = model_arrays(model)
        self.selection = ActionSelection.from_model(model)
        per_agent = temporaries_per_agent(model)
        self.block = max(1, min(MAX_BLOCK, BLOCK_BYTES // per_agent, n))
        check_memory(self.block * per_agent, f"a step's temporaries for {self.block:,} agents of {model!r}")
        self.qs = [np.empty((n, s)) for s in model.n_states]
        self.prior = [np.empty((n, s)) for s in model.n_states]
        self.q_pi = np.empty((n, model.n_policies))
        self.reset()

    @staticmethod
    def bytes_per_agent(model: object) -> int:
        """Posteriors, next priors and policy posterior, held and built anew each step, and the actions."""
        return 2 * 8 * (2 * sum(model.n_states) + model.n_policies) + 8 * model.n_factors

    def reset(self) -> None:
        """Uniform posteriors and policy posterior; the next prior is ``D``."""
        for f, s in enumerate(self.model.n_states):
            self.qs[f][:] = 1.0 / s
            self.prior[f][:] = self.model.D[f]
        self.q_pi[:] = 1.0 / self.model.n_policies

    def beliefs(self) -> tuple[np.ndarray, ...]:
        """Copies of every agent's posterior, one ``(n, n_states[f])`` per factor."""
        return tuple(q.copy() for q in self.qs)

    def policy_posterior(self) -> np.ndarray:
        """A copy of every agent's posterior over policies, ``(n, n_policies)``."""
        return self.q_pi.copy()

    def nbytes(self) -> int:
        """Bytes of the per-agent arrays: posteriors, next priors and policy posteriors."""
        return sum(q.nbytes for q in self.qs) + sum(p.nbytes for p in self.prior) + self.q_pi.nbytes

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Infer states and policies, select actions, predict the next priors; commit all at the end."""
        n = len(observations)
        qs = [np.empty_like(q) for q in self.qs]
        prior = [np.empty_like(p) for p in self.prior]
        q_pi = np.empty_like(self.q_pi)
        actions = np.empty((n, self.model.n_factors), dtype=np.intp)
        for start in range(0, n, self.block):
            block = slice(start, min(start + self.block, n))
            posterior = self._infer_states(observations[block], [p[block] for p in self.prior])
            predicted, q_pi[block] = self._infer_policies(posterior)
            actions[block] = self.selection.select(q_pi[block], rng)
            rows = np.arange(block.stop - block.start)
            for f, q in enumerate(posterior):
                qs[f][block] = q
                prior[f][block] = predicted[f][rows, actions[block, f]]
        self.qs, self.prior, self.q_pi = qs, prior, q_pi
        return actions

    def _infer_states(self, observations: np.ndarray, prior: list[np.ndarray]) -> list[np.ndarray]:
        shared = self.shared
        if len(prior) == 1:
            # softmax(ln L + ln(prior + eps)) is the normalized product, without logs and exps
            q = prior[0] + LOG_EPS
            for m, likelihood in enumerate(shared.likelihood):
                q *= likelihood[observations[:, m]]
            q /= q.sum(axis=1, keepdims=True)
            return [q]
        n = len(observations)
        log_likelihood = shared.log_likelihood[0][observations[:, 0]]
        for m in range(1, len(shared.log_likelihood)):
            log_likelihood += shared.log_likelihood[m][observations[:, m]]
        log_likelihood = log_likelihood.reshape(n, *self.model.n_states)
        log_prior = [np.log(p + LOG_EPS) for p in prior]
        qs = [np.full((n, s), 1.0 / s) for s in self.model.n_states]
        previous = _free_energy(qs, log_prior)
        dF = np.full(n, float(self.model.dF))
        active = dF >= self.model.dF_tol
        for _ in range(self.model.num_iter):
            rows = np.flatnonzero(active)
            if rows.size == 0:
                break
            if rows.size == n:
                rows = slice(None)
            q_old, ll, lp = [q[rows] for q in qs], log_likelihood[rows], [p[rows] for p in log_prior]
            q_new = [_softmax_rows(_expected_except(ll, q_old, f) + lp[f]) for f in range(len(qs))]
            energy = _free_energy(q_new, lp) - _expected_except(ll, q_new, None)
            for q, new in zip(qs, q_new, strict=True):
                q[rows] = new
            dF[rows] = np.abs(previous[rows] - energy)
            previous[rows] = energy
            active &= dF >= self.model.dF_tol
        return qs

    def _infer_policies(self, qs: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
        """Policy posteriors ``(n, P)``, and per factor every action's prediction ``(n, U_f, S_f)``."""
        predicted, G, gain = policy_values(self.model, self.shared, qs)
        G += gain  # legacy adds the utility summed over the policy's steps, then the information gain
        G *= self.model.gamma
        G += self.shared.log_policy_prior
        return predicted, _softmax_rows(G)


def policy_values(
    model: object, shared: ModelArrays, qs: list[np.ndarray]
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Every policy's expected utility and state information gain, ``(n, P)`` each, from posteriors ``qs``.

    Their sum is pymdp legacy's ``G`` (``calc_expected_utility`` and ``calc_states_info_gain_factorized``
    summed over ``policy_len``; a term the model drops is zeros); also returned, per factor, every
    action's one-step prediction ``(n, U_f, S_f)``. The engine and :mod:`explorer.behaviour` both call it.
    """
    n = len(qs[0])
    predicted = [
        (q @ t).reshape(n, u, s)
        for q, t, u, s in zip(qs, shared.transitions, model.n_controls, model.n_states, strict=True)
    ]
    utility = np.zeros((n, model.n_policies))
    info_gain = np.zeros((n, model.n_policies))
    for t, step in enumerate(shared.policy_steps):
        # per distinct beginning of the policies up to t: policies that begin alike predict alike
        if t == 0:
            paths = [p[:, step.actions[:, f], :] for f, p in enumerate(predicted)]
        else:
            paths = [path[:, step.parent] for path in paths]
            for path, groups, moves in zip(paths, step.groups, shared.transitions_T, strict=True):
                for u, prefixes in groups:
                    path[:, prefixes] = path[:, prefixes] @ moves[u]
        k = len(step.parent)
        joint = paths[0]
        for path in paths[1:]:
            joint = (joint[..., :, None] * path[..., None, :]).reshape(n, k, -1)
        joint = joint.reshape(n * k, -1)
        if model.use_utility:
            utility += (joint @ shared.utility_weights).reshape(n, k)[:, step.of_policy]
        if model.use_states_info_gain:
            counted = np.where(joint > INFO_GAIN_EPS, joint, 0.0)
            gain = counted @ shared.neg_ambiguity
            qo = counted @ shared.outcomes
            # outcomes predicted with probability 0 add 0 * ln(eps): skip their logs
            log_qo = np.log(qo + LOG_EPS, out=np.zeros_like(qo), where=qo > 0.0)
            gain -= np.einsum("ko,ko->k", qo, log_qo)
            info_gain += gain.reshape(n, k)[:, step.of_policy]
    return predicted, utility, info_gain


def _expected_except(log_likelihood: np.ndarray, qs: list[np.ndarray], factor: int | None) -> np.ndarray:
    """``E[ln L]`` under every factor's ``qs`` but ``factor``'s, per agent (``None``: under all of them)."""
    axes = _AXES[: len(qs)]
    operands, terms = [log_likelihood], ["z" + axes]
    for f, q in enumerate(qs):
        if f != factor:
            operands.append(q)
            terms.append("z" + axes[f])
    out = "z" + ("" if factor is None else axes[factor])
    return np.einsum(",".join(terms) + "->" + out, *operands)


def _free_energy(qs: list[np.ndarray], log_prior: list[np.ndarray]) -> np.ndarray:
    """Per agent ``sum_f qs_f . (ln(qs_f + 1e-16) - ln prior_f)``: legacy ``calc_free_energy``."""
    energy = np.zeros(len(qs[0]))
    for q, lp in zip(qs, log_prior, strict=True):
        energy += np.einsum("zs,zs->z", q, np.log(q + LOG_EPS)) - np.einsum("zs,zs->z", q, lp)
    return energy


def _softmax_rows(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=-1, keepdims=True)
    return x
