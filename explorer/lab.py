"""``python -m explorer lab``: JupyterLab on ``notebooks/`` with this environment's kernel, ready to explore.

It runs in this process (so its kernels are this interpreter's), on loopback, with a fresh token;
as root without an extra flag; without the news prompt or the update check (see
:data:`CONFIG_DIR`); one Ctrl-C stops it, its kernels with it.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import threading
from pathlib import Path

from explorer.checks import check_int
from explorer.paths import NOTEBOOKS_DIR

#: The notebook JupyterLab opens first: the front door.
FRONT_DOOR = "00_explore.ipynb"
HOST = "127.0.0.1"
#: How often ``lab`` asks whether the server answers yet, before it prints the URL.
POLL_SECONDS = 0.2
#: A Jupyter config folder whose labconfig/default_setting_overrides.json turns JupyterLab's news
#: prompt and update check off by default (``--LabApp.news_url=None`` alone leaves the prompt; the
#: user's own settings still win).
CONFIG_DIR = Path(__file__).resolve().parent / "lab_config"


def lab_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default: this process's) with :data:`CONFIG_DIR` first on ``JUPYTER_CONFIG_PATH``."""
    environment = dict(os.environ if environ is None else environ)
    rest = environment.get("JUPYTER_CONFIG_PATH")
    environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(CONFIG_DIR), *([rest] if rest else [])])
    return environment


def free_port(preferred: int = 8888) -> int:
    """``preferred`` if nothing listens on it on loopback, else a port the system picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port on loopback")


def lab_url(port: int, token: str) -> str:
    """Where JupyterLab shows the front-door notebook, token included."""
    return f"http://{HOST}:{port}/lab/tree/{FRONT_DOOR}?token={token}"


def lab_arguments(port: int, token: str, *, open_browser: bool, root: Path = NOTEBOOKS_DIR) -> list[str]:
    """JupyterLab's command-line settings for ``python -m explorer lab`` (serving ``root``)."""
    return [
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # the printed URL must be the one it serves
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True",  # containers and CI run as root
        f"--ServerApp.open_browser={open_browser}",
        "--ServerApp.answer_yes=True",  # one Ctrl-C stops it, no "shut down? (y/n)" prompt
        "--LabApp.news_url=None",  # no "Jupyter news" popup
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.default_url=/lab/tree/{FRONT_DOOR}",
    ]


def run_lab(port: int | None = None, *, open_browser: bool = True) -> int:
    """Start JupyterLab and serve until Ctrl-C; returns the exit code."""
    if port is not None:
        port = check_int("port", port, low=1, high=65536)
    try:
        from jupyterlab.labapp import LabApp
    except ImportError:
        print('JupyterLab is not installed here: pip install -e ".[dev]"', file=sys.stderr)
        return 1
    port = free_port() if port is None else port
    token = secrets.token_hex(24)
    url = lab_url(port, token)
    print(f"JupyterLab on {NOTEBOOKS_DIR}: starting...", flush=True)
    os.environ.update(lab_environment())  # read when JupyterLab serves its settings, in this process
    stopped = threading.Event()
    announcer = threading.Thread(
        target=announce_when_served, args=(url, stopped), name="lab-url", daemon=True
    )
    announcer.start()
    try:
        LabApp.launch_instance(argv=lab_arguments(port, token, open_browser=open_browser))
    finally:
        stopped.set()
        announcer.join(timeout=POLL_SECONDS * 2)
    LabApp.clear_instance()
    return 0


def announce_when_served(url: str, stopped: threading.Event) -> bool:
    """Print ``url`` once a GET of it answers, polling until ``stopped`` is set; whether it printed.

    JupyterLab takes seconds to listen: a URL printed before would answer "connection refused".
    """
    import urllib.error
    import urllib.request

    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
    while not stopped.is_set():
        try:
            with direct.open(url, timeout=30):
                pass
        except urllib.error.HTTPError:
            pass  # it answered, with an error status: listening all the same
        except (urllib.error.URLError, OSError):
            stopped.wait(POLL_SECONDS)  # not listening yet
            continue
        print(f"  {url}\nCtrl-C stops it.", flush=True)
        return True
    return False
