"""Starting a server as a terminal's foreground job would: with Ctrl-C's default action."""

import contextlib
import signal


@contextlib.contextmanager
def ctrl_c_as_in_a_terminal():
    """Start children with Ctrl-C's default action, as a terminal's foreground job has.

    A test run started in the background by a shell without job control (``pytest &``) ignores
    SIGINT, and children inherit that: the server would then never see the test's Ctrl-C. A
    handled signal is reset to its default on exec, so the parent handles SIGINT while it starts
    the child; no ``preexec_fn``, which would fork a process where JAX's threads may be running.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
