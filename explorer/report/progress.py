"""What the report shows while it runs: the notebook and cell under way, time per notebook, machine load.

A long notebook (minutes in one cell) should never look stuck: the display names the notebook
and its cell (``05_population · cell 7/14``) and the time spent in that notebook. At the end the
report prints how long each notebook took and how loaded the machine was meanwhile.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import nbformat

#: Seconds between redraws of the elapsed time while a cell runs (terminals only).
TICK_S = 1.0


def code_cell_numbers(notebook: nbformat.NotebookNode) -> dict[int, int]:
    """Cell index -> the cell's number among the notebook's own code cells (from 1).

    The cell the report injects after ``parameters`` is not counted, so the numbers match what a
    reader counts in JupyterLab and what a failure message names.
    """
    numbers: dict[int, int] = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", []):
            numbers[index] = len(numbers) + 1
    return numbers


def load_sample() -> dict:
    """The machine's load now, keyed as in the results' metadata (``measure.metadata``)."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {"load_average_1_5_15": load, "cpu_count": os.cpu_count()}


@dataclass
class NotebookRun:
    """One notebook's run: name, code cells, seconds taken and the load samples taken meanwhile."""

    name: str
    cells: int
    seconds: float = 0.0
    loads: list[dict] = field(default_factory=list)

    @property
    def peak_load(self) -> float | None:
        """The highest 1-minute load average seen while the notebook ran (None if unknown)."""
        values = [s["load_average_1_5_15"][0] for s in self.loads if s.get("load_average_1_5_15")]
        return max(values) if values else None


class ReportProgress:
    """Shows the notebook and cell under way and collects durations and load, one notebook at a time.

    On a terminal one line per notebook is redrawn in place (tqdm); elsewhere (a log file, CI)
    one plain line is printed as each cell starts.
    """

    def __init__(
        self,
        total: int,
        *,
        file: TextIO | None = None,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sample: Callable[[], dict] = load_sample,
    ) -> None:
        self.total = total
        self.file = sys.stderr if file is None else file
        self.enabled = enabled
        self.runs: list[NotebookRun] = []
        self._clock = clock
        self._sample = sample
        self._started = 0.0
        self._numbers: dict[int, int] = {}
        self._bar = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._tty = enabled and _is_terminal(self.file)

    def start(self, name: str, notebook: nbformat.NotebookNode) -> dict[str, Callable]:
        """Begin ``name``; returns the nbclient hooks that report its cells."""
        self._numbers = code_cell_numbers(notebook)
        run = NotebookRun(name, len(self._numbers))
        run.loads.append(self._sample())
        self.runs.append(run)
        self._started = self._clock()
        if self._tty:
            from tqdm import tqdm

            self._bar = tqdm(
                total=run.cells,
                file=self.file,
                bar_format="{desc} |{bar:16}| {elapsed}",
                desc=self._label(None),
                dynamic_ncols=True,
                leave=True,
            )
            self._refresh()
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return {"on_cell_execute": self._cell_started, "on_cell_executed": self._cell_done}

    def finish(self) -> NotebookRun:
        """End the current notebook (ran or failed): record its duration and a last load sample."""
        run = self.runs[-1]
        run.seconds = self._clock() - self._started
        run.loads.append(self._sample())
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.set_description_str(f"{self._prefix()} {run.name} · {run.cells} cells", refresh=False)
            self._refresh()
            self._bar.close()
            self._bar = None
        elif self.enabled:
            print(
                f"{self._prefix()} {run.name} · done in {_clock_time(run.seconds)}",
                file=self.file,
                flush=True,
            )
        return run

    def table(self) -> str:
        """How long each notebook took, with the peak load beside it, as plain text."""
        cores = next((s["cpu_count"] for r in self.runs for s in r.loads if s.get("cpu_count")), None)
        load_head = f"peak load ({cores} cores)" if cores else "peak load"
        rows = [
            (
                r.name,
                str(r.cells),
                _clock_time(r.seconds),
                "" if r.peak_load is None else f"{r.peak_load:.2f}",
            )
            for r in self.runs
        ]
        rows.append(("total", "", _clock_time(sum(r.seconds for r in self.runs)), ""))
        header = ("notebook", "code cells", "time", load_head)
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
        lines = []
        for row in (header, *rows):
            cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def _prefix(self) -> str:
        return f"[{len(self.runs)}/{self.total}]"

    def _label(self, number: int | None) -> str:
        run = self.runs[-1]
        where = "starting kernel" if number is None else f"cell {number}/{run.cells}"
        return f"{self._prefix()} {run.name} · {where}"

    def _cell_started(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        number = self._numbers.get(cell_index)
        if number is None:  # the injected profile cell: still "starting"
            return
        label = self._label(number)
        if self._bar is not None:
            self._bar.set_description_str(label, refresh=False)
            self._refresh()
        elif self.enabled:
            elapsed = _clock_time(self._clock() - self._started)
            print(f"{label} · {elapsed}", file=self.file, flush=True)

    def _cell_done(self, cell: nbformat.NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.runs[-1].loads.append(self._sample())
        if self._bar is not None and cell_index in self._numbers:
            self._bar.update(1)
            self._refresh()

    def _refresh(self) -> None:
        if self._bar is not None:
            self._bar.refresh()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            self._refresh()


def _is_terminal(file: TextIO) -> bool:
    """Whether ``file`` is a terminal with a width (a pty without one would hide tqdm's line)."""
    try:
        return file.isatty() and os.get_terminal_size(file.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        return False


def _clock_time(seconds: float) -> str:
    """``seconds`` as m:ss (or h:mm:ss), the way a stopwatch shows it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
