"""Python-level memory as tracemalloc sees it: the bytes a call keeps, and their slope over sizes.

The one meter behind bytes per agent (instruments), per engine (the throughput table) and the
budgets: exact for a Python and numpy version. Only the standard library is imported here.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Sequence


def bytes_kept(call: Callable[[], object], *, trace: bool = True) -> int:
    """tracemalloc bytes still allocated once ``call()`` has returned (its result held while counted).

    With ``trace=False`` the call only runs (a warm-up: imports, caches) and 0 is returned.
    """
    gc.collect()
    if not trace:
        call()
        return 0
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = call()
        gc.collect()
        counted = tracemalloc.get_traced_memory()[0] - before
        del held  # freed only once counted
        return counted
    finally:
        tracemalloc.stop()


def line_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares ``(slope, intercept)`` of ``ys = intercept + slope * xs``."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ValueError(f"xs must hold at least two distinct sizes, one per figure, got {xs!r} for {ys!r}")
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return slope, mean_y - slope * mean_x


def bytes_slope(make: Callable[[int], object], ns: Sequence[int] = (1000, 2000, 4000)) -> float:
    """Bytes per unit of ``n`` that stay allocated after ``make(n)``: the least-squares slope over ``ns``.

    ``make`` is run once at the smallest size first, so that caches it fills once (a model, an
    engine chosen by size) are not counted.
    """
    make(min(ns))
    return line_fit(ns, [bytes_kept(lambda n=n: make(n)) for n in ns])[0]
