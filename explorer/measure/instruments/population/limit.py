"""How close the lanes engine runs to this machine's limit: its peak, the work per step, a profile.

The peak is measured in the same run (a large float64 matmul's FLOP/s, a large copy's bytes/s,
``np.log``'s logs/s); the work per agent-step is counted from the model and a real walk; the profile
times the compiled step cut after each of its stages.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from explorer.checks import check_int
from explorer.measure.instruments.population.timed_runs import WARM, _row, _Walk
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import error_text, frame, rotated, summarize
from explorer.world import GridWorld

#: The profile's stages: the compiled step cut after each (``upto``; the lanes kernel's ``STAGES``:
#: prior, posterior, utility, ambiguity, observations, entropy, softmax, selection), and the whole
#: Population.step (``host``).
PROFILE_STAGES = {
    **{
        stage: upto
        for upto, stage in enumerate(
            ("prior", "posterior", "utility", "ambiguity", "observations", "entropy", "softmax", "selection"),
            start=1,
        )
    },
    "host": None,
}


def machine_peak(
    matmul_size: int = 2000, copy_bytes: int = 2**28, logs: int = 2**22, repeats: int = 5
) -> pd.DataFrame:
    """This machine's peak now: float64 matmul FLOP/s (all BLAS threads), copy bytes/s, ``np.log`` logs/s.

    Rows: metric ``machine_peak``, variant and stage ``matmul`` (unit ``FLOP/s``, ``2 size^3`` per product),
    ``copy`` (``B/s``, bytes read plus bytes written) and ``log`` (``log/s``, one thread).
    """
    matmul_size = check_int("matmul_size", matmul_size, low=16)
    copy_bytes = check_int("copy_bytes", copy_bytes, low=2**20)
    logs = check_int("logs", logs, low=1024)
    repeats = check_int("repeats", repeats, low=1)
    rng = np.random.default_rng(0)
    a, b = rng.random((matmul_size, matmul_size)), rng.random((matmul_size, matmul_size))
    source, target = np.ones(copy_bytes // 8), np.empty(copy_bytes // 8)
    values, out = rng.random(logs) + 0.5, np.empty(logs)
    kernels = {
        "matmul": (lambda: a @ b, 2.0 * matmul_size**3, "FLOP/s"),
        "copy": (lambda: np.copyto(target, source), 2.0 * source.nbytes, "B/s"),
        "log": (lambda: np.log(values, out=out), float(logs), "log/s"),
    }
    samples: dict[str, list[float]] = {name: [] for name in kernels}
    for function, _, _ in kernels.values():
        function()
    for repeat in range(repeats):
        for name in rotated(tuple(kernels), repeat):
            function, work, _ = kernels[name]
            start = time.perf_counter()
            function()
            samples[name].append(work / (time.perf_counter() - start))
    notes = {
        "matmul": f"{matmul_size}x{matmul_size} float64 a @ b, BLAS threads",
        "copy": f"np.copyto of {copy_bytes / 2**20:.0f} MiB float64: read + written",
        "log": f"np.log over {logs} float64, one thread",
    }
    rows = [
        summarize(
            samples[name],
            metric="machine_peak",
            variant=name,
            n=1,
            unit=unit,
            method=WARM,
            stage=name,
            note=notes[name],
        )
        for name, (_, _, unit) in kernels.items()
    ]
    return frame(rows, machine_metadata())


def step_work(world: GridWorld | None = None, n: int = 200, steps: int = 5, seed: int = 0) -> pd.DataFrame:
    """The work of one agent-step of the equations, counted on ``n`` agents walking ``world``.

    After ``steps`` steps, each agent's posterior is pushed through every action as the kernel does,
    and the states above the information-gain threshold and the observations they predict are
    counted. Rows (metric ``step_work``, median over agents): ``flops`` (adds, multiplies, divides),
    ``logs`` (``log`` and ``exp`` calls), ``bytes_streamed`` (the agent's own beliefs read and
    written: what must cross the memory bus once ``n x states`` outgrows the caches) and
    ``bytes_touched`` (also the scratch arrays and the model, cache-resident when small).
    """
    from explorer.population import Population

    world = GridWorld() if world is None else world
    n = check_int("n", n, low=1)
    steps = check_int("steps", steps, low=1)
    population = Population(world, n, backend="lanes", seed=seed)
    walk = _Walk(world, n, seed)
    for _ in range(steps):
        walk.move(population.step(walk.observe()))
    model = population._engine.model
    S, U = model.n_states, model.n_actions
    qs = population.beliefs
    counted = np.zeros(n)
    predicted_obs = np.zeros(n)
    for u in range(U):
        predicted = np.zeros((n, S))
        np.add.at(predicted, (slice(None), model.successors[:, u]), qs)
        above = predicted > float(np.exp(-16))
        counted += above.sum(axis=1)
        for i in range(n):
            states = np.flatnonzero(above[i])
            emitted = {int(o) for s in states for o in model.emissions[s, : model.emission_count[s]]}
            predicted_obs[i] += len(emitted)
    emissions = float(model.emission_count.mean())
    # prior: S scatter adds + S eps adds; posterior: S multiplies, S adds, S divides; each action:
    # a dot product (2S), per counted state 2 + 2 per emission, per predicted observation 3;
    # softmax and marginals ~8U
    flops = 5 * S + U * 2 * S + counted * (2 + 2 * emissions) + 3 * predicted_obs + 8 * U
    logs = predicted_obs + U
    streamed = np.full(n, 16.0 * S + 8 * U + 8 * 3)
    # + the prior's scratch (written, read) and successor column, the belief and the successors'
    # utility weights per action, the scan for states holding enough belief, the counted states
    touched = streamed + 16 * S + 4 * S + U * 16 * S + 8 * S + counted * 8 * (2 + 2 * emissions)
    note = f"{world!r}, after {steps} steps of a walk; states {S}, actions {U}"
    rows = [
        summarize(values, metric="step_work", variant="population", n=n, unit=unit, stage=stage, note=note)
        for stage, values, unit in (
            ("flops", flops, "FLOP"),
            ("logs", logs, "log"),
            ("bytes_streamed", streamed, "B"),
            ("bytes_touched", touched, "B"),
            ("counted_states", counted / U, "states"),
            ("predicted_observations", predicted_obs / U, "observations"),
        )
    ]
    return frame(rows, machine_metadata())


def kernel_profile(
    n: int = 100_000, world: GridWorld | None = None, repeats: int = 5, seed: int = 0
) -> pd.DataFrame:
    """CPU seconds per agent-step of the lanes engine on one thread, cut after each stage, interleaved.

    Stages (cumulative, :data:`PROFILE_STAGES`): ``prior`` (each state's prediction under the agent's
    last action, only that action's terms, over agents grouped by last action; the likelihood's eps),
    ``posterior`` (the likelihood at the states emitting the observation, the normalisation),
    ``utility`` (the next block prefetched here), ``ambiguity`` (the predicted states above pymdp's
    threshold, found from each chunk's significant states), ``observations`` (the observations they predict),
    ``entropy`` (their logs), ``softmax``, ``selection`` (the marginals, argmax and near-ties: the
    whole compiled step) and ``host`` (the whole ``Population.step``: checks, copies and the choice among
    ties, in compiled code per thread). CPU time (``time.process_time``) of one thread, so that other
    work on a shared machine moves it little. A stage's own cost is its time minus the previous one's.
    """
    from explorer.population import Population

    world = GridWorld() if world is None else world
    n = check_int("n", n, low=1)
    repeats = check_int("repeats", repeats, low=1)
    population = Population(world, n, backend="lanes", seed=seed)
    walk = _Walk(world, n, seed)
    for _ in range(3):
        walk.move(population.step(walk.observe()))
    observations = walk.observe()
    engine = population._engine
    engine.threads = 1
    # every timed call starts from this same state: repeating a step on one observation would
    # otherwise move the beliefs away from it, spread them and time a different step
    saved = (engine.qs.copy(), engine.last_action.copy())
    samples: dict[str, list[float]] = {stage: [] for stage in PROFILE_STAGES}
    error = ""
    try:
        for repeat in range(repeats):
            for stage in rotated(tuple(PROFILE_STAGES), repeat):
                upto = PROFILE_STAGES[stage]
                engine.qs[:], engine.last_action[:] = saved
                engine.fresh = False
                start = time.process_time()
                if upto is None:
                    population.step(observations)
                else:
                    engine.kernel(observations, upto)
                samples[stage].append((time.process_time() - start) / n)
    except Exception as exc:
        error = error_text(exc)
    finally:
        engine.threads = None
    note = f"{world!r}; one thread, CPU time; cumulative: each stage includes the ones before it"
    rows = []
    for stage in PROFILE_STAGES:
        common = {"metric": "kernel_profile", "variant": "population", "n": n, "unit": "s"}
        common["method"] = "process_time"
        rows.append(_row(samples[stage], error, repeats, common | {"stage": stage, "note": note}))
    return frame(rows, machine_metadata())


def limit_table(peak: pd.DataFrame, work: pd.DataFrame, seconds_per_agent_step: float) -> pd.DataFrame:
    """Each resource's floor for one agent-step (work / peak) and the fraction of it the engine reaches."""
    rate = peak.set_index("variant")["median"]
    amount = work.set_index("stage")["median"]
    floors = {
        "flops / matmul peak": amount["flops"] / rate["matmul"],
        "bytes streamed / copy bandwidth": amount["bytes_streamed"] / rate["copy"],
        "bytes touched / copy bandwidth": amount["bytes_touched"] / rate["copy"],
        "logs / np.log rate (1 thread)": amount["logs"] / rate["log"],
    }
    return pd.DataFrame(
        {
            "resource": list(floors),
            "floor_s": list(floors.values()),
            "engine_s": seconds_per_agent_step,
            "fraction_of_limit": [f / seconds_per_agent_step for f in floors.values()],
        }
    )
