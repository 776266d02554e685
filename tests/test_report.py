"""The HTML report: real kernels execute real notebooks; pages are offline; failures keep the old report."""

import gzip
import re

import nbformat
import pytest

from explorer.report import (
    NotebookError,
    Page,
    build_report,
    curated_notebooks,
    export_html,
    index_html,
    page_heading,
)
from explorer.report.pages import load_banner, numbered_title


def write_notebook(path, *cells, parameters=True):
    """A small notebook: a title, a parameters cell, then ``cells`` (code)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# A tiny page\n\nIt draws one figure. Then more."))
    if parameters:
        first = nbformat.v4.new_code_cell('profile = "quick"')
        first.metadata["tags"] = ["parameters"]
        notebook.cells.append(first)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


PLOT = (
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots()\n"
    "_ = ax.plot([1, 10, 100], [3, 2, 1])\n"
    "_ = ax.set_xlabel('agents')"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    good = write_notebook(
        folder / "01_tiny.ipynb", "print('profile is', profile)", "print('run is', run_id)", PLOT
    )
    out = folder / "reports"
    written = build_report(out, profile="full", notebooks=[good], progress=False)
    return out, written


def test_report_writes_a_page_per_notebook_and_an_index(report):
    out, written = report
    assert sorted(p.name for p in out.iterdir()) == [".explorer-report.json", "01_tiny.html", "index.html"]
    assert [p.name for p in written] == ["01_tiny.html", "index.html"]
    index = (out / "index.html").read_text()
    assert 'href="01_tiny.html"' in index
    assert "A tiny page" in index and "It draws one figure." in index


def test_the_profile_is_injected_after_the_parameters_cell(report):
    page = (report[0] / "01_tiny.html").read_text()
    assert "profile is full" in page


def test_one_run_id_is_injected_for_the_whole_report(report):
    page = (report[0] / "01_tiny.html").read_text()
    assert re.search(r"run is \d{8}T\d{6}Z-[0-9a-f]{4}", page)


def network_requests(page: str) -> list[str]:
    """What a browser would fetch from elsewhere: scripts, styles, images, frames, CSS imports."""
    tags = re.findall(r"""<(?:script|link|img|iframe)[^>]*(?:src|href)=["']?(?:https?:)?//[^>]*>""", page)
    return tags + re.findall(r"@import|url\(\s*['\"]?(?:https?:)?//", page)


#: The most a page may weigh, gzip-compressed (issue 9: the lab CSS was 59 kB of every page).
PAGE_LIMIT_GZIP = 100_000


def test_pages_are_self_contained_and_small(report):
    page = (report[0] / "01_tiny.html").read_text()
    assert "data:image/png;base64," in page
    assert network_requests(page) == []
    assert len(gzip.compress(page.encode())) <= PAGE_LIMIT_GZIP
    # One stylesheet, JupyterLab's rules that the page uses: the look stays, the bulk goes.
    assert page.count("<style") == 1
    assert ".jp-Cell" in page and ".jp-FileBrowser" not in page


@pytest.mark.parametrize("path", curated_notebooks(), ids=lambda p: p.name)
def test_curated_notebooks_export_to_small_offline_pages(path):
    # The stored outputs are those nbval compares; their figures weigh what the report's do.
    page = export_html(nbformat.read(path, as_version=4), path.stem)
    assert network_requests(page) == []
    assert len(gzip.compress(page.encode())) <= PAGE_LIMIT_GZIP


@pytest.fixture
def counted_twice(tmp_path):
    """The reference history and a second counted run: the newest record again, lazy spawn's count +1%."""
    import json
    import shutil

    from explorer.history import HISTORY_DIR
    from explorer.readme import newest_reference_record

    folder = tmp_path / "history"
    shutil.copytree(HISTORY_DIR, folder, ignore=shutil.ignore_patterns("local"))
    _, record = newest_reference_record()
    assert any(name.startswith("instructions_") for name in record["figures"])
    record.update(utc_time="2099-01-01T00:00:00+00:00", commit="abcdef0" + record["commit"][7:], run_id="2")
    spawn = record["figures"]["instructions_spawn_lazy"]
    spawn["median"] = spawn["q1"] = spawn["q3"] = spawn["median"] * 1.01
    (folder / "20990101T000000Z-abcdef01-x.json").write_text(json.dumps(record))
    return folder


