"""How many cores this process may run on: the checker's workers and the PDF's image scaling size
their pools by it."""

from __future__ import annotations

import os


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))  # a container or `taskset` may allow fewer than the machine has
    return os.cpu_count() or 1
