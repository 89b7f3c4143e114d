"""A one-line progress display on a terminal; silent in CI, in pipes and with --quiet."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

QUIET = False  # set by the CLI for -q and machine output
_DELAY = 1.0  # seconds before anything is shown: short builds stay silent


def _enabled() -> bool:
    return (not QUIET and sys.stderr.isatty() and not os.environ.get("CI")
            and os.environ.get("TERM") != "dumb")


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """Yields step(); with total 0 it only says what is being waited for."""
    start = time.monotonic()
    done = 0
    shown = False

    def step() -> None:
        nonlocal done, shown
        done += 1
        if _enabled() and time.monotonic() - start > _DELAY and (done % 50 == 0 or done == total):
            sys.stderr.write(f"\r{label} {done}/{total} cards…")
            sys.stderr.flush()
            shown = True

    if total == 0 and _enabled():
        sys.stderr.write(f"\r{label}…")
        sys.stderr.flush()
        shown = True
    try:
        yield step
    finally:
        if shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
