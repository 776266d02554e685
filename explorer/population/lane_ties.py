"""The lanes engine's near-ties broken by each thread for its own agents, with numpy's own draws.

pymdp's rule, kept by the dense engine, draws the keys of every tied agent at once, in agent order:
``rng.random((tied, actions))``. Here thread ``t`` waits for the tie counts of the threads before it,
then draws and chooses for its own agents in compiled code (``explorer.population.tie_choice.choose_tied``,
four chains of draws side by side), from the generator's PCG64 state jumped past the keys of the threads
before it (as numpy's ``PCG64.advance`` jumps): the same numbers as the one call, and no thread left to
draw for every agent while the others wait.
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
        chooser: Callable[[int], tuple[Callable[[], None], np.ndarray, np.ndarray]],
    ) -> None:
        self.rng, self.tie_masks, self.starts, self.n_actions = rng, tie_masks, starts, n_actions
        #: thread -> its bound choose_tied, control row and PCG64 words (left at its last draw's state)
        self.chooser = chooser
        self.state = rng.bit_generator.state
        state, increment = self.state["state"]["state"], self.state["state"]["inc"]
        self.words = (state >> 64, state & _WORD, increment >> 64, increment & _WORD)
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
            call, control, words = self.chooser(t)
            words[:] = self.words
            control[:] = (first, end, self.n_actions, skipped)
            call()

    def fail(self) -> None:
        """A thread failed: the threads waiting on it go on without choosing."""
        self.failed = True
        for event in self.ready:
            event.set()

    def finish(self) -> None:
        """The generator where one ``random((tied, actions))`` would have left it: where the last thread
        that drew left its words (its buffered 32 bits kept, as ``random`` keeps them)."""
        drew = [t for t in range(len(self.before) - 1) if self.before[t + 1] > self.before[t]]
        if drew:
            words = self.chooser(drew[-1])[2]
            inner = {"state": (int(words[0]) << 64) | int(words[1]), "inc": self.state["state"]["inc"]}
            self.rng.bit_generator.state = {**self.state, "state": inner}
