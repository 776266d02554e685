"""What ``compare`` writes: a table for the terminal, JSON, and a before/after HTML page."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from explorer.compare.verdict import Verdict
from explorer.files import write_atomic
from explorer.units import format_interval, format_value

_HEADER = ("metric", "BASE median [interval]", "HEAD median [interval]", "HEAD/BASE [interval]", "verdict")
_STYLE = """
 body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; line-height: 1.45; }
 table { border-collapse: collapse; }
 td, th { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; }
 img { max-width: 100%; }
"""


def table(verdicts: list[Verdict]) -> str:
    """One line per metric: BASE and HEAD medians with intervals, HEAD/BASE with its interval, verdict."""
    header = _HEADER
    lines = [header]
    for v in verdicts:
        if v.ratio is None:
            lines.append((v.metric, "n/a", "n/a", "n/a", f"{v.verdict}: {v.note}"))
            continue
        lines.append(
            (
                v.metric,
                _figure(v.base_median, v.base_low, v.base_high, v.unit),
                _figure(v.head_median, v.head_low, v.head_high, v.unit),
                _ratio(v),
                v.verdict + (" (REGRESSION)" if v.regressed else ""),
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in lines)


def write_json(path: Path, document: dict) -> Path:
    """The comparison as JSON (metadata, sides, threshold, verdicts, raw samples), written atomically."""
    return write_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")


def write_html(path: Path, document: dict, verdicts: list[Verdict]) -> Path:
    """A self-contained before/after page: the table, and one panel per metric drawn by explorer.plots."""
    import matplotlib

    matplotlib.use("Agg")
    from explorer import plots

    measured = [v for v in verdicts if v.ratio is not None]
    image = ""
    if measured:
        fig = plots.before_after([v.as_dict() for v in measured])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        encoded = base64.b64encode(buffer.getvalue()).decode()
        image = f'<img alt="before and after" src="data:image/png;base64,{encoded}">'
    base, head = document["base"], document["head"]
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in line.split("\t")) + "</tr>"
        for line in _html_rows(verdicts)
    )
    title = f"explorer compare: {base['label']} vs {head['label']}"
    rule = (
        "a verdict other than same needs HEAD/BASE, exact, beyond it."
        if document.get("counts")
        else 'a verdict other than "same within noise" needs the whole interval of HEAD/BASE beyond it.'
    )
    headings = "".join(f"<th>{h}</th>" for h in (*_HEADER, "note"))
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Before / after</h1>
<p><b>BASE</b> {html.escape(_describe(base))}<br><b>HEAD</b> {html.escape(_describe(head))}</p>
<p>{html.escape(document["method"])} Threshold {document["threshold"]:.0%}: {rule}
Machine: {html.escape(document["machine"])};
load average at start {html.escape(str(document["load_average_1_5_15"]))}.</p>
<table><tr>{headings}</tr>
{rows}
</table>
{image}
</body></html>
"""
    return write_atomic(path, page)


def _html_rows(verdicts: list[Verdict]) -> list[str]:
    rows = []
    for v in verdicts:
        if v.ratio is None:
            rows.append("\t".join((v.label, "n/a", "n/a", "n/a", v.verdict, v.note)))
            continue
        rows.append(
            "\t".join(
                (
                    v.label,
                    _figure(v.base_median, v.base_low, v.base_high, v.unit),
                    _figure(v.head_median, v.head_low, v.head_high, v.unit),
                    _ratio(v),
                    v.verdict + (" (regression)" if v.regressed else ""),
                    v.note,
                )
            )
        )
    return rows


def _ratio(v: Verdict) -> str:
    if v.ratio_low == v.ratio_high == v.ratio:  # an exact count: no interval to show
        return f"{v.ratio:.4f} (exact)"
    return f"{v.ratio:.3f} [{v.ratio_low:.3f}, {v.ratio_high:.3f}]"


def _figure(median: float | None, low: float | None, high: float | None, unit: str) -> str:
    if unit == "instructions" and median is not None:
        return f"{median:,.1f} instructions"  # exact: every digit is a change of the code
    text = format_value(median, unit)
    if low is None or high is None:
        return text
    return f"{text} {format_interval(low, high, unit)}"


def _describe(side: dict) -> str:
    commit = side.get("commit") or "no commit"
    dirty = " (uncommitted changes)" if side.get("dirty") else ""
    return f"{side['label']} ({side['kind']}, {commit[:12]}{dirty})"
