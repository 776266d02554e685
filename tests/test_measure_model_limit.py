"""The T-maze's engines against their targets and the machine's limit (tiny sizes: checked, not timed)."""

import pytest

from explorer.measure.instruments.population.model_limit import model_step_work, model_throughput
from explorer.tasks import tmaze

TINY_PEAK = {"matmul_size": 32, "copy_bytes": 2**20, "logs": 2**10, "repeats": 1}


@pytest.fixture(scope="module")
def results():
    return model_throughput(
        ns=(3,), steps=1, repeats=1, loop_n=2, peak=TINY_PEAK, engines=("numba", "legacy")
    )


def test_ratio_is_the_fastest_engine_over_the_legacy_loop_at_the_largest_common_n(results):
    rates = results[(results["metric"] == "throughput_table") & (results["error"] == "")]
    ratio = results[results["metric"] == "throughput_ratio"]
    assert list(ratio["variant"]) == ["legacy"]  # no JAX engine in this run: no ratio to it
    row = ratio.iloc[0]
    numba = rates[(rates["variant"] == "numba") & (rates["n"] == 2)]["median"].iloc[0]
    legacy = rates[(rates["variant"] == "legacy") & (rates["n"] == 2)]["median"].iloc[0]
    assert row["n"] == 2 and row["median"] == pytest.approx(numba / legacy)
    assert "target >= 300x" in row["note"] and row["unit"] == "x"
    assert not rates[(rates["variant"] == "legacy") & (rates["n"] == 3)].size  # never run past loop_n


def test_limit_fractions_are_each_floor_over_the_engines_seconds(results):
    limits = results[results["metric"] == "limit_fraction"].set_index("stage")["median"]
    work = results[results["metric"] == "step_work"].set_index("stage")["median"]
    peak = results[results["metric"] == "machine_peak"].set_index("variant")["median"]
    rate = results[(results["metric"] == "throughput_table") & (results["variant"] == "numba")]
    seconds = 1 / rate.sort_values("n")["median"].iloc[-1]
    assert limits["flops / matmul peak"] == pytest.approx(work["flops"] / peak["matmul"] / seconds)
    assert limits["logs / np.log rate (1 thread)"] == pytest.approx(work["logs"] / peak["log"] / seconds)
    assert (results.loc[results["metric"] != "throughput_table", "error"] == "").all()


def test_step_work_counts_the_policy_prefixes_and_iterations():
    short, long = (model_step_work(tmaze(policy_len=k).model).set_index("stage")["median"] for k in (1, 2))
    # policy_len 2 adds 16 prefixes of 8 joint states x 9 outcomes (4 -> 20): more work, same bytes per agent
    # but for the 12 more policy posteriors (twice: current and next)
    assert long["flops"] > short["flops"] + 16 * 8 * 2 * 9
    assert long["logs"] - short["logs"] == 16 * 9 + 12
    assert long["bytes_streamed"] - short["bytes_streamed"] == 8 * 12
