"""Fresh interpreter processes: the only honest way to time a cold start (docs/methodology.md).

Each child is ``sys.executable -c CODE`` run from the repository root; it prints JSON lines with
what it timed inside, and the parent times it from outside (docs/methodology.md#fresh-processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from explorer.paths import ROOT

#: The bare interpreter: what every cold figure is compared with.
BARE = "pass"

#: Times one statement inside the child (perf_counter around it) and prints the seconds.
IMPORT_CHILD = """\
import time
_t0 = time.perf_counter()
{statement}
_t1 = time.perf_counter()
print('{{"import": %r}}' % (_t1 - _t0))
"""

#: Import + spawn + first step in a fresh process, each timed inside, reported on the first line
#: (the parent notes when it arrives); then, optionally, RSS per agent on a second line. The child
#: leaves with os._exit: interpreter teardown is not part of what it measures.
FIRST_ACTION_CHILD = """\
import time
_t0 = time.perf_counter()
{cold_import}
_t1 = time.perf_counter()
agent = Agent(0, "agent", None)
_t2 = time.perf_counter()
action = {first_step}
_t3 = time.perf_counter()
import json
import os
import sys
print(json.dumps({{"import": _t1 - _t0, "spawn": _t2 - _t1, "first_step": _t3 - _t2, "action": action}}))
sys.stdout.flush()
if {rss_agents}:
    import gc
    import psutil
    from explorer.world import GridWorld
    world = GridWorld()
    process = psutil.Process()
    result = {{}}
    gc.collect()
    rss0 = process.memory_info().rss
    agents = [Agent(i, "agent", world) for i in range(1, {rss_agents} + 1)]
    gc.collect()
    rss1 = process.memory_info().rss
    result["rss_spawned"] = (rss1 - rss0) / {rss_agents}
    if {rss_built_agents} and {can_step}:
        for a in agents[:{rss_built_agents}]:
            a.step({observation})
        gc.collect()
        rss2 = process.memory_info().rss
        result["rss_after_first_step"] = result["rss_spawned"] + (rss2 - rss1) / {rss_built_agents}
    print(json.dumps(result))
    sys.stdout.flush()
os._exit(0)
"""


class ChildFailed(RuntimeError):
    """A measuring child process exited with an error (its stderr's last line is the message)."""


@dataclass(frozen=True)
class ChildRun:
    """What one child process gave: its JSON output, and two wall times taken by the parent.

    ``data``: the one JSON line printed, or the JSON objects of several lines merged;
    ``reported_s``: launch until the child's first stdout line arrived; ``exited_s``: until it exited.
    Unpacks as ``data, exited_s, stderr``, as callers of the first version of ``run_child`` expect.
    """

    data: object
    reported_s: float
    exited_s: float
    stderr: str

    def __iter__(self):
        return iter((self.data, self.exited_s, self.stderr))


def run_child(
    code: str,
    *,
    timeout: float = 300.0,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike[str] = ROOT,
) -> ChildRun:
    """Run ``code`` in a fresh interpreter (``sys.executable``) started in ``cwd``, timing it from outside.

    ``env`` replaces the child's environment (None: this process's), e.g. to find a researcher's module;
    ``cwd`` is the checkout whose ``explorer`` the child imports (this one by default).
    """
    with tempfile.TemporaryFile(mode="w+") as err:  # a file, not a pipe: a chatty stderr cannot block
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, *args, "-c", code],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=env,
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            first = process.stdout.readline()
            reported = time.perf_counter()
            rest = process.stdout.read()
            process.wait()
            exited = time.perf_counter()
        finally:
            timer.cancel()
            process.stdout.close()
        err.seek(0)
        stderr = err.read()
    if process.returncode != 0:
        lines = stderr.strip().splitlines() or [f"exit code {process.returncode}"]
        raise ChildFailed(lines[-1] if process.returncode > 0 else f"killed after {timeout} s or by a signal")
    lines = [line for line in (first + rest).splitlines() if line.strip()]
    if not lines:
        raise ChildFailed("child printed nothing")
    values = [json.loads(line) for line in lines]
    data = values[0] if len(values) == 1 else {k: v for value in values for k, v in value.items()}
    return ChildRun(data, reported - start, exited - start, stderr)


def first_action_code(
    cold_import: str,
    *,
    can_step: bool,
    observation: int | tuple[int, ...] = 0,
    rss_agents: int = 0,
    rss_built_agents: int = 0,
) -> str:
    """The child program timing import + spawn + first step of the agent ``cold_import`` binds
    (``observation``: a grid cell, or one outcome per modality of a Model)."""
    observation = _observation_text(observation)
    return FIRST_ACTION_CHILD.format(
        cold_import=cold_import,
        first_step=f"agent.step({observation})" if can_step else "None",
        rss_agents=int(rss_agents),
        rss_built_agents=int(rss_built_agents),
        can_step=bool(can_step),
        observation=observation,
    )


def warmup_code(cold_imports: list[tuple[str, bool]], observation: int | tuple[int, ...] = 0) -> str:
    """One child that imports (and steps) every variant once: compiles their .pyc files, discarded."""
    lines = []
    step = f"agent.step({_observation_text(observation)})"
    for cold_import, can_step in cold_imports:
        lines += [cold_import, "agent = Agent(0, 'agent', None)"] + ([step] if can_step else [])
    return "\n".join([*lines, "print('{}')"])


def _observation_text(observation: int | tuple[int, ...]) -> str:
    if isinstance(observation, tuple):
        return repr(tuple(int(o) for o in observation))
    return repr(int(observation))
