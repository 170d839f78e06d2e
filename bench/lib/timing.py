"""Timing helpers: the time spent inside cursor.execute, percentiles."""

from __future__ import annotations

import time


class DbTimer:
    """An execute wrapper adding up the time spent inside cursor.execute (the database's share)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
