"""The docs site builds with warnings as errors, its links and anchors hold, and the code cites it."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from explorer import docs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built once for this module (MkDocs --strict: a broken link or anchor fails it)."""
    out = tmp_path_factory.mktemp("site")
    index = docs.build_site(out)
    assert index.is_file()
    return out


def nav_pages(entries) -> list[str]:
    pages = []
    for entry in entries:
        for value in entry.values():
            pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_every_page_in_docs_is_built_and_in_the_navigation(site):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = nav_pages(config["nav"])
    written = sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md"))
    assert sorted(pages) == written
    for page in pages:
        assert (site / page).with_suffix(".html").is_file(), page


def test_the_user_guide_covers_each_command_and_topic():
    guide = {p.stem for p in (ROOT / "docs" / "guide").glob("*.md")}
    topics = {"explore", "measure", "report", "compare", "gates", "safety", "populations", "models", "sweeps"}
    assert topics <= guide


def test_the_api_reference_documents_every_public_name(site):
    for page, package in (("explorer", "explorer"), ("measure", "explorer.measure")):
        html = (site / "api" / f"{page}.html").read_text()
        assert ":func:`" not in html and ":mod:`" not in html  # roles read as code: docs/griffe_roles.py
        for name, home in docs.public_names(package).items():
            if home == f"{package}.{name}":  # a subpackage: a line naming it
                assert f"{package}.{name}" in html, name
            else:
                assert f'id="{home}.{name}"' in html, f"{package}.{name}"


def test_the_docstrings_cite_anchors_that_exist(site):
    methodology = (site / "methodology.html").read_text()
    anchors = set(re.findall(r'id="([\w-]+)"', methodology))
    cited = set()
    for path in (ROOT / "explorer").rglob("*.py"):
        text = path.read_text()
        assert "MEASURING.md" not in text, path  # a file outside the repository
        for group in re.findall(r"docs/methodology\.md((?:#[\w-]+(?:, )?)+)", text):
            cited |= set(re.findall(r"#([\w-]+)", group))
    assert len(cited) >= 5
    assert cited <= anchors, cited - anchors


def test_the_methodology_keeps_a_section_on_where_counts_mislead(site):
    assert 'id="where-counts-mislead"' in (site / "methodology.html").read_text()


def test_a_broken_anchor_fails_the_build(tmp_path):
    # The same configuration on a copy of the pages with one link to a missing anchor.
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    config = (ROOT / "mkdocs.yml").read_text().replace("explorer/docs.py", str(ROOT / "explorer" / "docs.py"))
    (tmp_path / "mkdocs.yml").write_text(config.replace("paths: [.]", f"paths: [{ROOT}]"))
    for api in (tmp_path / "docs" / "api").glob("*.md"):  # no API blocks: a faster build
        api.write_text(docs.API_MARKER.sub("", api.read_text()))
    page = tmp_path / "docs" / "index.md"
    page.write_text(page.read_text() + "\nSee [nothing](methodology.md#no-such-section).\n")
    with pytest.raises(RuntimeError, match="no-such-section"):
        docs.build_site(tmp_path / "site", tmp_path / "mkdocs.yml")


def named_in(text: str) -> tuple[set[str], set[str]]:
    """Repository paths (``explorer/...``, ``tests/...``, ``notebooks/...``) and dotted explorer names."""
    found = re.findall(r"(?<![\w/])((?:explorer|tests|notebooks)/[\w./-]*\w)", text)
    paths = {p for p in found if "*" not in p}
    return paths, set(re.findall(r"(?<![\w/])explorer(?:\.\w+)+(?!\.md)", text))


def defines(module: str, name: str) -> bool:
    source = docs.module_file(module).read_text()
    pattern = rf"^(?:def|class) {name}\b|^{name}\s*[:=]|^\s+\"{name}\":|^from .* import .*\b{name}\b"
    return re.search(pattern, source, flags=re.M) is not None


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module of this checkout, or a name its longest module prefix defines."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        try:
            docs.module_file(".".join(parts[:end]))
        except ValueError:
            continue
        return end == len(parts) or defines(".".join(parts[:end]), parts[end])
    return False


def test_the_docs_name_files_and_modules_that_exist():
    # Modules move (measure/ by role): a page naming the old place fails here, not in a reader's hands.
    pages = [*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    missing = []
    for page in pages:
        paths, names = named_in(page.read_text())
        missing += [f"{page.name}: {p}" for p in sorted(paths) if not (ROOT / p).exists()]
        missing += [f"{page.name}: {n}" for n in sorted(names) if not resolves(n)]
    assert missing == []


def test_the_name_check_catches_a_moved_module():
    assert resolves("explorer.measure.harness.cachegrind") and resolves("explorer.readme.update_readme")
    assert not resolves("explorer.measure.budgets") and not resolves("explorer.readme.no_such_function")


def serve_and_stop(command, stop, tmp_path):
    """Start ``command`` serving the docs, fetch its front page, send ``stop``; its output and exit code.

    MkDocs' temporary copy of the site goes to TMPDIR: the test asserts it is there while serving.
    """
    import os
    import subprocess
    import urllib.request

    from terminal import ctrl_c_as_in_a_terminal

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with ctrl_c_as_in_a_terminal():
        server = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,  # any folder: the site comes from the checkout
            env={**os.environ, "TMPDIR": str(temporary)},
        )
    try:
        seen = []
        for line in server.stdout:  # MkDocs logs "Serving on http://..." once the site is built
            seen.append(line)
            if "Serving on" in line:
                break
        assert "Serving on" in "".join(seen), "".join(seen)
        url = "".join(seen).split("Serving on ")[1].split()[0]
        with urllib.request.urlopen(url, timeout=30) as reply:
            assert reply.status == 200
        assert [p.name[:7] for p in temporary.iterdir()] == ["mkdocs_"]  # the copy it serves
        server.send_signal(stop)
        output, _ = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    return "".join(seen) + output, server.returncode, list(temporary.iterdir())


def test_docs_serve_stops_on_ctrl_c_and_removes_its_temporary_site(tmp_path):
    # Ctrl-C reaches the whole foreground job; the command is one process, so sending SIGINT to it
    # is what a terminal does. As a child of the command, MkDocs was killed 0.25 s later (exit 130)
    # before it removed its copy of the site.
    import signal
    import sys

    from explorer.lab import free_port

    command = [sys.executable, "-m", "explorer", "docs", "--serve", "--port", str(free_port(0))]
    output, code, left = serve_and_stop(command, signal.SIGINT, tmp_path)
    assert code == 0 and "Shutting down" in output, output
    assert left == []


def test_a_kill_shuts_the_docs_server_down_as_ctrl_c_does(tmp_path):
    # the same shutdown on SIGTERM; a one-page site, so that this costs no second full build
    import signal
    import sys

    from explorer.lab import free_port

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "index.md").write_text("# A page\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: one page\ndocs_dir: pages\n")
    code = (
        f"from explorer.docs import serve_site; raise SystemExit(serve_site({free_port(0)}, {str(config)!r}))"
    )
    output, code, left = serve_and_stop([sys.executable, "-c", code], signal.SIGTERM, tmp_path)
    assert code == 0 and "Shutting down" in output, output
    assert left == []
