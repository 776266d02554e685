"""The report's progress display, driven through nbclient's hooks without a kernel."""

import fcntl
import io
import os
import pty
import select
import struct
import termios

import nbformat

from explorer.report.progress import ReportProgress, code_cell_numbers


def notebook_with(n_code: int) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# title"))
    notebook.cells.append(nbformat.v4.new_code_cell("profile = 'quick'"))
    injected = nbformat.v4.new_code_cell("profile = 'full'")
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.append(injected)
    notebook.cells.extend(nbformat.v4.new_code_cell(f"x = {i}") for i in range(n_code - 1))
    return notebook


def run_through(progress: ReportProgress, name: str, notebook: nbformat.NotebookNode, clock: list) -> None:
    hooks = progress.start(name, notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            hooks["on_cell_execute"](cell=cell, cell_index=index)
            clock[0] += 0.0 if "injected-parameters" in cell.metadata.get("tags", []) else 30.0
            hooks["on_cell_executed"](cell=cell, cell_index=index, execute_reply={})
    progress.finish()


def test_cells_are_numbered_as_a_reader_counts_them():
    # The injected profile cell is not the reader's; the markdown title is not a code cell.
    assert code_cell_numbers(notebook_with(3)) == {1: 1, 3: 2, 4: 3}


def test_plain_output_names_notebook_cell_and_elapsed_and_the_table_sums_up():
    clock = [0.0]
    # One sample as a notebook starts, one after each code cell (the injected one too), one at the end.
    samples = iter([1.0, 2.5, 3.9, 1.2, 0.5, 0.4, 0.6, 0.3, 0.2, 0.1, 0.5])
    out = io.StringIO()
    progress = ReportProgress(
        2,
        file=out,
        clock=lambda: clock[0],
        sample=lambda: {"load_average_1_5_15": [next(samples), 0.0, 0.0], "cpu_count": 2},
    )
    run_through(progress, "05_population", notebook_with(3), clock)
    run_through(progress, "07_summary", notebook_with(2), clock)
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "[1/2] 05_population · cell 1/3 · 0:00",
        "[1/2] 05_population · cell 2/3 · 0:30",
        "[1/2] 05_population · cell 3/3 · 1:00",
        "[1/2] 05_population · done in 1:30",
    ]
    assert lines[4] == "[2/2] 07_summary · cell 1/2 · 0:00"
    assert progress.table().splitlines() == [
        "notebook       code cells  time  peak load (2 cores)",
        "05_population           3  1:30                 3.90",
        "07_summary              2  1:00                 0.60",
        "total                      2:30",
    ]


def read_all(fd: int) -> str:
    """Everything written to the pty so far (a read returns one chunk at a time)."""
    chunks = []
    while select.select([fd], [], [], 0.5)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_one_redrawn_line_per_notebook():
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        progress = ReportProgress(1, file=terminal)
        run_through(progress, "01_import_time", notebook_with(2), [0.0])
        terminal.flush()
        shown = read_all(master)
    os.close(master)
    assert "\r" in shown  # redrawn in place, not one line per update
    assert "[1/1] 01_import_time · cell 2/2" in shown
    assert "[1/1] 01_import_time · 2 cells" in shown  # the line left when it is done
