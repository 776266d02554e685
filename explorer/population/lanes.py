"""The lanes engine: a grid population stepped with agents side by side in SIMD lanes.

Beliefs are held ``(blocks, states, W)``, agents contiguous within a block of ``W`` sized to stay in
cache, and stepped by :func:`explorer.population.lanes_kernel.step_range`, each thread a range of
blocks. The kernel's object code comes from :mod:`explorer.population.native`: a process whose cache
is warm loads it without importing numba (numba compiles it once, when the cache is empty).
Per agent it holds the posterior over states, the policy posterior and the last action, as the
sparse engine does (the next prior is recomputed in the step: no second ``states``-long array per
agent). ``dtype=np.float32`` holds the beliefs in float32 (half the bytes streamed per step; every
sum, log and product is still float64); float64 is the default.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from explorer.population.lane_ties import ThreadTies, draws_here
from explorer.population.native import native_function
from explorer.population.sparse_model import break_ties, build_sparse_model, predecessor_table
from explorer.world import GridWorld

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

#: The stages of the step, for profiling (``upto``): the kernel stops after the one named.
STAGES = ("prior", "posterior", "utility", "ambiguity", "observations", "entropy", "softmax", "selection")
#: Agents per chunk of the stages after the utility (a chunk sums the predicted states any of its
#: agents holds above threshold, and takes the logarithm of the observations they predict): at most
#: this many. Measured at 5x5, n = 10,000, one thread, CPU time, interleaved, loaded machine, each
#: width compiled in as a constant: the compiled step took 163-167 ns per agent-step with 128, 168-174
#: with 64, 223-237 with 32 (fewer chunks, less of their bookkeeping), 151-196 with 256.
CHUNK = 128
#: Tied agents chosen for per batch of the choice among ties (four chains of draws side by side fill a
#: batch's states, then its keys are computed in vector instructions): a multiple of 4.
TIE_SLOTS = 128
#: Agents per block are a multiple of this; a block narrower than ``CHUNK`` is one chunk.
LANE_MULTIPLE = 32
#: The compiled kernel and choice among ties, and the files their code comes from (its on-disk cache's key).
KERNEL = "explorer.population.lanes_kernel:step_range"
CHOOSER = "explorer.population.tie_choice:choose_tied"
KERNEL_SOURCES = tuple(
    Path(__file__).parent / name
    for name in ("lanes_kernel.py", "tie_choice.py", "lane_math.py", "pcg64.py", "lanes.py")
)

#: Bytes a block's scratch may take (four ``states x W`` float64 arrays, and the block's beliefs):
#: within a core's share of the L2 cache (2 MiB here), so that every pass after the first reads cache.
BLOCK_BYTES = 512 * 2**10
#: Agents per block: at most this many (a multiple of ``CHUNK``). At 5x5 a block's ``states x W`` rows
#: (beliefs, prior, posterior) then take 25 KiB each, near the L1 cache (48 KiB here), where 512 agents
#: took 100 KiB each, read from L2 at every pass: measured at 5x5, n = 100,000, one thread, CPU time,
#: loaded machine, the compiled step took 87-92 ns per agent-step with 128 against 100-107 with 512
#: (all agents at the goal; 112-117 against 130-134 while they spread); 64 and 96 measured as 128.
MAX_LANES = 128
#: Below this many agent-states per step (n x states) the kernel runs on one thread: a second thread
#: costs more than a short step on a loaded machine (the sparse engine's measured rule).
PARALLEL_MIN_WORK = 2_000_000
DTYPES = (np.float64, np.float32)
#: Beliefs and policy posteriors held in float32 agree with pymdp legacy's within this (float64: 1e-8):
#: measured worst 5.0e-8 (beliefs) and 8.7e-8 (policy posteriors) over the exactness tests' seven
#: worlds, 12 agents x 10 steps each, walked and on random observations; untied actions all equal.
FLOAT32_TOLERANCE = 2e-7


def scratch_shapes(n_states: int, n_actions: int, lanes: int) -> tuple[tuple[int, ...], ...]:
    """Shapes of one thread's scratch for the kernel: ``work`` (float64: prior, posterior, counted states,
    predicted observations), ``rows`` (float64: two rows of ``lanes``, then ``G``) and ``ints`` (int64:
    six bookkeeping rows, then each chunk's significant states)."""
    n_chunks = lanes // min(CHUNK, lanes)
    return (4, n_states, lanes), (2 + n_actions, lanes), (6 + n_chunks, max(n_states, lanes))


def prior_terms(predecessors: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each state's prior under each action as the kernel reads it, ``b[neighbours[t, u]] weights[t, u] +
    b[t] weights[t, 5 + u]``: in a grid the states action ``u`` takes to ``t`` are ``t`` itself (blocked)
    and at most one neighbour moving in (weights 1 where they are, 0 where not)."""
    n_actions, n_states = count.shape
    neighbours = np.tile(np.arange(n_states, dtype=np.int64)[:, None], (1, n_actions))
    weights = np.zeros((n_states, 2 * n_actions))
    for u in range(n_actions):
        for t in range(n_states):
            sources = [int(p) for p in predecessors[u, t, : count[u, t]]]
            others = [p for p in sources if p != t]
            if n_actions != 5 or len(others) > 1:
                raise ValueError(
                    f"the lanes kernel needs 5 actions, each taking at most one state besides t to t (a "
                    f"grid's), got {n_actions} actions and states {sources} taken to {t} by action {u}"
                )
            if others:
                neighbours[t, u], weights[t, u] = others[0], 1.0
            weights[t, n_actions + u] = 1.0 if t in sources else 0.0
    return neighbours, weights


def default_threads() -> int:
    """numba's thread count when numba is loaded (``numba.set_num_threads`` included), else what numba
    would take: ``NUMBA_NUM_THREADS``, else the CPU count."""
    if "numba" in sys.modules:
        return sys.modules["numba"].get_num_threads()
    return int(os.environ.get("NUMBA_NUM_THREADS") or os.cpu_count() or 1)


def lanes_for(n_states: int) -> int:
    """Agents per block for a world of ``n_states``: the most whose scratch fits :data:`BLOCK_BYTES`."""
    lanes = BLOCK_BYTES // (5 * 8 * n_states)
    multiple = CHUNK if lanes >= CHUNK else LANE_MULTIPLE  # so that chunks tile the block
    return max(LANE_MULTIPLE, min(MAX_LANES, lanes // multiple * multiple))


class LanesBackend:
    """Beliefs of ``n`` agents on one world's sparse model, in blocks of agents side by side."""

    def __init__(self, world: GridWorld, n: int, dtype: type = np.float64) -> None:
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be numpy.float64 or numpy.float32, got {dtype!r}")
        self.model = model = build_sparse_model(world)
        self.n_states, self.n_actions = S, U = model.n_states, model.n_actions
        self.n, self.lanes = n, lanes_for(S)
        blocks = -(-n // self.lanes)
        slots = blocks * self.lanes  # the last block's spare slots step on observation 0, unread
        predecessors, count = predecessor_table(model.successors)
        self._model_arrays = (
            np.ascontiguousarray(model.successors.T),
            predecessors,
            count,
            *prior_terms(predecessors, count),
            model.emitters,
            model.emitter_probs,
            model.emitter_count,
            model.emissions,
            model.emission_probs,
            model.emission_count,
            model.D,
            np.ascontiguousarray(model.utility_weights[model.successors.T]),
            model.neg_ambiguity,
            model.log_policy_prior,
        )
        self.qs = np.empty((blocks, S, self.lanes), dtype=dtype)
        self.q_pi = np.empty((blocks, U, self.lanes))
        self.last_action = np.zeros(slots, dtype=np.int64)
        self.fresh = True
        self._observations = np.zeros(slots, dtype=np.int64)
        self._actions = np.empty(slots, dtype=np.int64)
        self._ties = np.empty(slots, dtype=np.int64)  # bit mask of the actions tied for best, or 0
        #: threads for the step: None picks 1 below ``PARALLEL_MIN_WORK``, else :func:`default_threads`
        self.threads: int | None = None
        self._controls: list[np.ndarray] = []  # per thread: first block, end block, fresh, upto
        self._calls: list = []  # per thread: the kernel bound to its control and scratch
        self._choosers: list[tuple] = []  # per thread: see _chooser, bound on the first tie
        self._chooser_lock = threading.Lock()
        self._pool: tuple[ThreadPoolExecutor | None, int] = (None, 0)  # worker threads, the pid they run in
        self.reset()

    def reset(self) -> None:
        """Uniform posteriors; the next prior is ``D`` for every agent."""
        self.qs[:] = 1.0 / self.n_states
        self.q_pi[:] = 1.0 / self.n_actions
        self.fresh = True

    def beliefs(self) -> np.ndarray:
        """A float64 copy of every agent's posterior over states, ``(n, states)``."""
        flat = self.qs.transpose(0, 2, 1).reshape(-1, self.n_states)[: self.n]
        return flat.astype(np.float64)

    def policy_posterior(self) -> np.ndarray:
        """A copy of every agent's posterior over policies, ``(n, actions)``."""
        return self.q_pi.transpose(0, 2, 1).reshape(-1, self.n_actions)[: self.n].copy()

    def nbytes(self) -> int:
        """Bytes of the per-agent arrays: posteriors, policy posteriors, observations, actions, ties."""
        arrays = (self.qs, self.q_pi, self.last_action, self._observations, self._actions, self._ties)
        return sum(a.nbytes for a in arrays)

    def step(self, observations: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Step every agent in the compiled kernel; near-ties broken as the dense engine breaks them (the
        same draws; those from ``rng`` drawn and chosen among by each thread for its agents, which also
        copies its agents' observations in and actions out). ``observations``: any integer dtype."""
        if draws_here(rng):
            actions = np.empty(self.n, dtype=np.int64)  # its pages are first written by the threads
            self.kernel(observations, rng=rng, actions=actions)
            self.fresh = False
            return actions
        self.kernel(observations)
        actions, masks = self._actions[: self.n], self._ties[: self.n]  # masks: 0 unless tied
        rows = np.flatnonzero(masks)
        if rows.size:
            actions[rows] = break_ties(masks[rows], self.n_actions, rng)
        self.last_action[: self.n] = actions
        self.fresh = False
        return actions.copy()

    def kernel(
        self,
        observations: np.ndarray,
        upto: int = 8,
        rng: np.random.Generator | None = None,
        actions: np.ndarray | None = None,
    ) -> None:
        """The compiled part of a step (``upto`` < 8: a truncated step, for profiling only); with ``rng`` (a
        PCG64 generator) each thread also breaks its agents' ties (:mod:`explorer.population.lane_ties`)
        and writes their actions to ``actions`` and to the last actions."""
        blocks = self.qs.shape[0]
        if self.threads is not None:
            threads = self.threads
        elif self.n * self.n_states < PARALLEL_MIN_WORK:
            threads = 1
        else:
            threads = default_threads()
        threads = max(1, min(threads, blocks))
        while len(self._calls) < threads:
            self._bind_thread()
        bounds = [blocks * t // threads for t in range(threads + 1)]
        for t in range(threads):
            self._controls[t][:] = (bounds[t], bounds[t + 1], self.fresh, upto)
        starts = [min(bound * self.lanes, self.n) for bound in bounds]
        ties = None
        if rng is not None and upto >= len(STAGES):
            ties = ThreadTies(rng, self._ties, starts, self.n_actions, self._chooser)
        failures: list[BaseException] = []

        def run(t: int) -> None:
            first, end = starts[t], starts[t + 1]
            try:
                self._observations[first:end] = observations[first:end]
                self._calls[t]()
                if ties is not None:
                    ties.choose(t)
                if actions is not None:
                    actions[first:end] = self._actions[first:end]
                    self.last_action[first:end] = self._actions[first:end]
            except BaseException as error:  # raised again in the stepping thread
                failures.append(error)
                if ties is not None:
                    ties.fail()

        workers = (
            [self._workers(threads - 1).submit(run, t) for t in range(1, threads)] if threads > 1 else []
        )
        run(0)
        for worker in workers:
            worker.result()  # run raises nothing: its failures are kept
        if failures:
            raise failures[0]
        if ties is not None:
            ties.finish()

    def _workers(self, count: int) -> ThreadPoolExecutor:
        """At least ``count`` worker threads for the threads after the first, kept from step to step
        (measured 0.1-0.2 ms less per 2-thread step than a thread started per step, at 5x5, n = 100,000,
        loaded machine); new ones in a forked child, where the parent's threads do not run. They end when
        this engine is collected or the interpreter exits."""
        pool, pid = self._pool
        if pool is None or pid != os.getpid() or pool._max_workers < count:
            from concurrent.futures import ThreadPoolExecutor  # 8 ms to import: not for one thread

            if pool is not None and pid == os.getpid():
                pool.shutdown(wait=False)
            pool = ThreadPoolExecutor(count, thread_name_prefix="explorer-lanes")
            self._pool = pool, os.getpid()
        return pool

    def _chooser(self, t: int) -> tuple[Callable[[], None], np.ndarray, np.ndarray]:
        """Thread ``t``'s choice among ties: the compiled call bound to its control row (first agent, end,
        actions, draws skipped), PCG64 words and scratch, and those two rows; loaded on the first tie."""
        with self._chooser_lock:
            while len(self._choosers) <= t:
                control, words = np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.uint64)
                states = np.zeros((2 * self.n_actions + 1, TIE_SLOTS), dtype=np.uint64)
                arrays = (
                    control,
                    self._ties,
                    words,
                    self._actions,
                    states,
                    np.zeros((2, TIE_SLOTS), dtype=np.int64),
                )
                call = native_function(CHOOSER, KERNEL_SOURCES, arrays).bind(arrays)
                self._choosers.append((call, control, words))
            return self._choosers[t]

    def _bind_thread(self) -> None:
        """One more thread's control row and scratch, and the kernel bound to them."""
        control = np.zeros(4, dtype=np.int64)
        scratch = [
            np.zeros(shape, dtype=dtype)
            for shape, dtype in zip(
                scratch_shapes(self.n_states, self.n_actions, self.lanes),
                (np.float64, np.float64, np.int64),
                strict=True,
            )
        ]
        arrays = (
            control,
            self._observations,
            self.qs,
            self.q_pi,
            self.last_action,
            self._actions,
            self._ties,
        )
        arrays += (*self._model_arrays, *scratch)
        self._controls.append(control)
        self._calls.append(native_function(KERNEL, KERNEL_SOURCES, arrays).bind(arrays))
