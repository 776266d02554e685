"""``python -m explorer compare --counts``: exact instruction counts of two checkouts, a 1% threshold."""

import json

import pytest
from test_measure_budgets import patched_copy
from test_measure_counts import LAZY_REGRESSION, require_valgrind

from explorer.__main__ import main
from explorer.compare import plan
from explorer.compare.counts import COUNTS_THRESHOLD, verdicts
from explorer.measure.results.stats import frame, summarize
from explorer.paths import DATA_DIR, ROOT


def counted(value: float, claim: str = "spawn_lazy") -> object:
    row = summarize([value], metric="instructions", variant="lazy", n=1000, unit="instructions")
    return frame([row | {"claim": claim, "per": "spawn"}])


def test_counts_verdicts_need_the_exact_ratio_beyond_one_percent():
    base = counted(1000.0)
    found = {
        head: verdicts({"base": base, "head": counted(head)}, ["spawn_lazy"], threshold=0.01)[0]
        for head in (1000.0, 1009.0, 1011.0, 980.0)
    }
    assert found[1000.0].verdict == "same within 1%" and found[1000.0].ratio == 1.0
    assert not found[1009.0].regressed
    assert found[1011.0].regressed and found[1011.0].verdict == "more instructions"
    assert found[980.0].verdict == "fewer instructions" and not found[980.0].regressed
    assert found[1011.0].ratio_low == found[1011.0].ratio_high == found[1011.0].ratio  # no interval
    assert "+11.0 per spawn" in found[1011.0].note


def test_counts_default_to_a_one_percent_threshold_and_refuse_files():
    require_valgrind()
    assert plan("HEAD", counts=True, only=["spawn_lazy"]).threshold == COUNTS_THRESHOLD == 0.01
    assert plan("HEAD").threshold == 0.10
    baseline = str(DATA_DIR / "baseline.json")
    assert main(["compare", "--counts", baseline, baseline]) == 2
    assert main(["compare", "--counts", "HEAD", "--only", "spawn_time"]) == 2  # a timing, not a claim


def test_counts_without_valgrind_are_refused_before_any_work(monkeypatch, capsys):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert main(["compare", "--counts", "HEAD"]) == 2
    assert "valgrind is not installed" in capsys.readouterr().err


@pytest.mark.counts
def test_a_two_percent_slower_lazy_constructor_is_a_regression_of_compare_counts(tmp_path, capsys):
    require_valgrind()
    head = patched_copy(tmp_path / "head", "agents.py", "        self._pymdp = None", LAZY_REGRESSION)
    out = tmp_path / "c.json"
    args = ["compare", "--counts", str(ROOT), str(head), "--only", "spawn_lazy", "--only", "spawn_floor"]
    assert main([*args, "--json", str(out), "--html", str(tmp_path / "c.html")]) == 1
    document = json.loads(out.read_text())
    found = {v["metric"]: v for v in document["verdicts"]}
    assert found["spawn_lazy"]["regressed"] and 1.01 < found["spawn_lazy"]["ratio"] < 1.03
    floor = found["spawn_floor"]
    # the same code in another folder: 1.00005 measured (the checkout's path moves a few instructions)
    assert floor["ratio"] == pytest.approx(1.0, abs=1e-3) and not floor["regressed"]
    assert found["spawn_lazy_over_floor"]["regressed"]
    assert document["counts"] and document["threshold"] == 0.01
    assert "(exact)" in capsys.readouterr().out
    assert "no interval" in (tmp_path / "c.html").read_text()
