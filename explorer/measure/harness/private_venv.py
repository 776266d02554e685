"""A private virtual environment for counted processes: links to an environment's packages, frozen.

A counted claim is the difference of two processes, so both must import the same things the same
way. A process that imports while pip installs into its environment lists ``site-packages`` again
each time the folder changes under it (Python's path finder caches the listing by the folder's
modification time): up to millions of instructions more in one process than in the other, a false
alarm of 1-2% on a population step (docs/methodology.md#instruction-counts). Counted processes
therefore run in a virtual environment of their own whose ``site-packages`` holds a link to each
entry of the real one, made once before counting: what pip adds or removes afterwards is not seen.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

#: Asked of the counted interpreter: its base executable, site-packages folders and version.
_QUERY = (
    "import json, site, sys\n"
    "print(json.dumps([sys._base_executable, site.getsitepackages(), sys.version.split()[0]]))"
)


def private_venv(python: str, folder: Path, *, env: dict[str, str]) -> str:
    """A virtual environment in ``folder`` seeing ``python``'s packages as they are now; its python.

    ``folder`` must not exist. Each entry of ``python``'s site-packages folders (packages, their
    metadata, ``.pth`` files) is linked, the first folder's entry winning a name, as ``sys.path``
    orders them. The interpreter and the standard library are ``python``'s own.
    """
    result = subprocess.run(
        [python, "-c", _QUERY], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"python must be a working interpreter, got {python!r}: {result.stderr.strip()}")
    base, site_folders, version = json.loads(result.stdout)
    major_minor = ".".join(version.split(".")[:2])
    site = folder / "lib" / f"python{major_minor}" / "site-packages"
    site.mkdir(parents=True)
    for source in map(Path, site_folders):
        for entry in sorted(source.iterdir()) if source.is_dir() else ():
            link = site / entry.name
            if not link.is_symlink():
                link.symlink_to(entry, target_is_directory=entry.is_dir())
    (folder / "bin").mkdir()
    (folder / "bin" / "python").symlink_to(base)
    config = f"home = {Path(base).parent}\ninclude-system-site-packages = false\nversion = {version}\n"
    (folder / "pyvenv.cfg").write_text(config, encoding="utf-8")
    return str(folder / "bin" / "python")
