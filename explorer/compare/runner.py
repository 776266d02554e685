"""Measuring two checkouts interleaved in one job: BASE, HEAD, BASE, HEAD ... for every metric.

Each side's code runs in processes started in its own checkout (``python -c`` puts the working
folder first on ``sys.path``, so that checkout's ``explorer`` is the one imported). Warm metrics run
in one long-lived worker per side; cold ones in a fresh interpreter per sample. The worker uses only
the public API every revision has (``GridWorld``, ``ExplorerAgent``, ``Population``), and a metric a
revision cannot run is recorded as its error, not skipped silently. With a model (a factory's
``package.module:function`` path, imported in each process with nothing but ``importlib``), the agents are
``explorer.LazyAgent`` and ``explorer.Population`` of that model; a revision without them records the error.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from explorer.compare.sources import Source
from explorer.measure.harness.timing import LineWorker


@dataclass(frozen=True)
class Metric:
    """One compared quantity: how it is measured (``warm`` in the worker, or ``cold`` per process)."""

    name: str
    label: str
    unit: str
    better: str  # "lower" or "higher"
    kind: str  # "warm" or "cold"
    quick_repeats: int
    full_repeats: int


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("import_time", "import explorer, fresh process (timed inside)", "s", "lower", "cold", 20, 40),
        Metric(
            "spawn_time", "lazy spawn per agent (N = 1,000, constructor only)", "s", "lower", "warm", 15, 40
        ),
        Metric("step_time", "lazy agent steady step (20 steps per sample)", "s", "lower", "warm", 15, 30),
        Metric(
            "population_throughput",
            "population of 2,000, agent-steps per second",
            "agent-steps/s",
            "higher",
            "warm",
            15,
            30,
        ),
        Metric("memory_per_agent", "tracemalloc bytes per lazy agent (slope)", "B", "lower", "warm", 3, 5),
        Metric("first_action_time", "import + spawn + first step, fresh process", "s", "lower", "cold", 0, 7),
    )
}

#: The worker: reads metric names, prints one JSON line each ({"value": ...} or {"error": ...}).
WORKER = r"""
import gc, importlib, json, sys, time, tracemalloc
import explorer
print(json.dumps({"ready": explorer.__file__}), flush=True)
world = explorer.GridWorld()
kept = {}
MODEL = sys.argv[1] if len(sys.argv) > 1 else ""

def model():
    if "model" not in kept:
        module, _, function = MODEL.partition(":")
        kept["model"] = getattr(importlib.import_module(module), function)()
    return kept["model"]

def observation(i):
    return tuple(i % n for n in model().n_obs) if MODEL else i % world.n_states

def agents(cls, n):
    if MODEL:
        lazy, shared = explorer.LazyAgent, model()
        return [lazy(shared) for i in range(n)]
    return [cls(i, "agent", world) for i in range(n)]

def spawn_time():
    cls, n = explorer.ExplorerAgent, 1000
    model() if MODEL else None
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        agents_ = agents(cls, n)
        stop = time.perf_counter_ns()
    finally:
        gc.enable()
    del agents_
    return (stop - start) / 1e9 / n

def step_time():
    if "agent" not in kept:
        kept["agent"] = agents(lambda *args: explorer.ExplorerAgent(0, "compare", world), 1)[0]
        kept["agent"].step(observation(0))
    agent = kept["agent"]
    start = time.perf_counter_ns()
    for i in range(20):
        agent.step(observation(i))
    return (time.perf_counter_ns() - start) / 1e9 / 20

def population_throughput():
    import numpy as np
    n = 2000
    if "population" not in kept:
        kept["population"] = explorer.Population(model() if MODEL else world, n)
        kept["population"].step(np.zeros((n, len(model().n_obs)) if MODEL else n, dtype=np.intp))
    t = kept.setdefault("t", 0)
    observations = np.full((n, len(model().n_obs)) if MODEL else n, 0, dtype=np.intp)
    observations[...] = observation(t)
    kept["t"] += 1
    start = time.perf_counter_ns()
    kept["population"].step(observations)
    return n / ((time.perf_counter_ns() - start) / 1e9)

def memory_per_agent():
    cls, sizes, weights = explorer.ExplorerAgent, (1000, 2000, 4000), []
    for n in sizes:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        agents_ = agents(cls, n)
        gc.collect()
        weights.append(tracemalloc.get_traced_memory()[0] - before)
        tracemalloc.stop()
        del agents_
    mean_n, mean_w = sum(sizes) / 3, sum(weights) / 3
    top = sum((n - mean_n) * (w - mean_w) for n, w in zip(sizes, weights))
    return top / sum((n - mean_n) ** 2 for n in sizes)

