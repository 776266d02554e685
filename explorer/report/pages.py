"""What each page tells its reader beyond the notebook: plain titles, a warning when the machine was busy.

Also keeps pages light: figures are re-encoded with a 256-colour palette (plots use a handful of
colours, so they look the same at about a third of the bytes).
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat


def plain_text(markdown: str) -> str:
    """``markdown`` as a reader sees it, without markup: code spans, emphasis and links lose their marks."""
    import mistune
    from bs4 import BeautifulSoup

    rendered = mistune.html(markdown)
    return " ".join(BeautifulSoup(rendered, "html.parser").get_text().split())


def numbered_title(stem: str, heading: str) -> str:
    """``heading`` numbered as its file is (``05_population`` -> ``"05 · ..."``), whatever number it
    carries itself: the index then reads in the order the report runs, even after a renumbering."""
    number = re.match(r"\d+", stem)
    rest = re.sub(r"^\d+\s*[·.:-]?\s*", "", heading).strip() or stem
    return f"{number.group()} · {rest}" if number else rest


def peak_load(metadata: Iterable[Mapping]) -> tuple[float, int] | None:
    """The highest 1-minute load average in ``metadata`` records and the core count, if any was recorded."""
    peak = None
    for record in metadata:
        load, cores = record.get("load_average_1_5_15"), record.get("cpu_count")
        if not load or not cores:
            continue
        if peak is None or load[0] > peak[0]:
            peak = (float(load[0]), int(cores))
    return peak


def load_banner(metadata: Iterable[Mapping], during: str = "while this notebook ran") -> str:
    """An HTML warning when the load average exceeded the cores in ``metadata``; empty otherwise.

    ``metadata`` holds records shaped like the results' metadata (``load_average_1_5_15``,
    ``cpu_count``), e.g. the load samples the report takes as each cell finishes.
    """
    peak = peak_load(metadata)
    if peak is None or peak[0] <= peak[1]:
        return ""
    load, cores = peak
    return (
        '<div class="explorer-load-banner" role="note" style="margin:1rem auto;max-width:70rem;'
        "padding:0.75rem 1rem;border:1px solid #d9a400;border-left-width:6px;background:#fff8e1;"
        'color:#3d2e00;font-family:system-ui,sans-serif;font-size:14px;line-height:1.5">'
        f"<strong>Busy machine.</strong> The load average reached {load:.2f} on {cores} cores "
        f"{html.escape(during)}: processes waited for a CPU, so absolute times here may be inflated "
        "and noisier than on an idle machine. Ratios measured within one run (eager/lazy, "
        "lazy/floor) hold better; re-run on a quiet machine for absolute figures.</div>"
    )


def compact_images(notebook: nbformat.NotebookNode) -> None:
    """Re-encode each PNG output with a 256-colour palette, in place, where that makes it smaller."""
    from PIL import Image

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            raw = base64.b64decode(data["image/png"])
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
                palette = image.convert(mode).quantize(256, method=Image.Quantize.FASTOCTREE)
            buffer = io.BytesIO()
            palette.save(buffer, "PNG", optimize=True)
            if buffer.tell() < len(raw):
                data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
