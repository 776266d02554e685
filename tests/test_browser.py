"""JupyterLab in a real browser (Debian's Chromium, driven by Playwright): notebooks run, 00_explore reacts.

Runs every cell of the notebooks that take seconds; the three that measure fresh interpreters for
about a minute each (01, 04, 05) and the summary (07, which reads their results) are opened and
their first cell run, so a kernel starts and imports explorer in the page. Screenshots go to
``screenshots/`` (git-ignored).
"""

import json
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest

from explorer.lab import free_port, lab_arguments, lab_environment
from explorer.paths import ROOT
from explorer.report import curated_notebooks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = ROOT / "screenshots"
#: Notebooks whose every cell runs in the browser: seconds each.
RUN_ALL = ("00_explore.ipynb", "02_spawn_time.ipynb", "03_memory_per_agent.ipynb", "06_history.ipynb")
NOTEBOOK_TIMEOUT_MS = 150_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium: `apt-get install -y chromium` (as root) enables the browser tests",
    ),
]

#: JupyterLab settings for the test server: every cell in the DOM (no windowing), no autosave
#: (it serves copies anyway). The news prompt is left to what ``python -m explorer lab`` sets.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a free loopback port with a token, serving copies of the curated notebooks."""
    root = tmp_path_factory.mktemp("notebooks")
    for notebook in curated_notebooks():
        shutil.copy2(notebook, root / notebook.name)
    settings = tmp_path_factory.mktemp("lab-settings")
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port, token = free_port(0), secrets.token_hex(16)
    log = (tmp_path_factory.mktemp("lab-log") / "lab.log").open("w")
    arguments = lab_arguments(port, token, open_browser=False, root=root)
    arguments += [
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={tmp_path_factory.mktemp('workspaces')}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands, await their end
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", *arguments],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=lab_environment(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start; see {log.name}") from None
                time.sleep(0.3)
        yield base, token
    finally:
        kernels = psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _, alive = psutil.wait_procs(kernels, timeout=10)
        for leftover in alive:
            leftover.kill()
        log.close()


@pytest.fixture(scope="module")
def lab_page(lab):
    """One JupyterLab page in Debian's Chromium, headless, driven by Playwright; notebooks open in it.

    Playwright's own browser downloads are not used (nor reachable here): the system Chromium is.
    """
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = chromium.new_page(viewport={"width": 1400, "height": 3200})
            page.set_default_timeout(NOTEBOOK_TIMEOUT_MS)
            page.goto(f"{base}/lab?token={token}")
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('notebook:run-all-cells')",
                timeout=90_000,
            )
            yield page
        finally:
            chromium.close()


def open_notebook(page, name):
    """Open ``name`` in the page, make it the current widget and wait until its kernel is idle."""
    page.evaluate(
        "async name => { await window.jupyterapp.commands.execute('docmanager:open', {path: name}); }", name
    )
    page.wait_for_function(
        """name => {
            const app = window.jupyterapp;
            const open = Array.from(app.shell.widgets("main"));
            const widget = open.find(w => w.context && w.context.path === name);
            if (!widget) return false;
            if (app.shell.currentWidget !== widget) app.shell.activateById(widget.id);  // headless: no focus
            const session = widget.sessionContext.session;
            return app.shell.currentWidget === widget && widget.sessionContext.isReady && !!session
                && !!session.kernel && session.kernel.status === "idle";
        }""",
        arg=name,
        timeout=90_000,
        polling=250,
    )


def close_notebook(page):
    """Shut the current notebook's kernel down and close it without saving (it is a copy)."""
    page.evaluate(
        """async () => {
            const widget = window.jupyterapp.shell.currentWidget;
            await widget.sessionContext.shutdown();
            widget.context.model.dirty = false;
            widget.close();
        }"""
    )


def run(page, command):
    """Execute a JupyterLab command in the page and wait for its promise (True: no cell failed)."""
    return page.evaluate(f"async () => await window.jupyterapp.commands.execute({command!r})")


