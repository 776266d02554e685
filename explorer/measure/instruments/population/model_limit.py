"""Any model's population against its targets and this machine's limit: the T-maze by default.

One run: the throughput table of the model's engines (numpy, numba, pymdp's batched JAX agent and a
loop of pymdp legacy agents at a small n,
:func:`~explorer.measure.instruments.population.table.throughput_table`), the machine's peak
(:func:`~explorer.measure.instruments.population.limit.machine_peak`), the work of one
agent-step of the numba engine counted from the model's sizes, the ratios the issue sets targets for
(fastest engine over the JAX agent, over the legacy loop) and the fraction of the limit reached.
"""

from __future__ import annotations

import math

import pandas as pd

from explorer.checks import check_int, check_sizes
from explorer.measure.instruments.population.limit import limit_table, machine_peak
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import frame, summarize

#: Engines compared, the compiled and numpy populations first (the fastest of them is the headline).
ENGINES = ("numpy", "numba", "jax", "legacy")
POPULATION_ENGINES = ("numpy", "numba")
#: The issue's targets: the fastest engine over pymdp's batched JAX agent, and over a legacy loop.
TARGETS = {"jax": 20.0, "legacy": 300.0}


def model_step_work(model: object) -> pd.DataFrame:
    """The work of one agent-step of the numba engine on ``model``, counted from its sizes (an upper bound).

    Counted as the compiled step runs it: the prior through ``B``, the joint log-likelihood, ``num_iter``
    fixed-point iterations (legacy's stopping rule may stop earlier: an upper bound), every distinct
    policy prefix's prediction, utility, ambiguity and outcome entropy (a log per outcome), the policy
    softmax and the action marginals. The step may do less: a prefix predicting what an earlier one
    predicts reuses its terms, and joint states predicted 0 in every agent of a lane block are skipped
    (on the T-maze, 4 of 20 prefixes are computed, over 2 of 8 joint states after a move). Rows
    (metric ``step_work``, variant ``numba``): ``flops``,
    ``logs`` (``log`` and ``exp``), ``bytes_streamed`` (the agent's own arrays read and written) and
    ``bytes_touched`` (also the model's arrays, cache-resident when small).
    """
    from explorer.population.numba_engine import policy_tree

    states, F = list(model.n_states), len(model.n_states)
    joint, total, outcomes = math.prod(states), sum(states), sum(model.n_obs)
    P, M = len(model.policies), len(model.n_obs)
    nodes = len(policy_tree(model.policies)[0])
    iterations = model.num_iter if F > 1 else 0
    square = sum(2 * s * s for s in states)
    flops = square + joint * M + 2 * total  # prior, joint log-likelihood, the log prior's adds
    flops += iterations * (2 * F * F * joint + 8 * total + (F + 1) * joint) + (4 * total if F == 1 else 0)
    flops += nodes * (square + joint * (F + 4 + 2 * outcomes) + 3 * outcomes + 2)
    flops += 4 * P + P * F + sum(model.n_controls) * 3
    logs = total + iterations * (total + F) + (total + 1 if F == 1 else 0) + nodes * outcomes + P
    streamed = 8 * (2 * total + P + M + 2 * F) + 2
    model_bytes = 8 * (joint * 2 * outcomes + 2 * joint + sum(b.size for b in model.B) + 2 * total)
    touched = streamed + model_bytes + 8 * nodes * total
    note = (
        f"{model!r}: {joint} joint states, {outcomes} outcomes, {P} policies ({nodes} distinct prefixes), "
        f"{iterations} fixed-point iterations at most"
    )
    rows = [
        summarize([value], metric="step_work", variant="numba", n=1, unit=unit, stage=stage, note=note)
        for stage, value, unit in (
            ("flops", flops, "FLOP"),
            ("logs", logs, "log"),
            ("bytes_streamed", streamed, "B"),
            ("bytes_touched", touched, "B"),
        )
    ]
    return frame(rows, machine_metadata())


