"""Instruments: one module per quantity measured (import, spawn, memory, first action, steps, counts...).

Each returns tidy rows (:data:`explorer.measure.results.stats.COLUMNS`); a new metric is one file here.
"""
