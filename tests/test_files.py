"""write_atomic: the whole new content or the old file, never a partial one."""

import pytest

from explorer.files import write_atomic


def test_writes_text_and_bytes_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b.json"
    write_atomic(target, '{"x": 1}')
    assert target.read_text() == '{"x": 1}'
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "results.csv"
    target.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("explorer.files.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_new_files_get_the_umask_mode_and_old_files_keep_theirs(tmp_path):
    from explorer.files import current_umask

    fresh = write_atomic(tmp_path / "new.txt", "x")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~current_umask()
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    write_atomic(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640
