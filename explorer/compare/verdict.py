"""Deciding each compared metric: both medians with intervals, HEAD/BASE with its interval, a verdict.

Samples measured in one job give each median its distribution-free interval (order statistics, as every
results row has) and HEAD/BASE a bootstrap interval (each side resampled on its own). Figures read
from saved files have no samples: their quartiles stand in, which makes the interval wider, and
the verdict says that the two came from different jobs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

#: Words of a verdict, by what the unit measures: (better, worse).
WORDS = {"B": ("smaller", "larger"), "instructions": ("fewer instructions", "more instructions")}
DEFAULT_WORDS = ("faster", "slower")
SAME = "same within noise"


@dataclass(frozen=True)
class Verdict:
    """One metric's comparison; ``ratio`` is HEAD/BASE; ``regressed`` when worse beyond the threshold."""

    metric: str
    label: str
    unit: str
    better: str
    base_median: float | None
    base_low: float | None
    base_high: float | None
    head_median: float | None
    head_low: float | None
    head_high: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    verdict: str
    regressed: bool
    repeats: int
    note: str = ""

    def as_dict(self) -> dict:
        """The verdict as plain JSON-ready values."""
        return asdict(self)


def judge(
    ratio_low: float, ratio_high: float, *, better: str, unit: str, threshold: float
) -> tuple[str, bool]:
    """The verdict for HEAD/BASE in ``[ratio_low, ratio_high]``: worse or better only beyond ``threshold``.

    For lower-is-better metrics a ratio above ``1 + threshold`` (the whole interval) is worse; for
    higher-is-better ones a ratio below ``1 / (1 + threshold)`` is.
    """
    good, bad = WORDS.get(unit, DEFAULT_WORDS)
    # the cost ratio: above 1 means HEAD is worse, whatever the metric's direction
    cost_low, cost_high = (ratio_low, ratio_high) if better == "lower" else (1 / ratio_high, 1 / ratio_low)
    if cost_low > 1 + threshold:
        return bad, True
    if cost_high < 1 / (1 + threshold):
        return good, False
    return SAME, False


def from_samples(
    metric, base: list[float], head: list[float], errors: dict[str, str], *, threshold: float
) -> Verdict:
    """The verdict of one metric measured interleaved in this job."""
    from explorer.measure.results.stats import median_interval, ratio_interval

    common = {"metric": metric.name, "label": metric.label, "unit": metric.unit, "better": metric.better}
    if errors or len(base) < 3 or len(head) < 3:
        detail = "; ".join(f"{side}: {text}" for side, text in errors.items()) or "too few samples"
        return not_measured(*common.values(), detail, repeats=min(len(base), len(head)))
    b, h = np.asarray(base, float), np.asarray(head, float)
    ratio_low, ratio_high = ratio_interval(h, b)
    (base_low, base_high), (head_low, head_high) = median_interval(b), median_interval(h)
    verdict, regressed = judge(
        ratio_low, ratio_high, better=metric.better, unit=metric.unit, threshold=threshold
    )
    spread = "exact (every sample equal)" if np.ptp(b) == 0 and np.ptp(h) == 0 else "interleaved, one job"
    return Verdict(
        **common,
        base_median=float(np.median(b)),
        base_low=base_low,
        base_high=base_high,
        head_median=float(np.median(h)),
        head_low=head_low,
        head_high=head_high,
        ratio=float(np.median(h) / np.median(b)),
        ratio_low=ratio_low,
        ratio_high=ratio_high,
        verdict=verdict,
        regressed=regressed,
        repeats=min(b.size, h.size),
        note=spread,
    )


def not_measured(metric: str, label: str, unit: str, better: str, note: str, *, repeats: int = 0) -> Verdict:
    """A metric that one side could not give (its error, or a figure missing from a file)."""
    empty = dict.fromkeys(
        ("base_median", "base_low", "base_high", "head_median", "head_low", "head_high", "ratio"), None
    )
    return Verdict(
        metric, label, unit, better, **empty, ratio_low=None, ratio_high=None, verdict="not measured",
        regressed=False, repeats=repeats, note=note,
    )  # fmt: skip


def from_figures(
    name: str, label: str, unit: str, better: str, base: dict, head: dict, *, threshold: float
) -> Verdict:
    """The verdict of one figure read from two saved results (median, q1, q3 each): different jobs.

    A figure whose spread reaches zero or below (a difference from a floor, such as import time above
    the bare interpreter) has no meaningful ratio: it is reported as not comparable, never as a change.
    """
    ends = [side.get(key) or side["median"] for side in (base, head) for key in ("q1", "median", "q3")]
    if min(ends) <= 0:
        return replace(
            not_measured(
                name, label, unit, better,
                "no ratio: a spread reaches zero or below (a difference from a floor "
                "not distinguishable from it)",
            ),
            verdict="not comparable",
        )  # fmt: skip
    ratio = head["median"] / base["median"]
    low = (head.get("q1") or head["median"]) / (base.get("q3") or base["median"])
    high = (head.get("q3") or head["median"]) / (base.get("q1") or base["median"])
    verdict, regressed = judge(low, high, better=better, unit=unit, threshold=threshold)
    return Verdict(
        name, label, unit, better,
        base["median"], base.get("q1"), base.get("q3"), head["median"], head.get("q1"), head.get("q3"),
        ratio, low, high, verdict, regressed, min(base.get("repeats", 0), head.get("repeats", 0)),
        "saved files from different jobs: interquartile ranges, not intervals of the median; "
        "jobs on a shared machine differ by 15-50%",
    )  # fmt: skip
