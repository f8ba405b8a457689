"""Timing helper shared by the benchmark scripts (run them as ``.venv/bin/python benchmarks/<name>.py``)."""

import time


def best_of(fn, repeat=3):
    """Best wall-clock time of ``repeat`` calls of ``fn()`` and the value of the last call."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out
