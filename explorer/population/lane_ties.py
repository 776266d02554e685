"""The lanes engine's near-ties broken by each thread for its own agents, with numpy's own draws.

pymdp's rule, kept by the dense engine, draws the keys of every tied agent at once, in agent order:
``rng.random((tied, actions))``. Here thread ``t`` waits for the tie counts of the threads before it,
starts from the generator's PCG64 state advanced past their keys (numpy's ``PCG64.advance``) and
draws and chooses for its own agents in compiled code (``explorer.population.lanes_kernel.choose_tied``,
four chains of draws side by side): the same numbers as the one call, and no thread left to draw for
every agent while the others wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

_WORD = (1 << 64) - 1


def draws_here(rng: np.random.Generator | None) -> bool:
    """Whether ``rng`` draws through PCG64 (numpy's default, the one whose stream is reproduced here)."""
    return rng is not None and type(rng.bit_generator) is np.random.PCG64


class ThreadTies:
    """One step's choice among ties on ``len(starts) - 1`` threads: :meth:`choose` ``(t)`` from thread ``t``
    once its kernel has run, then :meth:`finish` (the generator moved past every key drawn)."""

    def __init__(
        self,
        rng: np.random.Generator,
        tie_masks: np.ndarray,
        starts: Sequence[int],
        n_actions: int,
        chooser: Callable[[int], tuple[Callable[[], None], np.ndarray, np.ndarray, np.random.PCG64]],
    ) -> None:
        self.rng, self.tie_masks, self.starts, self.n_actions = rng, tie_masks, starts, n_actions
        #: thread -> its bound choose_tied, control row, PCG64 words, and a PCG64 to advance copies with
        self.chooser = chooser
        self.state = rng.bit_generator.state
        threads = len(starts) - 1
        self.before = [0] + [0] * threads  # keys drawn by the threads before each
        self.ready = [threading.Event() for _ in range(threads + 1)]
        self.ready[0].set()
        self.failed = False

    def choose(self, t: int) -> None:
        """Thread ``t``'s tied agents: their actions among their ties, from their own keys."""
        self.ready[t].wait()
        if self.failed:
            return
        first, end = self.starts[t], self.starts[t + 1]
        tied = int(np.count_nonzero(self.tie_masks[first:end]))
        skipped = self.before[t]
        self.before[t + 1] = skipped + tied * self.n_actions
        self.ready[t + 1].set()
        if tied:
            call, control, words, generator = self.chooser(t)
            state, increment = self._advanced(generator, skipped), self.state["state"]["inc"]
            words[:] = (state >> 64, state & _WORD, increment >> 64, increment & _WORD)
            control[:] = (first, end, self.n_actions)
            call()

    def fail(self) -> None:
        """A thread failed: the threads waiting on it go on without choosing."""
        self.failed = True
        for event in self.ready:
            event.set()

    def finish(self) -> None:
        """The generator where one ``random((tied, actions))`` would have left it (its buffered 32 bits
        kept, as ``random`` keeps them)."""
        if self.before[-1]:
            advanced = self._advanced(self.chooser(0)[3], self.before[-1])
            inner = {"state": advanced, "inc": self.state["state"]["inc"]}
            self.rng.bit_generator.state = {**self.state, "state": inner}

    def _advanced(self, generator: np.random.PCG64, draws: int) -> int:
        """The 128-bit PCG64 state ``draws`` draws on from this step's start (``generator`` moved there)."""
        generator.state = self.state
        return generator.advance(draws).state["state"]["state"]
