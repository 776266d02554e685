"""Writing files so that an interrupted run never leaves a half-written or emptied file.

A write that fails (a full disk, no permission) loses nothing either: the data goes to a folder in
the system's temporary directory and :class:`WriteFailed` says, in one line, which path failed,
why, and where the data is kept.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path


class WriteFailed(OSError):
    """Files could not be written; ``str()`` is one line naming them, the reason and ``kept``.

    ``kept`` lists where the data was saved instead (empty when that failed too).
    """

    def __init__(
        self, paths: list[Path], error: OSError, kept: list[Path], kept_error: OSError | None = None
    ):
        reason = error.strerror or str(error)
        super().__init__(error.errno, reason, str(paths[0]))
        self.paths, self.kept = paths, kept
        names = " and ".join(str(p) for p in paths)
        if kept:
            where = (
                str(kept[0]) if len(kept) == 1 else f"{kept[0].parent} ({', '.join(k.name for k in kept)})"
            )
            self.message = f"could not write {names}: {reason}; the data is kept in {where}"
        else:
            self.message = (
                f"could not write {names}: {reason}; keeping the data in {tempfile.gettempdir()} failed "
                f"too ({kept_error})"
            )

    def __str__(self) -> str:
        return self.message


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on one file system: readers see the old file or the new one, never a
    mix; if anything fails the old file is untouched and the temporary file is removed. On an
    ``OSError`` the data is kept elsewhere and :class:`WriteFailed` says where.
    """
    path = Path(path)
    payload = data.encode() if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _write_temp(path, payload)
        try:
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise _kept_elsewhere({path: payload}, error) from error
    return path


def check_output_file(path: str | os.PathLike[str], name: str) -> Path:
    """``path`` if a results file may be written there, else ValueError naming ``name`` and why.

    Not a directory or a symbolic link (the rename would replace the link, not its target), and
    in a folder that exists or can be created and is writable. Touches nothing.
    """
    given = Path(path).expanduser()
    if given.is_symlink():
        raise ValueError(
            f"{name} {str(given)!r} is a symbolic link (to {os.readlink(given)!r}); give the file's "
            "own path, writing would replace the link"
        )
    if given.is_dir():
        raise ValueError(
            f"{name} {str(given)!r} is a directory; give a file path such as {str(given / 'x')!r}"
        )
    if given.exists() and not given.is_file():
        raise ValueError(f"{name} {str(given)!r} exists and is not a regular file")
    folder = Path(os.path.abspath(given)).parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{name} {str(given)!r}: {str(folder)!r} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{name} {str(given)!r}: cannot write in {str(folder)!r} (not writable)")
    return given


def write_files_atomic(files: dict[Path, str | bytes]) -> list[Path]:
    """Write several files so that either all new versions appear or none does.

    Each is written to a temporary file first; then each is renamed over its path, the old
    versions kept as hard links until all renames succeed. If any step fails, the old files are
    put back (new ones removed) before the error propagates.
    """
    paths = [Path(p) for p in files]
    if len({os.path.realpath(p) for p in paths}) != len(paths):
        raise ValueError(f"files must name distinct paths, got {[str(p) for p in paths]}")
    try:
        return _write_all(paths, list(files.values()))
    except OSError as error:
        payloads = [data.encode() if isinstance(data, str) else data for data in files.values()]
        raise _kept_elsewhere(dict(zip(paths, payloads, strict=True)), error) from error


def _write_all(paths: list[Path], contents: list[str | bytes]) -> list[Path]:
    """:func:`write_files_atomic`'s work: all new versions, or the old ones put back before raising."""
    temps: list[str] = []
    backups: dict[Path, str | None] = {}
    try:
        for path, data in zip(paths, contents, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            temps.append(_write_temp(path, data.encode() if isinstance(data, str) else data))
        for path in paths:
            if path.exists():
                backup = str(path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.old")
                os.link(path, backup)  # fails rather than overwrite if the name exists
                backups[path] = backup
            else:
                backups[path] = None
        for path, tmp in zip(paths, temps, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for path, tmp in zip(paths, temps, strict=False):
            if Path(tmp).exists():  # not renamed yet
                Path(tmp).unlink()
            elif backups.get(path) is not None:  # renamed: the old version goes back
                os.replace(backups[path], path)
            else:  # renamed, and there was no old version
                path.unlink(missing_ok=True)
        for backup in backups.values():
            if backup is not None and Path(backup).exists():
                Path(backup).unlink()
        raise
    for backup in backups.values():
        if backup is not None:
            Path(backup).unlink(missing_ok=True)
    return paths


def _kept_elsewhere(files: dict[Path, bytes], error: OSError) -> WriteFailed:
    """Save ``files``' data in a new folder of the system's temporary directory; the error saying so.

    Plain writes, nothing renamed: the usual path has just failed, and this copy must not be lost.
    """
    kept: list[Path] = []
    try:
        folder = Path(tempfile.mkdtemp(prefix="explorer-unsaved-"))
        for index, (path, payload) in enumerate(files.items()):
            name = path.name if path.name not in {k.name for k in kept} else f"{index}-{path.name}"
            with open(folder / name, "wb") as handle:
                handle.write(payload)
            kept.append(folder / name)
    except OSError as kept_error:
        return WriteFailed(list(files), error, [], kept_error)
    return WriteFailed(list(files), error, kept, None)


def _write_temp(path: Path, payload: bytes) -> str:
    """``payload`` in a synced temporary file beside ``path`` (removed if writing fails); its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; keep the old file's mode, or give a new one the usual umask mode.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
