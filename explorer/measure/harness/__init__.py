"""The harness instruments run in: fresh processes, timers, cachegrind, variants, subjects, the suite."""
