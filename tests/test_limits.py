"""Bounded resources: sizes are estimated first and refused above the memory limit, before allocating."""

import subprocess
import sys
import textwrap
import time

import pytest

from explorer import limits
from explorer.limits import check_memory, memory_limit, parse_bytes, set_memory_limit, using_memory_limit
from explorer.model import MODEL_CACHE_BYTES, build_model, clear_model_cache, dense_model_bytes
from explorer.world import GridWorld


def test_limit_defaults_to_a_fraction_of_available_memory(monkeypatch):
    monkeypatch.delenv(limits.ENV_VAR, raising=False)
    available = limits.available_memory()
    assert 0 < memory_limit() <= available
    assert memory_limit() == pytest.approx(limits.DEFAULT_FRACTION * available, rel=0.2)


def test_env_var_and_override_set_the_limit(monkeypatch):
    monkeypatch.setenv(limits.ENV_VAR, "3GiB")
    assert memory_limit() == 3 * 2**30
    with using_memory_limit("500MB"):
        assert memory_limit() == 500 * 10**6
        with using_memory_limit(1234):
            assert memory_limit() == 1234
        assert memory_limit() == 500 * 10**6
    assert memory_limit() == 3 * 2**30
    monkeypatch.setenv(limits.ENV_VAR, "lots")
    with pytest.raises(ValueError, match=r"EXPLORER_MEMORY_LIMIT must be a number of bytes.*'lots'"):
        memory_limit()


@pytest.mark.parametrize(
    ("text", "expected"), [("1000", 1000), ("2k", 2048), ("1.5 GB", 1_500_000_000), ("1e6", 10**6)]
)
def test_parse_bytes(text, expected):
    assert parse_bytes(text, "x") == expected


@pytest.mark.parametrize("bad", [True, 1.5, "0", -3, "ten"])
def test_set_memory_limit_rejects_bad_values(bad):
    with pytest.raises((TypeError, ValueError), match="limit must"):
        set_memory_limit(bad)
    assert limits._override is None


def test_check_memory_names_what_the_bytes_and_the_limit():
    with using_memory_limit("1MiB"), pytest.raises(MemoryError) as caught:
        check_memory(5 * 2**30, "a huge thing")
    message = str(caught.value)
    assert "a huge thing needs 5 GiB (5,368,709,120 bytes)" in message
    assert "memory limit of 1 MiB" in message and "EXPLORER_MEMORY_LIMIT" in message
    with using_memory_limit("1MiB"):
        check_memory(2**20, "exactly the limit")


def test_dense_model_above_the_limit_is_refused_before_allocating():
    world = GridWorld(side=40)
    clear_model_cache()
    with using_memory_limit(dense_model_bytes(world.n_states) - 1), pytest.raises(MemoryError) as caught:
        build_model(world)
    assert "build_model(GridWorld(side=40)) (a dense model of 1,600 states" in str(caught.value)
    with using_memory_limit(dense_model_bytes(world.n_states)):
        assert build_model(world).nbytes == dense_model_bytes(world.n_states)


def test_model_cache_is_bounded_by_bytes(monkeypatch):
    clear_model_cache()
    one = build_model(GridWorld(side=12)).nbytes
    monkeypatch.setattr("explorer.model.MODEL_CACHE_BYTES", int(2.5 * one))
    models = [build_model(GridWorld(side=12, goal=g)) for g in range(1, 6)]
    from explorer.model import _cache

    assert sum(m.nbytes for m in _cache.values()) <= 2.5 * one
    assert list(_cache.values()) == models[-2:]
    # the newest model is kept even when it alone is above the byte bound, so agents share it
    monkeypatch.setattr("explorer.model.MODEL_CACHE_BYTES", 1)
    assert build_model(GridWorld(side=13)) is build_model(GridWorld(side=13))
    assert len(_cache) == 1
    assert MODEL_CACHE_BYTES >= 100 * 2**20


def test_huge_sides_are_refused_at_once_and_side_100_stays_cheap():
    start = time.perf_counter()
    for side in (20_000, 1001, 10**9):
        with pytest.raises(ValueError, match=f"side must give at most 1,000,000 states .*side={side}"):
            GridWorld(side=side)
    assert time.perf_counter() - start < 0.5
    start = time.perf_counter()
    assert GridWorld(side=100).distance_to_goal(0) == 198
    assert time.perf_counter() - start < 2


def test_world_above_the_limit_is_refused():
    with (
        using_memory_limit("10MB"),
        pytest.raises(MemoryError, match=r"GridWorld\(side=1000\) \(1,000,000 states\)"),
    ):
        GridWorld(side=1000)


def run_capped(code: str, headroom: str = "600MiB") -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter whose address space may grow by ``headroom`` at most."""
    script = textwrap.dedent(
        f"""
        import resource
        import numpy, explorer.model, explorer.world
        from explorer.limits import _address_space_used, parse_bytes
        cap = _address_space_used() + parse_bytes({headroom!r}, "headroom")
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
        """
    ) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def test_oversized_models_and_worlds_are_refused_under_a_memory_cap():
    done = run_capped(
        """
        from explorer import GridWorld, build_model
        for side in (100, 1000):
            try:
                build_model(GridWorld(side=side))
            except MemoryError as error:
                print("refused:", error)
        try:
            GridWorld(side=20000)
        except ValueError as error:
            print("refused:", error)
        build_model(GridWorld(side=20))
        print("20x20 built")
        """
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("refused: build_model(GridWorld(side=100)) (a dense model of 10,000 states")
    assert "needs 4.47 GiB" in lines[0]
    assert lines[1].startswith("refused: build_model(GridWorld(side=1000))") and "44,700 GiB" in lines[1]
    assert lines[2].startswith("refused: side must give at most")
    assert lines[3] == "20x20 built"