def test_06_stays_under_the_page_limit_once_counts_have_two_runs(counted_twice):
    # 06's figure as its kernel makes it (explorer.plots.history, a PNG cut to its content), in place of
    # the stored one: with the nine count headlines in panels of their own the page passed 110 kB
    import base64
    import io

    from explorer import history, plots
    from explorer.paths import NOTEBOOKS_DIR

    runs = history.load_history(counted_twice, local=False)
    steps = history.history_steps(runs)
    assert "instructions_spawn_lazy" in set(steps["headline"])  # the second count is drawn, its step too
    figure = plots.history(runs, steps)
    png = io.BytesIO()
    figure.savefig(png, format="png", bbox_inches="tight")
    __import__("matplotlib.pyplot").pyplot.close(figure)
    notebook = nbformat.read(NOTEBOOKS_DIR / "06_history.ipynb", as_version=4)
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1
    images[0]["data"]["image/png"] = base64.b64encode(png.getvalue()).decode("ascii")
    page = export_html(notebook, "06_history")
    size = len(gzip.compress(page.encode()))
    print(f"06 with two counted runs: {size:,} B gzip")
    assert size <= PAGE_LIMIT_GZIP


def test_progress_names_notebook_and_cell_and_the_durations_table_is_printed(tmp_path, capsys, monkeypatch):
    # A machine busier than its cores: every load sample the report takes reads 4x the cores.
    cores = __import__("os").cpu_count()
    monkeypatch.setattr("os.getloadavg", lambda: (4.0 * cores, 1.0, 1.0))
    first = write_notebook(tmp_path / "01_first.ipynb", "x = 1", "import time; time.sleep(0.2)")
    second = write_notebook(tmp_path / "02_second.ipynb", "y = 2")
    out = tmp_path / "reports"
    build_report(out, notebooks=[first, second], progress=True)
    captured = capsys.readouterr()
    # Not a terminal: one line per cell as it starts, numbered among the notebook's code cells.
    for line in ("[1/2] 01_first · cell 1/3", "[1/2] 01_first · cell 3/3", "[2/2] 02_second · cell 2/2"):
        assert line in captured.err
    table = captured.out.splitlines()
    assert table[0].split()[:4] == ["notebook", "code", "cells", "time"]
    assert re.fullmatch(r"01_first\s+3\s+\d+:\d\d\s+[\d.]+", table[1])
    assert re.fullmatch(r"02_second\s+2\s+\d+:\d\d\s+[\d.]+", table[2])
    assert table[3].startswith("total")
    for name in ("01_first.html", "02_second.html", "index.html"):
        assert "Busy machine." in (out / name).read_text()
    assert re.search(r"01_first.html.*\(ran \d+ s\)", (out / "index.html").read_text())


def test_a_failed_run_still_shows_where_the_time_went(tmp_path, capsys):
    first = write_notebook(tmp_path / "01_first.ipynb", "x = 1")
    broken = write_notebook(tmp_path / "02_broken.ipynb", "raise RuntimeError('measurement broke')")
    with pytest.raises(NotebookError, match=r"02_broken\.ipynb failed in code cell 2"):
        build_report(tmp_path / "reports", notebooks=[first, broken], progress=True)
    err = capsys.readouterr().err
    assert "[2/2] 02_broken · cell 2/2" in err
    table = err[err.index("notebook  ") :].splitlines()
    assert [row.split()[0] for row in table] == ["notebook", "01_first", "02_broken", "total"]


FAKE_BUSY = {"load_average_1_5_15": [3.5, 2.0, 1.0], "cpu_count": 2, "python": "3.11.7"}
FAKE_QUIET = {"load_average_1_5_15": [1.5, 2.5, 3.0], "cpu_count": 2, "python": "3.11.7"}


def test_a_busy_machine_puts_a_banner_on_each_page_and_the_index():
    notebook = nbformat.read(curated_notebooks()[0], as_version=4)
    busy = export_html(notebook, "busy", load_banner([FAKE_QUIET, FAKE_BUSY]))
    assert "Busy machine." in busy and "reached 3.50 on 2 cores" in busy
    assert busy.index("Busy machine.") < busy.index('<div class="jp-Cell')  # above the notebook
    index = index_html([Page("a.html", "A", "a.")], "quick", load_banner([FAKE_BUSY], "during this run"))
    assert "reached 3.50 on 2 cores during this run" in index


