"""write_atomic: the whole new content or the old file, never a partial one; a failed write loses nothing."""

import errno
import os
import tempfile
from pathlib import Path

import pytest

from explorer.files import WriteFailed, write_atomic, write_files_atomic


def test_writes_text_and_bytes_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b.json"
    write_atomic(target, '{"x": 1}')
    assert target.read_text() == '{"x": 1}'
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, system_temp, monkeypatch):
    target = tmp_path / "out" / "results.csv"
    target.parent.mkdir()
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("explorer.files.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in target.parent.iterdir()] == ["results.csv"]


def test_new_files_get_the_umask_mode_and_old_files_keep_theirs(tmp_path):
    from explorer.files import current_umask

    fresh = write_atomic(tmp_path / "new.txt", "x")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    write_atomic(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640


def refuse(code: int):
    """A ``_write_temp`` that fails as the system does when ``code`` (ENOSPC, EACCES) stops a write."""

    def write_temp(path, payload):
        raise OSError(code, os.strerror(code), str(path))

    return write_temp


@pytest.fixture
def system_temp(tmp_path, monkeypatch):
    """The system's temporary directory, for this test: where a failed write keeps its data."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_failed_write_says_so_in_one_line_and_keeps_the_data(code, tmp_path, system_temp, monkeypatch):
    target = tmp_path / "out" / "results.json"
    target.parent.mkdir()
    target.write_text("old")
    monkeypatch.setattr("explorer.files._write_temp", refuse(code))
    with pytest.raises(WriteFailed) as failed:
        write_atomic(target, '{"new": 1}')
    message = str(failed.value)
    assert "\n" not in message
    assert f"could not write {target}: {os.strerror(code)}" in message
    assert failed.value.errno == code
    (kept,) = failed.value.kept
    assert kept.read_text() == '{"new": 1}' and str(kept) in message
    assert kept.is_relative_to(system_temp)
    assert target.read_text() == "old"  # the old file untouched
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]


def test_a_failed_pair_keeps_both_files_and_names_both_paths(tmp_path, system_temp, monkeypatch):
    json_path, csv_path = tmp_path / "r.json", tmp_path / "r.csv"
    real_replace = os.replace

    def no_space_for_the_second(src, dst):
        if Path(dst) == csv_path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", no_space_for_the_second)
    with pytest.raises(WriteFailed) as failed:
        write_files_atomic({json_path: "json", csv_path: b"csv"})
    message = str(failed.value)
    assert f"could not write {json_path} and {csv_path}: No space left on device" in message
    assert [k.read_bytes() for k in failed.value.kept] == [b"json", b"csv"]
    assert str(failed.value.kept[0].parent) in message
    assert list(tmp_path.iterdir()) == [system_temp]  # neither file appeared, no temporary left


def test_when_keeping_the_data_fails_too_the_message_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    monkeypatch.setattr("explorer.files._write_temp", refuse(errno.ENOSPC))
    with pytest.raises(WriteFailed, match=r"keeping the data in .*no-such-folder failed too") as failed:
        write_atomic(tmp_path / "r.json", "x")
    assert failed.value.kept == []
