"""The core's clock as this process sees it, measured: a virtual machine reports only its nominal rate.

Instructions per nanosecond mean little without cycles per nanosecond: ``/proc/cpuinfo`` here says
2.6 GHz while the core turbo-boosts, and performance counters are not exposed to the guest. So the
clock is timed on a chain of dependent integer multiply-adds, whose latency (3 cycles for the
multiply, 1 for the add on x86 cores since 2011) fixes the cycles it takes.
"""

from __future__ import annotations

import time

from explorer.checks import check_int

#: Cycles one link of the chain takes: a 64-bit ``imul`` (3) feeding an ``add`` (1).
CYCLES_PER_LINK = 4


def _chain():
    """The compiled chain ``x = x * a + b``; ``a`` and ``b`` are arguments so nothing folds it away."""
    import numba

    @numba.njit(cache=False)
    def chain(links: int, a: int, b: int) -> int:  # pragma: no cover - compiled
        x = 1
        for _ in range(links):
            x = x * a + b
        return x

    return chain


def clock_ghz(links: int = 50_000_000, repeats: int = 7) -> float:
    """Cycles per nanosecond of the core running this process: the fastest of ``repeats`` chains.

    The fastest, not the median: a chain can only be slowed (by another process on the core, by
    an interrupt), never sped up, so the minimum is the clock's best estimate.
    """
    links = check_int("links", links, low=1000)
    repeats = check_int("repeats", repeats, low=1)
    chain = _chain()
    chain(1000, 3, 5)  # compile
    best = min(_timed(chain, links) for _ in range(repeats))
    return CYCLES_PER_LINK * links / best


def _timed(chain, links: int) -> float:
    """Nanoseconds one chain of ``links`` takes."""
    start = time.perf_counter_ns()
    chain(links, 3, 5)
    return float(time.perf_counter_ns() - start)
