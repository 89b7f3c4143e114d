"""Cards checked on every core: forked workers decide the cards the cache does not know.

A card's outcome depends only on the card and the cards it uses, so the cards can be checked in
any order and in any process; the stage still reports them in deck order. Workers are forked, so
they start with the cards in memory, and fork is only safe from a process with one thread: a
build forks them first and only then starts the PDF's thread beside them (check_cards'
`meanwhile`), and leaves the PDF a core: one worker fewer than cores. The PDF's Python then no
longer waits for the check's turn at the interpreter. On 2 cores, cold: 1,000 cards 6.5 s before,
5.4-5.6 s after; 10,000 cards 57.5 s before, 57.7 s after (with a worker per core, the PDF lost
its core: 63.9 s).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import Callable, Iterator

from ankigen.check.cache import CardOutcome, ClaimCache
from ankigen.run.cores import cores

MIN_CARDS = 24  # below this, forking costs more than it saves
CHUNK = 4  # cards handed out at a time: small, so that one slow card does not leave a core idle
SPARE_POLL = 0.05  # seconds between looks at whether this process has a core to spare

_work: Callable[[int], CardOutcome] | None = None  # set in this process before the fork
_cache: ClaimCache | None = None


def usable(count: int, beside: bool = False) -> int:
    """How many workers to fork for `count` cards; 0 to check them here. `beside`: the PDF will be
    typeset at the same time, and keeps a core of its own."""
    if count < MIN_CARDS or sys.platform != "linux" or threading.active_count() > 1:
        return 0  # fork is reliable on Linux only, and only without other threads
    if os.environ.get("ANKIGEN_JOBS", "").strip().isdigit():
        wanted, least = int(os.environ["ANKIGEN_JOBS"]), 2  # 1: everything in this one process
    else:
        wanted, least = cores() - beside, 2 - beside
    wanted = min(wanted, count // (MIN_CARDS // 2))
    return wanted if wanted >= least else 0


def _quiet() -> None:
    # Ctrl-C reaches every process of the group: a worker leaves at once and silently, so that the
    # user sees one message and no worker tracebacks.
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))


def _run(chunk: list[int]) -> list[tuple[int, CardOutcome, list]]:
    assert _work is not None and _cache is not None
    known = len(_cache.entries)
    done = [(i, _work(i)) for i in chunk]
    # claims decided here go back to the parent's cache (a dict keeps insertion order)
    # from the end: a list of every entry per chunk grew with the deck (10,000 cards: 2,500 copies)
    learned = list(islice(reversed(_cache.entries.items()), len(_cache.entries) - known))[::-1]
    return [(i, outcome, learned if k == len(done) - 1 else []) for k, (i, outcome) in enumerate(done)]


def in_workers(indices: list[int], work: Callable[[int], CardOutcome], cache: ClaimCache,
               jobs: int, started: Callable[[], Callable[[], bool] | None] | None = None
               ) -> Iterator[tuple[int, CardOutcome]]:
    """(index, outcome) for the indices, in the order they are finished. A worker that dies
    (killed, out of memory) leaves its cards out: the caller checks what is missing itself.
    `started()` is called once every worker is forked; it may return `spare()`, which tells when
    this process has a core to spare (the PDF beside the check is done): from then on this process
    takes chunks no worker has begun, from the end, and checks them itself."""
    global _work, _cache
    _work, _cache = work, cache
    chunks = [indices[k:k + CHUNK] for k in range(0, len(indices), CHUNK)]
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_quiet)
    try:
        # with fork, the first submit starts every worker at once, before the pool's own thread
        futures = {pool.submit(_run, chunk): chunk for chunk in chunks}
        spare = started() if started is not None else None
        pending = set(futures)
        unclaimed = list(futures)  # the chunks this process may still take, last first
        while pending:
            done, _ = wait(pending, timeout=SPARE_POLL if spare is not None else None, return_when=FIRST_COMPLETED)
            for future in done:
                pending.discard(future)
                try:
                    results = future.result()
                except BrokenProcessPool:
                    continue
                for i, outcome, learned in results:
                    for key, row in learned:
                        cache.entries[key] = row
                        cache.dirty = True
                    yield i, outcome
            while spare is not None and unclaimed and spare():
                future = unclaimed.pop()
                if future in pending and future.cancel():  # no worker has begun it
                    pending.discard(future)
                    for i in futures[future]:
                        yield i, work(i)
                    break  # then the workers' results again
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _work, _cache = None, None
