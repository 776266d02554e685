"""The README's headline figures are the newest reference history record's, and the generator keeps it so."""

import json
import shutil
from pathlib import Path

import pytest

from explorer import readme
from explorer.history import HISTORY_DIR


def test_the_readme_table_is_the_newest_reference_record():
    text = readme.README.read_text(encoding="utf-8")
    assert readme.readme_table(text) == readme.current_table(), (
        "the README's headline figures are not the newest record in data/history/: "
        "run .venv/bin/python -m explorer readme"
    )


def test_the_table_shows_the_records_figures():
    _, record = readme.newest_reference_record()
    table = readme.headline_table(record, "x.json")
    assert record["commit"][:7] in table
    spawn = record["figures"]["spawn_lazy"]["median"]
    assert f"{spawn * 1e9:.0f} ns" in table  # 1.52e-07 s reads "152 ns"
    assert readme.ROWS[0][0] in record["figures"]


@pytest.fixture
def newer_history(tmp_path) -> Path:
    """A copy of the reference history plus a newer record whose lazy spawn is twice as slow."""
    folder = tmp_path / "history"
    shutil.copytree(HISTORY_DIR, folder, ignore=shutil.ignore_patterns("local"))
    _, record = readme.newest_reference_record()
    record["utc_time"] = "2099-01-01T00:00:00+00:00"
    # a quick report's, as --store records: the lanes paragraph keeps the full one's
    record["profile"] = "quick"
    record["commit"] = "abcdef0" + record["commit"][7:]
    record["figures"]["spawn_lazy"] = dict(record["figures"]["spawn_lazy"], median=3.0e-7)
    (folder / "20990101T000000Z-abcdef01-x.json").write_text(json.dumps(record))
    return folder


def test_update_rewrites_only_the_table_atomically(tmp_path, newer_history):
    copy = tmp_path / "README.md"
    original = readme.README.read_text(encoding="utf-8")
    copy.write_text(original)
    assert readme.update_readme(copy, newer_history) is True
    text = copy.read_text()
    table = readme.readme_table(text)
    assert "| 300 ns |" in table and "abcdef0" in table
    assert table != readme.readme_table(original)
    # outside the generated blocks nothing changed (the lanes paragraph names its record's path)
    outside = text.replace(table, "").replace(readme.readme_lanes(text), "")
    assert outside == original.replace(readme.readme_table(original), "").replace(
        readme.readme_lanes(original), ""
    )
    assert readme.update_readme(copy, newer_history) is False  # now current: nothing written
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_readme_without_the_markers_is_refused(tmp_path):
    copy = tmp_path / "README.md"
    copy.write_text("# a README without the table\n")
    with pytest.raises(ValueError, match="markers"):
        readme.update_readme(copy)
    assert copy.read_text() == "# a README without the table\n"


def test_an_empty_history_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least one history record"):
        readme.newest_reference_record(tmp_path)


def test_a_negative_quartile_reads_unambiguously():
    # import time above the bare interpreter can be below it: q1 -33.8 ms, q3 39.6 ms
    _, record = readme.newest_reference_record()
    figure = {"median": 1e-3, "q1": -33.8e-3, "q3": 39.6e-3, "n": 7, "unit": "s", "better": "lower"}
    record["figures"] = {"import_lazy": figure}
    row = readme.headline_table(record, "x.json").splitlines()[2]
    # and a difference whose spread reaches zero is not told from its floor (never "-8.25 ms")
    assert row.endswith("| ≈ 0: not distinguishable from the bare interpreter | (-33.8 to 39.6 ms) |")
    figure.update(median=5e-3, q1=2e-3, q3=7e-3)
    assert readme.headline_table(record, "x.json").splitlines()[2].endswith("| 5 ms | (2 to 7 ms) |")


def test_the_throughput_tables_in_the_readme_and_the_docs_are_the_committed_records():
    from explorer.measure.reading.throughput import RECORD, stale_tables

    assert RECORD.is_file(), f"{RECORD.name} is the committed record of the full throughput table"
    assert stale_tables() == [], "not the record's tables: run .venv/bin/python -m explorer readme"


def test_the_readme_lanes_paragraph_is_the_newest_full_records():
    text = readme.README.read_text(encoding="utf-8")
    assert readme.readme_lanes(text) == readme.lanes_text(), (
        "the README's lanes paragraph is not the newest full record's: run python -m explorer readme"
    )


def test_the_lanes_paragraph_comes_from_the_newest_full_record(tmp_path, newer_history):
    assert "No full report" in readme.lanes_text(tmp_path)  # no record at all
    _, record = readme.newest_reference_record()
    full = dict(record, profile="full", utc_time="2099-02-01T00:00:00+00:00", commit="fedcba9" + "0" * 33)
    full["figures"] = {
        "lanes_throughput": {"median": 1.55e7, "q1": 1.5e7, "q3": 1.6e7, "n": 100_000,
                             "unit": "agent-steps/s", "better": "higher"},
        "lanes_over_dense": {"median": 15.5, "q1": 15.0, "q3": 16.0, "n": 100_000, "unit": "x",
                             "better": "higher"},
        "lanes_two_threads": {"median": 1.8, "q1": 1.75, "q3": 1.85, "n": 100_000, "unit": "x",
                              "better": "higher"},
    }  # fmt: skip
    (newer_history / "20990201T000000Z-fedcba90-x.json").write_text(json.dumps(full))
    text = readme.lanes_text(newer_history)
    assert "n = 100,000, each agent walking" in text
    assert "): 15,500,000 agent-steps/s (15,000,000 to 16,000,000 agent-steps/s)" in text
    assert "15.5x" in text and "two threads 1.8x" in text and "fedcba9" in text
    assert "sparse kernel" in text and "not measured" in text  # no lanes_over_sparse in this record
    # a newer quick record does not replace it: the paragraph is the full run's
    (newer_history / "20990301T000000Z-abcdef01-y.json").write_text(
        json.dumps(dict(record, utc_time="2099-03-01", profile="quick"))
    )
    assert readme.lanes_text(newer_history) == text
    copy = tmp_path / "README.md"
    copy.write_text(readme.README.read_text(encoding="utf-8"))
    readme.update_readme(copy, newer_history)
    assert readme.readme_lanes(copy.read_text()) == text
