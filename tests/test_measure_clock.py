"""The core's clock timed on a dependent multiply-add chain: plausible, repeatable, bad input refused."""

import pytest

from explorer.measure.harness.clock import clock_ghz


def test_the_clock_reads_a_rate_a_core_can_run_at():
    readings = [clock_ghz(links=2_000_000, repeats=3) for _ in range(3)]
    assert all(0.5 < ghz < 8.0 for ghz in readings), readings
    # the fastest of several chains: a loaded core slows a reading, so readings agree within a factor 2
    assert max(readings) < 2 * min(readings), readings


@pytest.mark.parametrize(("argument", "value"), [("links", 10), ("repeats", 0), ("links", 1.5)])
def test_bad_arguments_are_refused_by_name(argument, value):
    with pytest.raises((TypeError, ValueError), match=argument):
        clock_ghz(**{argument: value})
