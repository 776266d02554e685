"""How much memory one allocation may ask for: estimated first, refused above the limit, before allocating.

The limit defaults to a fraction of the memory available now (and of the address-space headroom
under ``ulimit -v``); ``EXPLORER_MEMORY_LIMIT`` (e.g. ``8GiB``, ``500MB``, ``1000000``) or
:func:`set_memory_limit` / :func:`using_memory_limit` set it. Only the standard library is imported.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

from explorer.units import format_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

#: The environment variable that sets the limit, in bytes or with a unit (``4GiB``, ``512MB``).
ENV_VAR = "EXPLORER_MEMORY_LIMIT"
#: Fraction of the available memory one allocation may take by default (the machine is shared).
DEFAULT_FRACTION = 0.25

_UNITS = {
    "": 1,
    "b": 1,
    "k": 2**10, "kb": 10**3, "kib": 2**10,
    "m": 2**20, "mb": 10**6, "mib": 2**20,
    "g": 2**30, "gb": 10**9, "gib": 2**30,
    "t": 2**40, "tb": 10**12, "tib": 2**40,
}  # fmt: skip
_override: int | None = None


def memory_limit() -> int:
    """Bytes one allocation may take: the override, else ``EXPLORER_MEMORY_LIMIT``, else the default."""
    if _override is not None:
        return _override
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        return parse_bytes(text, ENV_VAR)
    return int(DEFAULT_FRACTION * available_memory())


def check_memory(nbytes: int, what: str) -> None:
    """Raise MemoryError naming ``what``, the bytes it needs and the limit, if ``nbytes`` exceeds it."""
    limit = memory_limit()
    if nbytes > limit:
        raise MemoryError(
            f"{what} needs {format_value(nbytes, 'B')} ({int(nbytes):,} bytes), above the memory limit of "
            f"{format_value(limit, 'B')}; nothing was allocated. Raise the limit with {ENV_VAR}=<bytes, "
            "e.g. 16GiB> or explorer.limits.set_memory_limit(...)"
        )


def set_memory_limit(limit: int | str | None) -> int | None:
    """Set the limit for this process (bytes, or text like ``"2GiB"``; None: back to the default).

    Returns the previous override so that a caller can put it back.
    """
    global _override
    previous = _override
    if limit is None:
        _override = None
    elif isinstance(limit, str):
        _override = parse_bytes(limit, "limit")
    else:
        if isinstance(limit, bool) or not hasattr(type(limit), "__index__"):
            raise TypeError(f"limit must be an int of bytes, a str like '2GiB' or None, got {limit!r}")
        if int(limit) < 1:
            raise ValueError(f"limit must be at least 1 byte, got {limit!r}")
        _override = int(limit)
    return previous


@contextmanager
def using_memory_limit(limit: int | str | None) -> Iterator[None]:
    """Within the ``with`` block the limit is ``limit``; the previous setting comes back after it."""
    previous = set_memory_limit(limit)
    try:
        yield
    finally:
        set_memory_limit(previous)


def available_memory() -> int:
    """Bytes available to this process now: the system's available memory, capped by ``ulimit -v``."""
    available = _system_available()
    try:
        import resource

        for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
            soft, _ = resource.getrlimit(which)
            if soft != resource.RLIM_INFINITY:
                available = min(available, max(soft - _address_space_used(), 0))
    except (ImportError, OSError, ValueError):
        pass
    return available


def parse_bytes(text: str, name: str) -> int:
    """``"4GiB"``, ``"500MB"``, ``"1e9"`` or ``"1000000"`` as a number of bytes (>= 1), else ValueError."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*([a-z]*)\s*", str(text).lower())
    if match is None or match.group(2) not in _UNITS:
        raise ValueError(
            f"{name} must be a number of bytes, optionally with a unit (KiB, MB, GiB...), got {text!r}"
        )
    value = int(float(match.group(1)) * _UNITS[match.group(2)])
    if value < 1:
        raise ValueError(f"{name} must be at least 1 byte, got {text!r}")
    return value


def _system_available() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import psutil

    return int(psutil.virtual_memory().available)


def _address_space_used() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