def model_throughput(
    task: str = "tmaze",
    ns: tuple[int, ...] = (1000, 10_000, 100_000),
    steps: int = 3,
    repeats: int = 5,
    loop_n: int = 100,
    peak: dict | None = None,
    engines: tuple[str, ...] = ENGINES,
    seed: int = 0,
) -> pd.DataFrame:
    """The engines of one task's model side by side, their ratios, and the fraction of the machine's limit.

    ``task`` is a name of the throughput table's tasks or a factory path; the population engines and
    the JAX agent run at every ``ns``, the legacy loop at ``loop_n`` only (its per-agent cost does not
    fall with n: never extrapolated). Rows: the table's (``throughput_table*``, stage = task),
    ``machine_peak`` (``peak``: its keyword arguments), ``step_work``, ``throughput_ratio`` (unit ``x``,
    variant ``jax`` or ``legacy``: the fastest population engine's median over that engine's at the
    largest n both ran; interval from the medians' intervals; note names the target) and
    ``limit_fraction`` (unit ``x``, stage the resource: the floor's seconds over the engine's).
    ``engines``: some of :data:`ENGINES` (a ratio needs its engine).
    """
    from explorer.measure.harness import factories
    from explorer.measure.harness.declared import TASKS
    from explorer.measure.instruments.population.table import throughput_table

    ns = check_sizes("ns", ns)
    loop_n = check_int("loop_n", loop_n, low=1)
    table = throughput_table(
        tasks=(task,),
        engines=tuple(engines),
        ns=tuple(sorted(set(ns) | {loop_n})),
        steps=steps,
        repeats=repeats,
        loop_max_n=loop_n,
        bytes_max_n=1000,
        cold_repeats=0,
        seed=seed,
    )
    name = task if task in TASKS else factories.name_of(task)
    model = factories.build(TASKS.get(task, task))
    peak_rows = machine_peak(**(peak or {}))
    work = model_step_work(model)
    rates = table[(table["metric"] == "throughput_table") & (table["error"] == "")]
    rows = _ratio_rows(rates, name) + _limit_rows(rates, peak_rows, work, name)
    attrs = dict(table.attrs)
    return frame(pd.concat([table, peak_rows, work, pd.DataFrame(rows)]).to_dict("records"), attrs)


def _ratio_rows(rates: pd.DataFrame, task: str) -> list[dict]:
    rows = []
    fastest = rates[rates["variant"].isin(POPULATION_ENGINES)]
    for other, target in TARGETS.items():
        theirs = rates[rates["variant"] == other]
        common = sorted(set(fastest["n"]) & set(theirs["n"]))
        if not common:
            continue
        n = common[-1]
        best = fastest[fastest["n"] == n].sort_values("median").iloc[-1]
        them = theirs[theirs["n"] == n].iloc[0]
        row = summarize(
            [best["median"] / them["median"]],
            metric="throughput_ratio",
            variant=other,
            n=int(n),
            unit="x",
            method="ratio_of_medians",
            stage=task,
            note=f"{best['variant']} / {other} at n = {int(n):,}; target >= {target:g}x",
        )
        row["ci_low"] = best["ci_low"] / them["ci_high"]
        row["ci_high"] = best["ci_high"] / them["ci_low"]
        rows.append(row)
    return rows


def _limit_rows(rates: pd.DataFrame, peak: pd.DataFrame, work: pd.DataFrame, task: str) -> list[dict]:
    numba = rates[rates["variant"] == "numba"]
    if numba.empty or (peak["error"] != "").any():
        return []
    largest = numba.sort_values("n").iloc[-1]
    limits = limit_table(peak, work, 1.0 / float(largest["median"]))
    return [
        summarize(
            [fraction],
            metric="limit_fraction",
            variant="numba",
            n=int(largest["n"]),
            unit="x",
            method="floor_over_engine",
            stage=resource,
            note=f"{task}: work per agent-step / this machine's peak, over the engine's seconds",
        )
        for resource, fraction in zip(limits["resource"], limits["fraction_of_limit"], strict=True)
    ]
