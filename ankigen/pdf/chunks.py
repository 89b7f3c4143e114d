"""The PDF in chunks: Typst documents of a few hundred cards each, compiled once per content.

Typst holds a whole document, and everything it memoised, until its process ends: 10,000 cards
in one document took 6 GB and a minute. Chunks are compiled by worker processes that are
replaced once they have grown past WORKER_MB, so memory stays bounded, both cores work, and an
edit recompiles only the chunks it touches. pikepdf (qpdf) joins them and adds what no chunk can know on its own:
page numbers, blank pages before rectos, bookmarks and the document's metadata.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ankigen.pdf.worker import run

SINGLE_CHUNK = 400  # up to this many items, one chunk: no partly filled page between chunks
# An edit recompiles its chunk (Typst: about 2.6 ms a kilobyte of markup, 10 ms a document): at
# 64/192/512 an edit of 1,000 cards waited 0.9 s for it, at 32/96/256 0.45 s, for 1% more pages.
CHUNK_MIN, CHUNK_SPAN, CHUNK_MAX = 32, 96, 256
# A chunk's markup, at most: Typst's memory grows with the document (course notes full of formulas,
# 0.8 MB of markup in 300 cards, took a worker to 0.8 GB), and a worker is replaced only between jobs.
CHUNK_BYTES = 200_000
# And its images' pixels, at most: Typst holds each decoded. LLM interview notes with 716 images
# (430 megapixels) took each worker to 700 MB on one chunk of 96 cards, two of them at once.
CHUNK_PIXELS = 20_000_000
POOL_FROM = 3  # fewer documents to compile than this are compiled in this process
# A worker whose own memory (not the fonts it maps) has grown past this is replaced, which frees
# what Typst memoised. Measured by its peak, fonts included, every worker of a CJK deck was past it
# after its first job: 10,000 cards started 323 workers for 323 jobs, each finding and parsing the
# fonts again. 150 rather than 250 now that it is counted so: at 10,000 cards the build's processes
# peaked at 1,040 MB with 250, 982 MB with 150, in the same time.
WORKER_MB = 150


# The contents page links to pages of other chunks, which Typst cannot name: it links to
# "ankigen-page:N" and the join turns each such link into a jump to page N.
PAGE_LINK = "ankigen-page:"


@dataclass(frozen=True)
class Refusal:
    """Typst's refusal of one document: its message and the lines of that document it points at
    (the error's own place, then each call that led there), so that the caller can blame a card."""

    message: str
    lines: tuple[int, ...] = ()


T = TypeVar("T")
_PLACE = re.compile(r"┌─ (.+?):(\d+):\d+")


def refusal(message: str, diagnostic: str, file_name: str) -> Refusal:
    """The refusal of the document `file_name`, its places read from Typst's diagnostic."""
    lines = (int(m.group(2)) for m in _PLACE.finditer(diagnostic) if Path(m.group(1)).name == file_name)
    return Refusal(message, tuple(dict.fromkeys(lines)))


def blame(starts: list[tuple[int, T]], lines: tuple[int, ...]) -> list[T]:
    """The owners of the lines Typst pointed at. Each owner's text starts on a line of its own
    and runs to the next owner's first line; lines before the first owner (the preamble) have none."""
    firsts = [line for line, _ in starts]
    owners = [starts[i][1] for i in (bisect.bisect_right(firsts, line) - 1 for line in lines) if i >= 0]
    return list(dict.fromkeys(owners))


class PdfError(Exception):
    """Typst refused a document; reported as a diagnostic. `refusals` maps the index of each
    refused source (of those handed to Typesetter.pdfs) to Typst's reasons."""

    def __init__(self, message: str, refusals: dict[int, Refusal] | None = None) -> None:
        super().__init__(message)
        self.refusals = refusals or {}


def split(keys: list[str], sizes: list[int] | None = None, pixels: list[int] | None = None) -> list[range]:
    """Ranges of items per chunk. A chunk ends after an item whose key hashes to 0 modulo
    CHUNK_SPAN (content-defined, as in rsync), so a new card changes one chunk, not every later one;
    and once its items' `sizes` (characters of markup) reach CHUNK_BYTES or their images' `pixels`
    CHUNK_PIXELS."""
    sizes = sizes or [0] * len(keys)
    pixels = pixels or [0] * len(keys)
    if len(keys) <= SINGLE_CHUNK and sum(sizes) < CHUNK_BYTES and sum(pixels) < CHUNK_PIXELS:
        return [range(0, len(keys))] if keys else []
    ranges, start, held, drawn = [], 0, 0, 0
    for i, key in enumerate(keys):
        size = i + 1 - start
        held += sizes[i]
        drawn += pixels[i]
        cut = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % CHUNK_SPAN == 0
        if size >= CHUNK_MAX or (size >= CHUNK_MIN and cut) or held >= CHUNK_BYTES or drawn >= CHUNK_PIXELS:
            ranges.append(range(start, i + 1))
            start, held, drawn = i + 1, 0, 0
    if start < len(keys):
        ranges.append(range(start, len(keys)))
    return ranges


class Typesetter:
    """Compiles Typst documents, reusing the PDFs of earlier builds, in workers when there are many."""

    def __init__(self, folder: Path, store: Path | None, salt: str, stop: threading.Event | None = None) -> None:
        self.folder = folder  # sources, drawings and images: the root of every document
        self.store = store if store is not None else folder / "chunks"
        self.salt = salt
        self.used: set[Path] = set()
        # Set when the build no longer wants the PDF: each job not yet started raises CancelledError.
        self.stop = stop or threading.Event()
        self._workers = _Workers(min(2, os.cpu_count() or 1), self.stop)
        self._queries = 0

    def __enter__(self) -> Typesetter:
        return self

    def __exit__(self, *exc) -> None:
        self._workers.close()

    def pdfs(self, sources: list[str], names: list[str]) -> list[Path]:
        """The compiled PDF of each source (cached by content). Every source is tried before a
        PdfError names all those Typst refused.

        Each source is compiled as the file of its name (a chunk's place in the document, say):
        Typst keeps what it laid out by file, so in a process that lives on (`build --watch`) a
        chunk edited under the same name compiles in a fraction of the time."""
        self.store.mkdir(parents=True, exist_ok=True)
        paths, jobs = [], {}
        for source, name in zip(sources, names, strict=True):
            key = hashlib.sha256(f"{self.salt}\x1e{source}".encode("utf-8")).hexdigest()[:24]
            path = self.store / f"{key}.pdf"
            paths.append(path)
            self.used.add(path)
            if path.is_file() and not _intact(path):
                path.unlink(missing_ok=True)  # a damaged cached chunk (a disk fault, an edit): typeset again
            if not path.is_file() and path not in jobs:
                typ = self.folder / f"{name}.typ"
                typ.write_text(source, encoding="utf-8")
                jobs[path] = ("pdf", str(typ), str(self.folder), str(path), self.salt)
        outcomes = dict(zip(jobs, self._run(list(jobs.values()))))
        refused = {i: outcomes[path] for i, path in enumerate(paths) if isinstance(outcomes.get(path), Refusal)}
        if refused:
            raise PdfError(next(iter(refused.values())).message, refused)
        return paths

    def queries(self, sources: list[str]) -> list[str | Refusal]:
        """The JSON answer of each source's <m> metadata (the caller caches these), or Typst's refusal."""
        return self._run([self._query_job(source) for source in sources])

    def checks(self, sources: list[str]) -> list[Refusal | None]:
        """Typst's refusal of each source, or None where it compiles."""
        jobs = [("check", *self._query_job(source)[1:]) for source in sources]
        return [answer if isinstance(answer, Refusal) else None for answer in self._run(jobs)]

    def prune(self) -> None:
        """Forget the chunks this build did not use, so the store does not grow with every edit."""
        for path in self.store.iterdir():
            if path not in self.used:  # old chunks, and what an interrupted worker left
                path.unlink(missing_ok=True)

    def query_soon(self, source: str) -> tuple[Future, str]:
        """Start a query in a worker now (while the caller prepares more); answer() reads it."""
        job = self._query_job(source)
        return self._workers.submit(job), job[1]

    @staticmethod
    def answer(pending: tuple[Future, str]) -> str | Refusal:
        future, typ = pending
        ok, text, diagnostic = future.result()
        return text if ok else refusal(text, diagnostic, Path(typ).name)

    def _query_job(self, source: str) -> tuple:
        self._queries += 1
        typ = self.folder / f"query-{self._queries}.typ"
        typ.write_text(source, encoding="utf-8")
        return "query", str(typ), str(self.folder), None, self.salt

    def _run(self, jobs: list[tuple]) -> list[str | Refusal]:
        if len(jobs) <= 1 or self._workers.count < 2:
            return [self.answer((_done(self._here(job)), job[1])) for job in jobs]
        if len(jobs) < POOL_FROM:  # an edit's study chunk and cut-out chunk: side by side, here
            with ThreadPoolExecutor(len(jobs), thread_name_prefix="ankigen-typst-here") as pool:
                return [self.answer((_done(result), job[1])) for job, result in zip(jobs, pool.map(self._here, jobs))]
        return [self.answer(pending) for pending in [(self._workers.submit(job), job[1]) for job in jobs]]


    def _here(self, job: tuple) -> tuple[bool, str, str]:
        if self.stop.is_set():
            raise CancelledError
        return run(*job)


def _done(result: tuple[bool, str, str]) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


class _Workers:
    """Worker processes (worker.py), each fed by a thread of ours from one queue. A worker
    is replaced once it has grown past WORKER_MB: Typst frees what it memoised only when its
    process ends."""

    def __init__(self, count: int, stop: threading.Event) -> None:
        self.count = count
        self.stop = stop
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.peak_mb = 0  # of any worker, for the benchmark

    def submit(self, job: tuple) -> Future:
        future: Future = Future()
        self.jobs.put((job, future))
        if len(self.threads) < self.count:
            self.threads.append(threading.Thread(target=self._feed, name="ankigen-typst", daemon=True))
            self.threads[-1].start()
        return future

    def close(self) -> None:
        """Drop the jobs not started (after a failure) and let each worker finish."""
        while True:
            try:
                item = self.jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[1].cancel()
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()

    def _feed(self) -> None:
        proc: subprocess.Popen | None = None
        while (item := self.jobs.get()) is not None:
            job, future = item
            if self.stop.is_set():
                future.cancel()
            if not future.set_running_or_notify_cancel():
                continue
            if proc is None:
                # stdin closes when we exit, however we exit: the worker then ends by itself
                proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("worker.py"))],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, encoding="utf-8")
            try:
                proc.stdin.write(json.dumps(job) + "\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
            except OSError:
                line = ""
            if not line:
                future.set_result((False, f"a Typst worker process stopped (exit status {proc.poll()}); "
                                          "out of memory?", ""))
                proc = _stop(proc)
                continue
            ok, answer, diagnostic, peak, anon = json.loads(line)
            self.peak_mb = max(self.peak_mb, peak)
            if (anon if anon is not None else peak) > WORKER_MB:
                proc = _stop(proc)
            future.set_result((bool(ok), str(answer), str(diagnostic)))
        _stop(proc)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return None
    try:
        proc.stdin.close()
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
    proc.stdout.close()
    return None


@dataclass(frozen=True)
class Part:
    """A compiled chunk, in document order."""

    path: Path
    recto: bool = False  # starts on an odd page: a blank page goes before it when needed


def _intact(path: Path) -> bool:
    """Whether a cached chunk is a whole PDF: its header, and the end-of-file mark near its end."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(5)
            handle.seek(max(0, path.stat().st_size - 1024))
            tail = handle.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


def outline(path: Path) -> tuple[int, list[tuple[str, int]]]:
    """A chunk's page count and its bookmarks (title, page index), read from the PDF Typst wrote."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as exc:
        raise PdfError(f"a cached chunk could not be read ({exc}); "
                       "deleting the cache folder starts afresh") from None
    with pdf:
        marks = []
        with pdf.open_outline() as tree:
            for item in tree.root:
                dest = item.destination
                if isinstance(dest, pikepdf.Array) and len(dest) > 0:
                    marks.append((str(item.title), pikepdf.Page(dest[0]).index))
        return len(pdf.pages), marks


def start_pages(counts: list[int], rectos: list[bool]) -> list[int]:
    """The page index at which each part starts once blank pages are put before rectos."""
    starts, at = [], 0
    for count, recto in zip(counts, rectos):
        if recto and at % 2 == 1:
            at += 1
        starts.append(at)
        at += count
    return starts
