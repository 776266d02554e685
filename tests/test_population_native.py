"""The lanes kernel's object code on disk: a warm cache steps agents without importing numba."""

import json
import subprocess
import sys

import numpy as np
import pytest

from explorer import GridWorld, Population

CHILD = """\
import json, sys
from explorer import GridWorld, Population
population = Population(GridWorld(), 3, backend="lanes")
actions = population.step([0, 7, 24]).tolist()
print(json.dumps({"actions": actions, "numba": "numba" in sys.modules}))
"""


def test_a_warm_cache_steps_the_lanes_engine_in_a_process_that_never_imports_numba():
    population = Population(GridWorld(), 3, backend="lanes")
    expected = population.step(np.array([0, 7, 24])).tolist()  # compiles into the cache if it is cold
    child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result == {"actions": expected, "numba": False}


def test_a_bound_kernel_refuses_arrays_of_other_types():
    from explorer.population.lanes import KERNEL, KERNEL_SOURCES

    population = Population(GridWorld(), 3, backend="lanes")
    population.step(np.array([0, 7, 24]))
    engine = population._engine
    function = next(f for f in _loaded() if f.types[2] == "<f8:3")
    assert function.n_arguments > 100  # numba's convention: every array flattened to its fields
    arrays = [np.zeros(4, dtype=np.int64), engine._observations, engine.qs.astype(np.float32)]
    with pytest.raises(TypeError, match=r"arrays must be of types \('<i8:1', '<i8:1', '<f8:3'"):
        function.bind(arrays)
    assert KERNEL.endswith(":step_range") and all(path.exists() for path in KERNEL_SOURCES)


def test_array_types_refuses_a_strided_array():
    from explorer.population.native import array_types

    assert array_types([np.zeros((2, 3), dtype=np.float32)]) == ("<f4:2",)
    with pytest.raises(ValueError, match=r"arrays\[1\] must be C-contiguous"):
        array_types([np.zeros(3), np.zeros((4, 4))[:, ::2]])


def _loaded():
    from explorer.population import native

    return list(native._LOADED.values())


def test_damaged_object_code_is_never_handed_to_llvm(tmp_path):
    """LLVM crashes the process on damaged object code: a file whose digest differs reads as absent."""
    from explorer.population.native import _read, _write

    path = tmp_path / "kernel.o"
    code = bytes(range(256)) * 8
    _write(path, {"symbol": "f", "arguments": 3}, code)
    assert _read(path) == ({"symbol": "f", "arguments": 3, "sha256": _read(path)[0]["sha256"]}, code)
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:-1] + b"\x00", b"not json\n" + code, b""):
        path.write_bytes(damaged)
        assert _read(path) == ({}, None)
    assert _read(tmp_path / "absent.o") == ({}, None)


def test_a_cache_folder_that_cannot_be_written_costs_a_compile_not_an_error(tmp_path):
    from explorer.population.native import _read, _write

    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    _write(blocked / "kernel.o", {"symbol": "f", "arguments": 3}, b"code")  # no exception
    assert _read(blocked / "kernel.o") == ({}, None)
    assert list(tmp_path.iterdir()) == [blocked]
