"""``python -m explorer lab``: a real JupyterLab on loopback, reached with its token, stopped by Ctrl-C."""

import http.server
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psutil
import pytest
from terminal import ctrl_c_as_in_a_terminal

from explorer.__main__ import main
from explorer.lab import FRONT_DOOR, announce_when_served, free_port, lab_arguments
from explorer.paths import NOTEBOOKS_DIR


def wait_for_line(process, prefix, timeout=90):
    """The first line of the process's stdout that starts with ``prefix`` (after stripping)."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.strip().startswith(prefix):
            return line.strip()
    raise AssertionError(f"no line starting with {prefix!r} in {''.join(seen)!r}")


def fetch(url, data=None, timeout=60):
    """GET (or POST ``data``) ``url``, retrying while the server is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as reply:
                return reply.status, reply.read()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def live_children(server) -> list[tuple[psutil.Process, list[str]]]:
    """The server's live descendants with their command lines (a child that exits meanwhile is skipped)."""
    children = []
    for child in server.children(recursive=True):
        try:
            command = child.cmdline()
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            continue
        if command:
            children.append((child, command))
    return children


def test_lab_serves_the_notebooks_with_this_kernel_and_stops_on_ctrl_c():
    port = free_port(0)
    with ctrl_c_as_in_a_terminal():
        process = subprocess.Popen(
            [sys.executable, "-m", "explorer", "lab", "--no-browser", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        url = wait_for_line(process, "http://")
        assert url.startswith(f"http://127.0.0.1:{port}/lab/tree/{FRONT_DOOR}?token=")
        token = url.split("token=")[1]
        assert len(token) >= 32
        with urllib.request.urlopen(url, timeout=30) as reply:  # at once: no retry, no "connection refused"
            status, page = reply.status, reply.read()
        assert status == 200 and b"JupyterLab" in page
        with pytest.raises(urllib.error.HTTPError, match="403"):  # the token is needed
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=10)
        _, listing = fetch(f"http://127.0.0.1:{port}/api/contents?token={token}")
        assert FRONT_DOOR in {item["name"] for item in json.loads(listing)["content"]}
        _, specs = fetch(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}")
        assert json.loads(specs)["default"] == "python3"
        _, notification = fetch(
            f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}"
        )
        schema = json.loads(notification)["schema"]["properties"]
        assert schema["fetchNews"]["default"] == "false"  # no news prompt (user settings may still opt in)
        _, started = fetch(f"http://127.0.0.1:{port}/api/kernels?token={token}", data=b"{}")
        assert json.loads(started)["name"] == "python3"
        server = psutil.Process(process.pid)
        deadline = time.monotonic() + 60
        kernels = []  # the server's children on this environment's python (others may come and go)
        while not kernels and time.monotonic() < deadline:
            time.sleep(0.2)
            kernels = [child for child, command in live_children(server) if command[0] == sys.executable]
        seen = [command for _, command in live_children(server)]
        assert kernels, f"no kernel on this environment's python ({sys.executable}) among {seen}"
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        # generous: on a loaded 2-core machine the server and its kernel took over a minute to stop
        output, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()  # reap it and close its pipe (no ResourceWarning in a later test)
    assert process.returncode == 0, output
    _, alive = psutil.wait_procs(kernels, timeout=10)
    assert not alive, f"left running: {alive}"
    assert "allow-root" not in output and "deprecated" not in output.lower(), output


def test_lab_arguments_allow_root_hide_news_and_open_the_front_door():
    arguments = lab_arguments(8890, "abc", open_browser=False)
    assert f"--ServerApp.root_dir={NOTEBOOKS_DIR}" in arguments
    assert "--ServerApp.allow_root=True" in arguments
    assert "--LabApp.news_url=None" in arguments
    assert "--IdentityProvider.token=abc" in arguments  # not the deprecated ServerApp.token
    assert "--ServerApp.open_browser=False" in arguments
    assert (NOTEBOOKS_DIR / FRONT_DOOR).is_file()


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_bad_port_is_refused_before_anything_starts(port, capsys):
    with pytest.raises(SystemExit):
        main(["lab", "--port", port])
    assert "expected a port number 1-65535" in capsys.readouterr().err


class Answer(http.server.BaseHTTPRequestHandler):
    """A server that answers every GET with an empty 200, quietly."""

    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_url_is_printed_only_once_a_server_answers_it(capsys):
    port = free_port(0)
    url = f"http://127.0.0.1:{port}/lab?token=abc"
    stopped = threading.Event()
    announcer = threading.Thread(target=announce_when_served, args=(url, stopped), daemon=True)
    announcer.start()
    time.sleep(1.0)  # several polls, all refused
    assert capsys.readouterr().out == ""
    server = http.server.HTTPServer(("127.0.0.1", port), Answer)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        announcer.join(timeout=30)
        assert not announcer.is_alive()
    finally:
        stopped.set()
        server.shutdown()
        server.server_close()
    assert url in capsys.readouterr().out


def test_nothing_is_printed_when_the_server_stops_before_it_answers(capsys):
    stopped = threading.Event()
    stopped.set()
    assert announce_when_served(f"http://127.0.0.1:{free_port(0)}/lab", stopped) is False
    assert capsys.readouterr().out == ""
