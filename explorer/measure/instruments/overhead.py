"""What the lifecycle hooks cost: spawn with events disabled against a hook-free copy of the agent.

The hook-free class is built from ``ExplorerAgent.__init__``'s own source with the hook lines
removed, so the two differ by exactly the check being measured.
"""

from __future__ import annotations

import inspect
import textwrap

import pandas as pd

from explorer.checks import check_int
from explorer.measure.harness.timing import frozen_heap, time_spawn
from explorer.measure.harness.variants import agents_of
from explorer.measure.instruments.spawn import METHOD
from explorer.measure.results.metadata import machine_metadata
from explorer.measure.results.stats import frame, rotated, summarize
from explorer.world import GridWorld

_HOOK = "if _lifecycle is not None:"


def hook_free_agent_class() -> type:
    """A subclass of ``ExplorerAgent`` whose ``__init__`` is its own minus the lifecycle hook."""
    from explorer import agents

    source = textwrap.dedent(inspect.getsource(agents.ExplorerAgent.__init__))
    lines = source.splitlines()
    kept = []
    skip_indent = None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None and line.strip() and indent > skip_indent:
            continue
        skip_indent = None
        if line.strip() == _HOOK:
            skip_indent = indent
            continue
        kept.append(line)
    if len(kept) == len(lines):
        raise RuntimeError("ExplorerAgent.__init__ has no lifecycle hook to remove")
    namespace: dict = {}
    exec(compile("\n".join(kept), agents.__file__, "exec"), vars(agents), namespace)
    return type(
        "HookFreeAgent", (agents.ExplorerAgent,), {"__slots__": (), "__init__": namespace["__init__"]}
    )


def _hooked_agent_class() -> type:
    from explorer import agents

    return type("HookedAgent", (agents.ExplorerAgent,), {"__slots__": ()})


def monitor_overhead(
    n: int = 1000, repeats: int = 7, variants: tuple[str, ...] = (), world: GridWorld | None = None
) -> pd.DataFrame:
    """Spawn seconds per agent with the lifecycle hooks disabled, hook-free, and enabled, interleaved.

    Rows (metric ``monitor_overhead``, seconds per agent spawned): variant ``events_disabled`` (the
    agent as shipped), ``hook_free`` (the same ``__init__`` without the hook), ``events_enabled``
    (recording a ``spawned`` event each), and ``disabled_minus_hook_free`` (paired per repeat; it
    may come out negative: that is noise).
    """
    from explorer import monitor

    del variants  # the suite passes its variants to every measurement; this one compares hooks
    n = check_int("n", n, low=1)
    repeats = check_int("repeats", repeats, low=1)
    world = GridWorld() if world is None else world
    classes = {"events_disabled": _hooked_agent_class(), "hook_free": hook_free_agent_class()}
    classes["events_enabled"] = classes["events_disabled"]
    spawners = {name: agents_of(lambda cls=cls: cls) for name, cls in classes.items()}
    samples: dict[str, list[float]] = {name: [] for name in classes}
    was_enabled = monitor.lifecycle_events_enabled()
    recorded = len(monitor._EVENTS)
    try:
        with frozen_heap():
            for repeat in range(repeats):
                for name in rotated(tuple(classes), repeat):
                    if name == "events_enabled":
                        monitor.enable_lifecycle_events()
                    try:
                        samples[name].append(time_spawn(spawners[name], n, world) / n)
                    finally:
                        monitor.disable_lifecycle_events()
                        del monitor._EVENTS[recorded:]  # the measurement's own events, not the caller's
    finally:
        if was_enabled:
            monitor.enable_lifecycle_events()
    rows = []
    for name in classes:
        common = {"metric": "monitor_overhead", "variant": name, "n": n, "unit": "s", "method": METHOD}
        rows.append(summarize(samples[name], **common, stage="constructor", note=_NOTES[name]))
    paired = [a - b for a, b in zip(samples["events_disabled"], samples["hook_free"], strict=True)]
    rows.append(
        summarize(
            paired,
            metric="monitor_overhead",
            variant="disabled_minus_hook_free",
            n=n,
            unit="s",
            method="paired difference per repeat",
            stage="constructor",
            note="events_disabled minus hook_free, seconds per agent",
        )
    )
    return frame(rows, machine_metadata())


_NOTES = {
    "events_disabled": "ExplorerAgent as shipped, lifecycle events disabled (one global check)",
    "hook_free": "ExplorerAgent.__init__ without the lifecycle hook",
    "events_enabled": "ExplorerAgent recording a 'spawned' event per agent",
}
