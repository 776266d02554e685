"""The demo's spawn comparison reads in the units the bench and the pages use."""

import re

from explorer.demo import spawn_comparison


def test_spawn_comparison_uses_the_one_unit_formatter():
    text = spawn_comparison(50, repeats=1)
    assert re.search(r"^  eager +[\d.,]+ (ns|µs|ms|s) per agent$", text, flags=re.M)
    assert re.search(r"^  lazy +[\d.,]+ (ns|µs|ms|s) per agent$", text, flags=re.M)
    assert re.search(r"^  eager/lazy = [\d.,]+x$", text, flags=re.M)
    assert " us" not in text
