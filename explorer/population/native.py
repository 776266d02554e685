"""A compiled kernel kept as object code on disk: numba compiles it once, llvmlite alone loads it.

numba's own on-disk cache hands back a kernel only after initialising its compiler: importing numba
(about 0.3 s here) and, on the first call, loading every typing and lowering registry (about 0.4 s
more; scipy and cffi are imported on the way). A kernel compiled without numba's runtime (no
allocation, no reference counting: :mod:`explorer.population.lanes_kernel`) needs none of it once
compiled. Here its object code for this CPU is written to disk, keyed by its sources, the installed
numba and llvmlite, the CPU and the argument types; a fresh process maps it with llvmlite's MCJIT and
calls it through ctypes, which releases the GIL (threads step disjoint blocks at once). On a cold
cache numba compiles it, once per install and argument types. Arguments follow numba's calling
convention: a status return, a return and an exception pointer, then each array flattened to its
fields (meminfo and parent, both null here; size; item size; data; shape; strides in bytes).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

#: Loaded functions by name and argument types (three for the lanes engine: the kernel with float64
#: and with float32 beliefs, the choice among ties), kept for the process's life: their code lives in
#: their MCJIT engines. A process keeps the code it loaded first, as it keeps the modules it imported.
_LOADED: dict[tuple[str, tuple[str, ...]], NativeFunction] = {}


def cache_dir() -> Path:
    """Where object code is kept: ``$NUMBA_CACHE_DIR/explorer`` if set (as numba's cache), else this
    package's ``__pycache__`` when writable, else ``~/.cache/explorer``."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"]) / "explorer"
    beside = Path(__file__).parent / "__pycache__"
    if os.access(beside if beside.exists() else beside.parent, os.W_OK):
        return beside
    return Path.home() / ".cache" / "explorer"


def array_types(arrays: Sequence[np.ndarray]) -> tuple[str, ...]:
    """Each argument's dtype and dimensions (``"<f8:3"``): every array C-contiguous and aligned."""
    for i, array in enumerate(arrays):
        if not (array.flags.c_contiguous and array.flags.aligned):
            raise ValueError(f"arrays[{i}] must be C-contiguous and aligned, got flags {array.flags}")
    return tuple(f"{array.dtype.str}:{array.ndim}" for array in arrays)


class NativeFunction:
    """One compiled function's entry point; :meth:`bind` fixes its array arguments for repeated calls."""

    __slots__ = ("address", "types", "n_arguments", "_function", "_engine")

    def __init__(self, address: int, types: tuple[str, ...], n_arguments: int) -> None:
        self.address, self.types, self.n_arguments = address, types, n_arguments
        argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        for text in types:
            ndim = int(text.split(":")[1])
            argtypes += [ctypes.c_void_p] * 2 + [ctypes.c_int64] * 2 + [ctypes.c_void_p]
            argtypes += [ctypes.c_int64] * (2 * ndim)
        if len(argtypes) != n_arguments:
            raise RuntimeError(f"the compiled function takes {n_arguments} arguments, {len(argtypes)} built")
        self._function = ctypes.CFUNCTYPE(ctypes.c_int32, *argtypes)(address)

    def bind(self, arrays: Sequence[np.ndarray]) -> Callable[[], None]:
        """A call of the function on ``arrays`` (kept alive by the call): raises if it reports an error."""
        if array_types(arrays) != self.types:
            raise TypeError(f"arrays must be of types {self.types}, got {array_types(arrays)}")
        returned, exception = ctypes.c_void_p(), ctypes.c_void_p()
        arguments: list[int | None] = [ctypes.addressof(returned), ctypes.addressof(exception)]
        for array in arrays:
            arguments += [None, None, array.size, array.itemsize, array.ctypes.data]
            arguments += [*array.shape, *array.strides]
        function, kept = self._function, (tuple(arrays), returned, exception)

        def call() -> None:
            status = function(*arguments)
            if status != 0:
                raise RuntimeError(f"compiled kernel failed with status {status} ({len(kept[0])} arrays)")

        return call


def native_function(
    qualified_name: str, sources: Sequence[Path], arrays: Sequence[np.ndarray]
) -> NativeFunction:
    """The numba function ``"module:name"`` (jitted with ``_nrt=False``) for the types of ``arrays``:
    loaded from its object code on disk, compiled and written there first when absent or damaged.

    ``sources`` are the files whose text the compiled code depends on (part of the cache key).
    """
    types = array_types(arrays)
    if (qualified_name, types) in _LOADED:
        return _LOADED[qualified_name, types]
    import llvmlite
    import llvmlite.binding as ll

    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
    key = _cache_key(qualified_name, sources, types, llvmlite.__version__, ll)
    path = cache_dir() / f"{qualified_name.rpartition(':')[2]}-{key[:24]}.o"
    meta, object_code = _read(path)
    if object_code is None:
        meta, object_code = _compile(qualified_name, types, ll)
        _write(path, meta, object_code)
    target = ll.Target.from_default_triple()
    engine = ll.create_mcjit_compiler(ll.parse_assembly(""), target.create_target_machine())
    engine.add_object_file(ll.ObjectFileRef.from_data(object_code))
    engine.finalize_object()
    address = engine.get_function_address(meta["symbol"])
    if not address:
        raise RuntimeError(f"{path} does not define {meta['symbol']}")
    function = NativeFunction(address, types, meta["arguments"])
    function._engine = engine  # the code lives as long as its engine
    _LOADED[qualified_name, types] = function
    return function


def _cache_key(
    qualified_name: str, sources: Sequence[Path], types: tuple[str, ...], llvmlite_version: str, ll
) -> str:
    """A digest of everything the object code depends on: sources, installs, argument types and the CPU
    numba compiles for (``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES`` when set, as numba reads them, so
    that a generic build is found under Valgrind, whose CPU differs)."""
    cpu = os.environ.get("NUMBA_CPU_NAME") or ll.get_host_cpu_name()
    features = os.environ.get("NUMBA_CPU_FEATURES")
    if features is None and cpu.lower() == "generic":
        features = ""  # numba's own rule: a generic CPU has no extra features
    elif features is None:
        try:
            features = ll.get_host_cpu_features().flatten()
        except RuntimeError:  # LLVM cannot read them on this platform: the CPU's name stands alone
            features = ""
    numba_spec = importlib.util.find_spec("numba")  # the installed numba, without importing it
    numba_origin = numba_spec.origin if numba_spec and numba_spec.origin else "absent"
    parts = [
        qualified_name,
        *types,
        llvmlite_version,
        numba_origin,
        str(os.stat(numba_origin).st_mtime_ns) if numba_origin != "absent" else "",
        ll.get_process_triple(),
        cpu,
        features,
        f"NUMBA_OPT={os.environ.get('NUMBA_OPT', '')}",
    ]
    digest = hashlib.sha256("\n".join(parts).encode())
    for source in sources:
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()


def _compile(qualified_name: str, types: tuple[str, ...], ll) -> tuple[dict, bytes]:
    """numba compiles the function; its module without the Python and C wrappers becomes object code."""
    import numba

    module_name, _, name = qualified_name.partition(":")
    dispatcher = getattr(importlib.import_module(module_name), name)
    signature = tuple(
        numba.types.Array(numba.from_dtype(np.dtype(text.split(":")[0])), int(text.split(":")[1]), "C")
        for text in types
    )
    dispatcher.compile(signature)
    result = dispatcher.overloads[signature]
    symbol = result.fndesc.llvm_func_name
    module = ll.parse_assembly(result.library.get_llvm_str())
    for function in module.functions:
        # the wrappers call into the Python C API and numba's helpers: not emitted, nothing they need linked
        if (
            not function.is_declaration
            and function.name != symbol
            and function.linkage == ll.Linkage.external
        ):
            function.linkage = "available_externally"
    arguments = len(list(module.get_function(symbol).arguments))
    object_code = result.library._codegen._tm.emit_object(module)  # numba's target machine for this CPU
    return {"symbol": symbol, "arguments": arguments, "numba": numba.__version__}, object_code


def _read(path: Path) -> tuple[dict, bytes | None]:
    """The header and object code kept at ``path``; no code when the file is absent, unreadable or not
    what was written (its digest differs): LLVM would crash the process on damaged object code."""
    try:
        header, _, object_code = path.read_bytes().partition(b"\n")
        meta = json.loads(header)
        if meta.get("sha256") == hashlib.sha256(object_code).hexdigest():
            return meta, object_code
    except (OSError, ValueError, AttributeError):
        pass
    return {}, None


def _write(path: Path, meta: dict, object_code: bytes) -> None:
    """Keep the code at ``path`` whole or not at all (a temporary file renamed over it), with its digest.

    A folder that cannot be written (read-only, full) only costs the next process a compile.
    """
    header = json.dumps(meta | {"sha256": hashlib.sha256(object_code).hexdigest()}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(header + b"\n" + object_code)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