for line in sys.stdin:
    name = line.strip()
    try:
        print(json.dumps({"value": float(globals()[name]())}), flush=True)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
"""

#: Cold children: the statement timed inside a fresh interpreter, printed as seconds.
COLD = {
    "import_time": "import explorer",
    "first_action_time": "import explorer\nexplorer.ExplorerAgent(0, 'compare').step(0)",
}
#: The same, for agents of a model its factory builds in the child (the factory's call timed too).
COLD_MODEL = {
    "import_time": "import explorer",
    "first_action_time": "import importlib\nimport explorer\n"
    "_module, _, _function = {path!r}.partition(':')\n"
    "_model = getattr(importlib.import_module(_module), _function)()\n"
    "explorer.LazyAgent(_model).step(tuple(0 for _ in _model.n_obs))",
}
_COLD_CHILD = "import time\n_t0 = time.perf_counter()\n{statement}\nprint(time.perf_counter() - _t0)\n"


class Worker(LineWorker):
    """A long-lived process running one side's code for the warm metrics."""

    def __init__(self, source: Source, model: str | None = None) -> None:
        args = [source.python, "-c", WORKER, *([model] if model else [])]
        super().__init__(args, cwd=source.path, label=source.label, env=_environment(model))
        self.source = source
        imported = Path(self.read().get("ready", "")).resolve()
        if not imported.is_relative_to(source.path.resolve()):
            self.close()
            raise RuntimeError(f"{source.label}'s worker imported explorer from {imported}, not its checkout")

    def measure(self, metric: str) -> float:
        """One sample of ``metric``; raises RuntimeError with the side's error."""
        return self.ask(metric)["value"]


def cold_sample(source: Source, metric: str, model: str | None = None) -> float:
    """Seconds the statement of cold ``metric`` took inside a fresh interpreter in ``source``'s checkout."""
    statement = COLD_MODEL[metric].replace("{path!r}", repr(model)) if model else COLD[metric]
    code = _COLD_CHILD.format(statement=statement)
    result = subprocess.run(
        [source.python, "-c", code],
        cwd=source.path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_environment(model),
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit code {result.returncode}"]
        raise RuntimeError(lines[-1])
    return float(result.stdout.strip().splitlines()[-1])


def _environment(model: str | None) -> dict[str, str] | None:
    """A child's environment: this one, plus the folder the model's factory was found in."""
    if not model:
        return None
    from explorer.measure.harness.factories import child_environment

    return child_environment(model)


def measure_interleaved(
    base: Source, head: Source, metrics: list[str], *, quick: bool, progress=None, model: str | None = None
) -> dict[str, dict[str, object]]:
    """Samples of every metric for both sides, interleaved (order alternating per repeat).

    Returns ``{metric: {"base": [...], "head": [...], "error": {"base": str, "head": str}}}``;
    a side whose metric fails keeps its error and stops sampling that metric.
    """
    sides = {"base": base, "head": head}
    workers: dict[str, Worker] = {}
    samples: dict[str, dict[str, object]] = {}
    try:
        if any(METRICS[m].kind == "warm" for m in metrics):
            for key, source in sides.items():
                workers[key] = Worker(source, model)
        for name in metrics:
            metric = METRICS[name]
            repeats = metric.quick_repeats if quick else metric.full_repeats
            entry: dict[str, object] = {"base": [], "head": [], "error": {}}
            samples[name] = entry

            def sample(key: str, name: str = name, metric: Metric = metric) -> float:
                if metric.kind == "warm":
                    return workers[key].measure(name)
                return cold_sample(sides[key], name, model)

            for key in sides:  # warm-up, discarded: caches, .pyc files, first-use costs
                try:
                    sample(key)
                except RuntimeError as exc:
                    entry["error"][key] = str(exc)
            for repeat in range(repeats):
                for key in ("base", "head") if repeat % 2 == 0 else ("head", "base"):
                    if key in entry["error"]:
                        continue
                    try:
                        entry[key].append(sample(key))
                    except RuntimeError as exc:
                        entry["error"][key] = str(exc)
                if progress is not None:
                    progress(name, repeat + 1, repeats)
    finally:
        for worker in workers.values():
            worker.close()
    return samples
