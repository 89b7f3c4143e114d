"""Wall time and peak memory per pipeline stage, for bench/ (enabled by ANKIGEN_TIMINGS=1)."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from contextlib import contextmanager
from typing import Iterator

_rows: list[tuple[str, float, float]] = []


def enabled() -> bool:
    return os.environ.get("ANKIGEN_TIMINGS") == "1"


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Record how long the block took and the process's peak memory after it."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if enabled():
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            _rows.append((name, time.perf_counter() - start, peak_mb))


def report() -> None:
    """Print the stages recorded since the last report as one JSON line on stderr (once per build
    of `build --watch`)."""
    if enabled():
        print("ANKIGEN_TIMINGS " + json.dumps([{"stage": n, "seconds": round(s, 3), "peak_mb": round(m, 1)}
                                               for n, s, m in _rows]), file=sys.stderr, flush=True)
    _rows.clear()
