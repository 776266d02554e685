"""Fresh interpreter processes: the only honest way to time a cold start (MEASURING.md rule 2).

Each child is ``sys.executable -c CODE`` run from the repository root; it prints one JSON line
with what it timed inside, and the parent times the whole process from outside.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

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

#: Import + spawn + first step in a fresh process, each timed inside; optionally RSS per agent.
FIRST_ACTION_CHILD = """\
import time
_t0 = time.perf_counter()
{cold_import}
_t1 = time.perf_counter()
agent = Agent(0, "agent", None)
_t2 = time.perf_counter()
action = {first_step}
_t3 = time.perf_counter()
result = {{"import": _t1 - _t0, "spawn": _t2 - _t1, "first_step": _t3 - _t2, "action": action}}
if {rss_agents}:
    import gc
    import psutil
    from explorer.world import GridWorld
    world = GridWorld()
    process = psutil.Process()
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
import json
print(json.dumps(result))
"""


class ChildFailed(RuntimeError):
    """A measuring child process exited with an error (its stderr's last line is the message)."""


def run_child(code: str, *, timeout: float = 300.0, args: tuple[str, ...] = ()) -> tuple[dict, float, str]:
    """Run ``code`` in a fresh interpreter: its last stdout line as JSON, wall seconds, and stderr."""
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, *args, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ChildFailed(f"child timed out after {timeout} s") from exc
    wall = time.perf_counter() - start
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit code {result.returncode}"]
        raise ChildFailed(lines[-1])
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise ChildFailed("child printed nothing")
    return json.loads(lines[-1]), wall, result.stderr


def first_action_code(
    cold_import: str, *, can_step: bool, observation: int = 0, rss_agents: int = 0, rss_built_agents: int = 0
) -> str:
    """The child program timing import + spawn + first step of the agent ``cold_import`` binds."""
    return FIRST_ACTION_CHILD.format(
        cold_import=cold_import,
        first_step=f"agent.step({observation})" if can_step else "None",
        rss_agents=int(rss_agents),
        rss_built_agents=int(rss_built_agents),
        can_step=bool(can_step),
        observation=int(observation),
    )
