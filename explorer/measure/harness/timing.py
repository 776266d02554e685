"""Timing a spawn: the loop every spawn measurement shares, and worker processes to run it in.

Kept free of pandas and numpy so that a worker process holds only the variant it times.
"""

from __future__ import annotations

import contextlib
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from explorer.paths import ROOT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from explorer.world import GridWorld


@contextlib.contextmanager
def frozen_heap():
    """Collect once, then freeze every live object for the duration (``gc.freeze``).

    Later ``gc.collect()`` calls then scan only what the measurement allocated: with pymdp and
    pandas loaded a full collection takes ~50 ms here, a frozen one microseconds.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def time_spawn(spawn, n: int, world: GridWorld) -> float:
    """Seconds to run ``spawn(n, world)`` once, with the garbage collector off (as pyperf does).

    Untimed spawns of 100 agents run first (up to 10 of them, or 10 ms), so caches hold this
    variant's code and data, and CPython's specialized bytecode fits it: ``EagerExplorerAgent``
    runs ``ExplorerAgent.__init__`` too, and right after eager spawns a lazy spawn measured ~3x
    slower until about 1,000 calls had re-specialized that shared code.
    """
    deadline = time.perf_counter_ns() + 10_000_000
    for _ in range(10):
        spawn(100, world)  # dropped at once; any handle type (a list, a Population)
        if time.perf_counter_ns() > deadline:
            break
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        agents = spawn(n, world)
        stop = time.perf_counter_ns()
    finally:
        if was_enabled:
            gc.enable()
    if len(agents) != n:
        raise RuntimeError(f"spawn built {len(agents)} agents, expected {n}")
    del agents
    return (stop - start) / 1e9


#: A worker: builds its variant once (imports, caches), then times ``spawn(n)`` for each n read.
_WORKER = """\
import json, sys
from explorer.measure.harness.timing import frozen_heap, time_spawn
from explorer.measure.harness.variants import get_variant
from explorer.measure.harness.subjects import from_argument
world = from_argument(sys.argv[2])
repeat = int(sys.argv[3])
try:
    spawn = get_variant(sys.argv[1]).spawn
    if repeat > 1:  # an injected slowdown (the perf gates' detection test): spawn repeat times, keep the last
        variant_spawn = spawn
        def spawn(n, world):
            for _ in range(repeat - 1):
                variant_spawn(n, world)
            return variant_spawn(n, world)
    spawn(2, world)
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
    raise SystemExit(0)
print(json.dumps({"ready": True}), flush=True)
with frozen_heap():
    for line in sys.stdin:
        try:
            print(json.dumps({"seconds": time_spawn(spawn, int(line), world)}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
"""


class LineWorker:
    """A child process answering one JSON line per line it reads: the parent asks, it measures.

    Its stderr goes to a file (a chatty child cannot block); when it dies, the error names
    ``label`` and the child's last stderr line.
    """

    def __init__(self, args: list[str], *, cwd: Path, label: str, env: dict[str, str] | None = None) -> None:
        self.label = label
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- closed by close()
        self._process = subprocess.Popen(
            args,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )

    def ask(self, line: str) -> dict:
        """Send ``line``; return the reply; raises RuntimeError with the reply's ``error``, if any."""
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        reply = self.read()
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def read(self) -> dict:
        """The next JSON line the child prints; raises RuntimeError when it died instead."""
        line = self._process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            lines = self._stderr.read().strip().splitlines() or ["worker exited without a word"]
            raise RuntimeError(f"{self.label} worker died: {lines[-1]}")
        return json.loads(line)

    def close(self) -> None:
        """End the worker (it exits when its input closes) and release its files."""
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._stderr.close()


class SpawnWorker(LineWorker):
    """A process of its own timing one variant's spawns, so that variants share no interpreter state.

    In one process, ``EagerExplorerAgent`` spawns re-specialize ``ExplorerAgent.__init__``'s bytecode
    (CPython 3.11+) and fragment the heap; a lazy spawn timed right after measured up to 3x slower.
    The parent still interleaves the variants: it asks each worker in turn. ``repeat`` > 1 spawns
    that many times per timing (a known slowdown, to measure a gate's detection rate).
    """

    def __init__(
        self, variant: str, world_repr: str, *, repeat: int = 1, env: dict[str, str] | None = None
    ) -> None:
        args = [sys.executable, "-c", _WORKER, variant, world_repr, str(int(repeat))]
        super().__init__(args, cwd=ROOT, label=variant, env=env)
        self.variant = variant
        self.error = self.read().get("error", "")

    def time_spawn(self, n: int) -> float:
        """Seconds the worker took to spawn ``n`` agents; raises RuntimeError with its error."""
        return float(self.ask(str(int(n)))["seconds"])
