"""``compare --counts``: the instruction counts of two checkouts, a verdict per claim with no interval.

In the counted setting (explorer.measure.harness.cachegrind) a count is identical on every run, so there is
no noise to put an interval on: HEAD/BASE is exact, and a verdict other than "same" needs it beyond
the threshold (default 1%). Each side's code runs in its own checkout; the programs counted are this
checkout's (explorer.measure.instruments.counts), and use only names every revision has.
"""

from __future__ import annotations

from explorer.compare.sources import Source
from explorer.compare.verdict import Verdict, judge, not_measured

#: Default threshold of ``compare --counts``: a count 1% above BASE's is a regression.
COUNTS_THRESHOLD = 0.01
METHOD = (
    "Instructions counted by Valgrind's cachegrind (Ir), each claim the difference of two children forked "
    "after one shared setup that differ only in the amount of work, in a fixed setting (hash seed 0, one "
    "thread, gc off, a private environment): every count is identical on every run, so HEAD/BASE is exact "
    "and has no interval."
)


def count_sides(base: Source, head: Source, claims: list[str]) -> dict[str, object]:
    """Both sides' counts (BASE first, then HEAD) as tidy DataFrames, keyed ``base`` and ``head``."""
    from explorer.measure.instruments.counts import instruction_counts

    return {
        key: instruction_counts(claims, root=source.path, python=source.python)
        for key, source in (("base", base), ("head", head))
    }


def verdicts(frames: dict[str, object], claims: list[str], *, threshold: float) -> list[Verdict]:
    """One verdict per claim (and per ratio of claims): more, fewer or the same instructions."""
    from explorer.measure.instruments.counts import CLAIMS, RATIOS

    found = {key: _by_claim(frame) for key, frame in frames.items()}
    names = [*claims, *(r for r, parts in RATIOS.items() if set(parts) <= set(claims))]
    result = []
    for name in names:
        label = CLAIMS[name].label if name in CLAIMS else f"{RATIOS[name][0]} / {RATIOS[name][1]}"
        unit = "instructions" if name in CLAIMS else "x"
        base, head = found["base"].get(name), found["head"].get(name)
        errors = [
            f"{side}: {row['error']}"
            for side, row in (("BASE", base), ("HEAD", head))
            if row and row["error"]
        ]
        if base is None or head is None or errors:
            note = "; ".join(errors) or "not counted"
            result.append(not_measured(name, label, unit, "lower", note, repeats=1))
            continue
        ratio = head["median"] / base["median"]
        verdict, regressed = judge(ratio, ratio, better="lower", unit="instructions", threshold=threshold)
        if not regressed and verdict.startswith("same"):
            verdict = f"same within {threshold:.0%}"
        change = head["median"] - base["median"]
        result.append(
            Verdict(
                name, label, unit, "lower", base["median"], None, None, head["median"], None, None,
                ratio, ratio, ratio, verdict, regressed, 1,
                f"exact count (no interval): {change:+,.1f} per {base['per']} ({ratio - 1:+.2%})",
            )
        )  # fmt: skip
    return result


def _by_claim(frame) -> dict[str, dict]:
    rows = frame[frame["metric"].isin(["instructions", "instructions_ratio"])]
    return {row["claim"]: row for row in rows.to_dict("records")}