def run_all(page):
    """Clear every output, run every cell, and check each got a fresh execution count."""
    run(page, "notebook:clear-all-cell-outputs")
    assert run(page, "notebook:run-all-cells") is True, problems(page)
    prompts = page.locator(".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    assert prompts and all(re.fullmatch(r"\[\d+\]:", p.strip()) for p in prompts), prompts
    page.wait_for_timeout(500)  # let the last outputs render


def problems(page):
    """Error and stderr outputs, widgets that failed to render, dialogs, and a dead kernel."""
    return page.evaluate(
        """() => {
            const found = [];
            const panel = window.jupyterapp.shell.currentWidget.node;
            for (const node of panel.querySelectorAll('.jp-OutputArea-output')) {
                const mime = node.getAttribute('data-mime-type') || '';
                if (mime.includes('stderr')) found.push('stderr/error: ' + node.innerText.slice(0, 300));
                if (node.innerText.includes('Error displaying widget')) found.push('dead widget');
            }
            for (const dialog of document.querySelectorAll('.jp-Dialog')) {
                found.push('dialog: ' + dialog.innerText.slice(0, 200));
            }
            for (const toast of document.querySelectorAll('.Toastify__toast')) {
                found.push('notification: ' + toast.innerText.slice(0, 200));  // e.g. the news prompt
            }
            const session = window.jupyterapp.shell.currentWidget.sessionContext.session;
            if (!session || !session.kernel || session.kernel.status === 'dead') found.push('kernel is dead');
            return found;
        }"""
    )


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("name", [p.name for p in curated_notebooks() if p.name != "00_explore.ipynb"])
def test_notebook_runs_in_jupyterlab(lab_page, name):
    page = lab_page
    open_notebook(page, name)
    try:
        if name in RUN_ALL:
            run_all(page)
        else:
            page.evaluate(
                """() => {
                    const notebook = window.jupyterapp.shell.currentWidget.content;
                    notebook.activeCellIndex = notebook.widgets.findIndex(c => c.model.type === 'code');
                }"""
            )
            assert run(page, "notebook:run-cell") is True, problems(page)
        assert problems(page) == []
        screenshot(page, name.removesuffix(".ipynb"))
    finally:
        close_notebook(page)


@pytest.fixture(scope="module")
def explore_page(lab_page):
    """00_explore open in the page, every cell run once; its tests then change its controls."""
    page = lab_page
    open_notebook(page, "00_explore.ipynb")
    try:
        run_all(page)
        assert problems(page) == []
        screenshot(page, "00_explore")
        # episode, population, the task's episode and population, three measurements
        page.wait_for_function("() => document.querySelectorAll('.widget-image').length >= 7")
        yield page
    finally:
        close_notebook(page)


def test_explore_runs_and_redraws_when_the_side_changes(explore_page):
    page = explore_page
    images = page.locator(".widget-image")
    assert page.locator(".widget-gridbox button").count() == 36  # 6 x 6
    episode, population = images.nth(0), images.nth(1)
    sources = [episode.get_attribute("src"), population.get_attribute("src")]
    pixels = [episode.screenshot(), population.screenshot()]
    slider = page.locator(".widget-hslider").filter(
        has=page.locator("label.widget-label", has_text=re.compile(r"^side$"))
    )
    slider.locator(".noUi-handle").press("ArrowRight")  # side 6 -> 7
    page.wait_for_function("() => document.querySelectorAll('.widget-gridbox button').length === 49")
    page.wait_for_function(  # the episode redraws at once, the population when its thread ends
        """sources => {
            const images = document.querySelectorAll('.widget-image');
            return images[0].getAttribute('src') !== sources[0]
                && images[1].getAttribute('src') !== sources[1];
        }""",
        arg=sources,
    )
    page.wait_for_timeout(500)
    assert episode.screenshot() != pixels[0]
    assert population.screenshot() != pixels[1]
    assert page.get_by_text("population: done").count() == 1
    assert problems(page) == []
    screenshot(page, "00_explore-side-7")


def test_explore_redraws_when_the_task_changes(explore_page):
    page = explore_page
    images = page.locator(".widget-image")
    episode, population = images.nth(2), images.nth(3)  # the task view's, below the world's two
    page.wait_for_function("() => document.body.innerText.includes('task run: done')")
    sources = [episode.get_attribute("src"), population.get_attribute("src")]
    pixels = [episode.screenshot(), population.screenshot()]
    picker = page.locator(".widget-dropdown").filter(
        has=page.locator("label.widget-label", has_text=re.compile(r"^task$"))
    )
    picker.locator("select").select_option("uncertain grid")
    page.wait_for_function(
        """sources => {
            const images = document.querySelectorAll('.widget-image');
            return images[2].getAttribute('src') !== sources[0]
                && images[3].getAttribute('src') !== sources[1];
        }""",
        arg=sources,
    )
    page.wait_for_timeout(500)
    assert episode.screenshot() != pixels[0]
    assert population.screenshot() != pixels[1]
    assert page.get_by_text("does not know where it starts").count() == 1  # the task's description
    assert problems(page) == []
    screenshot(page, "00_explore-uncertain-grid")