def test_no_banner_when_the_load_stayed_within_the_cores():
    # The 1-minute average decides; 5 and 15-minute averages above the cores do not.
    assert load_banner([FAKE_QUIET]) == ""
    assert load_banner([{"load_average_1_5_15": None, "cpu_count": 2}]) == ""
    page = export_html(
        nbformat.read(curated_notebooks()[0], as_version=4), "quiet", load_banner([FAKE_QUIET])
    )
    assert "Busy machine." not in page


@pytest.mark.parametrize(
    ("stem", "heading", "title"),
    [
        ("05_population", "06 · Population: thousands of agents", "05 · Population: thousands of agents"),
        ("06_history", "06 History: the headline figures", "06 · History: the headline figures"),
        ("07_summary", "Scorecard", "07 · Scorecard"),
    ],
)
def test_index_titles_carry_the_files_number(stem, heading, title):
    assert numbered_title(stem, heading) == title


def test_index_titles_and_summaries_are_plain_text():
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(
        nbformat.v4.new_markdown_cell(
            "# 01 · Cold `import explorer`, **eager** vs [lazy](x.md)\n\nIt costs `2 ms`. More."
        )
    )
    title, summary = page_heading(notebook, "x")
    assert (title, summary) == ("01 · Cold import explorer, eager vs lazy", "It costs 2 ms.")
    index = index_html([Page("a.html", title, summary)], "full")
    assert "`" not in index and "**" not in index


def test_failing_notebook_names_notebook_and_cell_and_keeps_old_report(report, tmp_path):
    out, _ = report
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = write_notebook(tmp_path / "02_broken.ipynb", "x = 1", "raise RuntimeError('measurement broke')")
    with pytest.raises(
        NotebookError, match=r"02_broken.ipynb failed in code cell 3 .*measurement broke"
    ) as info:
        build_report(out, notebooks=[broken], progress=False)
    assert "\x1b[" not in str(info.value)  # no terminal colour codes in the message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def test_notebook_without_parameters_cell_is_rejected(tmp_path):
    bare = write_notebook(tmp_path / "03_bare.ipynb", "1 + 1", parameters=False)
    with pytest.raises(NotebookError, match=r"03_bare.ipynb .*tagged 'parameters'"):
        build_report(tmp_path / "out", notebooks=[bare], progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"profile": "slow"}, ValueError, "profile must be one of"),
        ({"notebooks": []}, ValueError, "at least one"),
        ({"notebooks": ["missing.ipynb"]}, ValueError, "existing .ipynb files"),
    ],
)
def test_bad_arguments_raise_before_any_work(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        build_report(tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


def test_curated_notebooks_are_numbered_in_reading_order():
    names = [p.name for p in curated_notebooks()]
    assert names == sorted(names)
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", n) for n in names)


def test_page_heading_takes_title_and_first_sentence():
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# Spawn time\n\nLazy is cheap. Eager is not."))
    assert page_heading(notebook, "x") == ("Spawn time", "Lazy is cheap.")


def test_a_model_report_runs_the_notebooks_that_take_a_model_titled_with_its_name(tmp_path):
    taking = write_notebook(tmp_path / "08_mine.ipynb", "print('measuring', model)")
    notebook = nbformat.read(taking, as_version=4)
    notebook.cells[1].source += "\nmodel = None"
    nbformat.write(notebook, taking)
    grid_only = write_notebook(tmp_path / "02_grid.ipynb", "print('grid')")
    path = "explorer.measure.harness.declared:random3"
    out = tmp_path / "reports"
    written = build_report(out, profile="quick", notebooks=[grid_only, taking], progress=False, model=path)
    assert [p.name for p in written] == ["08_mine.html", "index.html"]
    page, index = (out / "08_mine.html").read_text(), (out / "index.html").read_text()
    name = "explorer.measure.harness.declared.random3"  # module and function: two `build`s never collide
    assert f"measuring {path}" in page and f"model {name}</title>" in page
    assert f"<h1>explorer report: model {name}</h1>" in index and "Left out" in index and "02_grid" in index
