"""Performance monitoring: call durations in an in-process registry, and agent lifecycle events.

``performance_monitor(threshold_ms)`` times each call of the function it decorates and logs a
warning (logger ``"explorer"``, configured nowhere here) when a call exceeds the threshold.
Lifecycle events (spawned, first_step, reset) are recorded only after
:func:`enable_lifecycle_events`; while disabled, an agent pays one global check per hook.
Both registries grow until :func:`clear_monitor`; read them with :func:`call_durations` and
:func:`lifecycle_events` (DataFrames). Importing this module imports only ``time``.
"""

from __future__ import annotations

import time

#: (function, start time since the epoch in s, duration in s, threshold in s), one per call.
_CALLS: list[tuple[str, float, float, float]] = []
#: (event, agent_id, name, agent class, perf_counter s, time since the epoch s, loop running), per event.
_EVENTS: list[tuple[str, int, str, str, float, float, bool]] = []

LOGGER_NAME = "explorer"
LIFECYCLE_EVENTS = ("spawned", "first_step", "reset")


def performance_monitor(threshold_ms: float = 50.0, *, name: str | None = None):
    """Decorator: record every call's duration and warn when one takes longer than ``threshold_ms``.

    Works on plain and ``async`` functions; ``name`` labels the function in the registry
    (default: its qualified name). Usable as ``@performance_monitor`` or ``@performance_monitor(10)``.
    """
    if callable(threshold_ms) and name is None:
        return performance_monitor()(threshold_ms)  # used bare: @performance_monitor
    if isinstance(threshold_ms, bool) or not isinstance(threshold_ms, (int, float)):
        raise TypeError(f"threshold_ms must be a number of milliseconds, got {threshold_ms!r}")
    if not threshold_ms >= 0:
        raise ValueError(f"threshold_ms must be >= 0, got {threshold_ms!r}")
    threshold_s = threshold_ms / 1e3

    def decorate(func):
        import functools
        import inspect

        label = name or getattr(func, "__qualname__", repr(func))
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def timed_async(*args, **kwargs):
                wall, start = time.time(), time.perf_counter()
                try:
                    return await func(*args, **kwargs)
                finally:
                    _record_call(label, wall, time.perf_counter() - start, threshold_s)

            return timed_async

        @functools.wraps(func)
        def timed(*args, **kwargs):
            wall, start = time.time(), time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                _record_call(label, wall, time.perf_counter() - start, threshold_s)

        return timed

    return decorate


def _record_call(label: str, wall: float, seconds: float, threshold_s: float) -> None:
    _CALLS.append((label, wall, seconds, threshold_s))
    if seconds > threshold_s:
        import logging

        logging.getLogger(LOGGER_NAME).warning(
            "%s took %.1f ms (threshold %.1f ms)", label, seconds * 1e3, threshold_s * 1e3
        )


def enable_lifecycle_events() -> None:
    """Start recording agents' lifecycle events (spawned, first_step, reset)."""
    from explorer import agents

    agents._lifecycle = record_lifecycle_event


def disable_lifecycle_events() -> None:
    """Stop recording lifecycle events; the agents' hooks go back to one global check each."""
    from explorer import agents

    agents._lifecycle = None


def lifecycle_events_enabled() -> bool:
    """Whether lifecycle events are being recorded."""
    from explorer import agents

    return agents._lifecycle is not None


def record_lifecycle_event(event: str, agent: object) -> None:
    """Record ``event`` for ``agent`` now, synchronously, whether or not an asyncio loop is running.

    The seed scheduled events on the running loop and silently skipped them without one; here the
    record is appended at once (it cannot be lost with a loop that stops first), noting whether a
    loop was running.
    """
    if event not in LIFECYCLE_EVENTS:
        raise ValueError(f"event must be one of {LIFECYCLE_EVENTS}, got {event!r}")
    _EVENTS.append(
        (
            event,
            getattr(agent, "agent_id", -1),
            getattr(agent, "name", ""),
            type(agent).__name__,
            time.perf_counter(),
            time.time(),
            _loop_running(),
        )
    )


def _loop_running() -> bool:
    import sys

    asyncio = sys.modules.get("asyncio")
    if asyncio is None:  # no loop can run without asyncio imported; do not import it here
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def call_durations():
    """The recorded calls as a DataFrame: ``function``, ``started`` (UTC), ``duration_s``,
    ``threshold_s``, ``exceeded`` (duration above threshold)."""
    import pandas as pd

    df = pd.DataFrame(_CALLS, columns=["function", "started", "duration_s", "threshold_s"])
    df["started"] = pd.to_datetime(df["started"], unit="s", utc=True)
    df["exceeded"] = df["duration_s"] > df["threshold_s"]
    return df


def lifecycle_events():
    """The recorded lifecycle events as a DataFrame: ``event``, ``agent_id``, ``name``,
    ``agent_class``, ``t_s`` (perf_counter), ``time`` (UTC), ``loop_running``."""
    import pandas as pd

    columns = ["event", "agent_id", "name", "agent_class", "t_s", "time", "loop_running"]
    df = pd.DataFrame(_EVENTS, columns=columns)
    df["time"] = pd.to_datetime(df["time"], unit="s", utc=True)
    return df


def clear_monitor() -> None:
    """Empty both registries (recorded calls and lifecycle events)."""
    _CALLS.clear()
    _EVENTS.clear()
