"""The pipeline: sources → cards → checks → notes → package. Each stage is a function below."""

from __future__ import annotations

import functools
import html
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ankigen.anki.changes import (Broken, Changes, Held, anki_kinds, compare, held_notes, import_surprises,
                                  removed_notes)
from ankigen.config import Config, ConfigError
from ankigen.diagnostics import Sink
from ankigen.labels import LABELS, Labels, deck_language
from ankigen.anki.lock import Lock, build_time, known_guids, lock_text, read_lock, stamp_note_type, stamp_notes
from ankigen.model import Card, Diagnostic, Note, Severity, Span, Summary
from ankigen.run.output import beside, fault, finish_renames, one_build_at_a_time, staged, sweep
from ankigen.source.sources import discover, read_sources
from ankigen.run.interrupt import checkpoint
from ankigen.run.progress import progress
from ankigen.run.timing import stage
from ankigen.run.uptodate import Stamp, sources_print, with_lock

if TYPE_CHECKING:  # the checker, the PDF and genanki are imported when used: an up-to-date build needs none
    from ankigen.check import CheckStats


@dataclass(frozen=True)
class Report:
    cards: tuple[Card, ...]
    diagnostics: tuple[Diagnostic, ...]
    summary: Summary
    outputs: tuple[Path, ...] = ()
    changes: Changes = field(default_factory=Changes)
    claims: tuple = ()  # (span, text, verdict) of every decided claim
    formulas: tuple = ()  # display formulas not claimed: statements and unreadable ones
    up_to_date: bool = False  # nothing changed since the last build, which is replayed
    history: str = "lock"  # where the last build's notes came from: lock | package (lock was missing) | none


def output_stem(root_deck: str) -> str:
    """A file name for the deck: '::' and characters no file system likes become '_'."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", root_deck.replace("::", "__")).strip(" .")
    return stem or "deck"


def lock_path(src: Path, config: Config) -> Path:
    if config.lock:
        return config.resolve(config.lock)
    return (src if src.is_dir() else src.parent) / "ankigen.lock"


def _require_whole_project(src: Path, config: Config) -> None:
    """A build of one file or sub-folder of the project would share its lock and package, and tag
    every card outside it as removed: refused, with the ways to do what was meant."""
    project = config.resolve(config.src).resolve()
    here = src.resolve()
    if here != project and project in here.parents and not config.lock:
        from ankigen.source.sources import display_path

        shown = display_path(src)
        raise ConfigError(
            f"{shown} is part of the project's sources ({display_path(project)}); a deck built from it "
            "alone would tag every other card ankigen::removed. Build the whole project with "
            f"`ankigen build`, look at this part with `ankigen check {shown}`, or give it a project of "
            "its own (`ankigen init` in another folder)")


def _require_sources(src: Path) -> None:
    if not src.exists():
        raise ConfigError(f"source folder not found: {src}")
    if not discover(src):
        raise ConfigError(f"no Markdown sources (*.md) under {src}")


def load_cards(src: Path, config: Config, sink: Sink, meanwhile=None) -> tuple[list[Card], CheckStats]:
    """Stages 1–3: read the sources, parse them into cards, check every claim.

    `meanwhile(cards)` is called between parsing and checking, to start work that needs the cards
    but not the verdicts; it may return a `spare()` that tells when that work is done.
    """
    from ankigen.check import ClaimCache, check_cards, span_line
    from ankigen.source.kept import ParseStore
    from ankigen.source.parse import parse_sources

    _require_sources(src)
    with stage("read"):
        sources = read_sources(src, sink, config.max_cards)
    with stage("parse"):
        store = ParseStore(config.resolve(config.cache) / "parsed" if config.cache else None)
        cards = parse_sources(sources, config, sink, store)
        if src.resolve() == config.resolve(config.src).resolve():  # the whole project: the others are gone
            store.prune(sources)
    cache = ClaimCache.load(config.resolve(config.cache) / "claims.json" if config.cache else None)
    lines = {s.rel: s.text.split("\n") for s in sources}
    with stage("check"), progress(len(cards), "checking") as step:
        def step_or_stop() -> None:
            step()
            checkpoint()
        stats = check_cards(cards, sink, cache, span_line(lines), step_or_stop, float(config.check_timeout),
                            (lambda: meanwhile(cards)) if meanwhile is not None and cards else None)
    return cards, stats


_METHODS = {"symbolic": "proven", "sampled": "sampled", "exact": "exact"}


def summarize(cards, claims, formulas, diagnostics) -> Summary:
    """The counts a report ends with, from its cards, decided claims, unclaimed formulas and
    diagnostics (so that any part of a report, or what --select leaves of it, is counted alike)."""
    extra = {"proven": 0, "sampled": 0, "exact": 0}
    undecided = 0
    for _, _, verdict in claims:
        if verdict.holds and verdict.method in _METHODS:
            extra[_METHODS[verdict.method]] += 1
        undecided += verdict.holds is None
    statements = sum(f.status in ("statement", "nocheck", "off") for f in formulas)
    unreadable = sum(f.status == "unreadable" for f in formulas)
    extra.update({k: v for k, v in (("undecided", undecided), ("statements", statements),
                                    ("unreadable", unreadable)) if v})
    return Summary(cards=len(cards), claims=len(claims), failed=sum(v.holds is False for _, _, v in claims),
                   errors=sum(d.severity is Severity.ERROR for d in diagnostics),
                   warnings=sum(d.severity is Severity.WARNING for d in diagnostics), extra=extra)


def _summary(cards: list[Card], stats: CheckStats, sink: Sink) -> Summary:
    return summarize(cards, stats.results, stats.formulas, sink.items)


def check(src: Path, config: Config) -> Report:
    """Parse and check the sources without writing anything."""
    sink = Sink()
    cards, stats = load_cards(src, config, sink)
    return Report(tuple(cards), tuple(sink.sorted()), _summary(cards, stats, sink), claims=stats.results,
                  formulas=stats.formulas)


def footer_html(parts: tuple[str, ...], words: Labels, holding: int, source: str) -> str:
    """The Checks field: the footer under the answer, in the deck's language. Written here rather
    than in the template so that the words follow `language`; empty when there is nothing to show
    (the template then shows no footer)."""
    shown = []
    if "checks" in parts and holding:
        shown.append(f'<span class="checks">{html.escape(words.checked_text(holding))}</span>')
    if "source" in parts:
        shown.append(f'<span class="source">{html.escape(source)}</span>')
    return "".join(shown)


def make_notes(cards: list[Card], src: Path, config: Config, stats: CheckStats,
               known: dict[str, str] | None = None) -> list[Note]:
    from ankigen.anki.notes import make_note

    root = src if src.is_dir() else src.parent
    words = LABELS[deck_language(config.language, cards)]
    notes = []
    for card, holding in zip(cards, stats.per_card):
        ref = source_ref(card, root)
        # File and id, never the line: a line moves with every edit above the card, and a field
        # that changes while the note's content does not would go stale in Anki.
        source = f"{ref}#{card.id}" if card.id else ref
        footer = footer_html(config.card_footer, words, holding, source)
        notes.append(make_note(card, config, source, footer, words.reverse_prompt, known))
    return notes


def build(src: Path, out: Path, config: Config, dry_run: bool = False) -> Report:
    """Check the sources, then write the deck to out; nothing is written when there are errors.

    A dry run stops before writing anything and reports what the build would change in Anki.
    """
    if dry_run:
        config = replace(config, pdf=False)
    _require_whole_project(src, config)
    _require_sources(src)
    with one_build_at_a_time(config.resolve(config.cache) if config.cache else None, config.project_dir):
        return _build_project(src, out, config, dry_run)


def _build_project(src: Path, out: Path, config: Config, dry_run: bool) -> Report:
    finish_renames(out)  # a build killed while renaming its set: that set, whole
    lock_file = lock_path(src, config)
    stem = output_stem(config.root_deck)
    targets = [out / f"{stem}.apkg"] + ([out / f"{stem}.pdf"] if config.pdf else [])
    stamp = Stamp(config.resolve(config.cache) / "build.json" if config.cache else None)
    with stage("fingerprint"):
        sources_seen = sources_print(src, out, config, lock_file) if config.cache else ""
        last = stamp.replay(with_lock(sources_seen, lock_file), targets)
    if last is not None:  # nothing changed since the last build: its outputs are these outputs
        diagnostics, summary, count = last
        return Report((), diagnostics, summary, tuple(targets) if not dry_run else (),
                      Changes(unchanged=count), up_to_date=True)

    sink = Sink()
    now = build_time()
    with _Background(config.pdf) as pdf:
        # The PDF starts on the cards parsed without an error, and starts again without those the
        # check then finds wrong (Typst's chunks are cached, so only theirs are typeset again).
        typeset: set[int] = set()

        def start_pdf(cards: list[Card]) -> Callable[[], bool]:
            broken, _ = broken_cards(cards, failing(sink, config))
            typeset.clear()
            typeset.update(i for i in range(len(cards)) if i not in broken)
            pdf.start(_pdf_job([cards[i] for i in sorted(typeset)], config, now))
            return pdf.done  # once it is, the check takes the core the PDF had

        cards, stats = load_cards(src, config, sink, start_pdf)
        summary = _summary(cards, stats, sink)
        broken, stray = broken_cards(cards, failing(sink, config))
        unread, stray = unread_sources(stray, src)
        if not cards or stray or ((broken or unread) and config.on_error == "stop"):
            return Report(tuple(cards), tuple(sink.sorted()), summary)
        good = [c for i, c in enumerate(cards) if i not in broken]
        if config.pdf and len(good) != len(typeset):
            start_pdf(cards)

        lock, history = _last_build(lock_file, targets[0])
        package = _package_ref(targets[0], lock_file)
        plan = _plan_notes(cards, broken, src, config, stats, lock, (targets[0], lock_file), sink, now,
                           _seen_there(lock, package, targets[0]), unread)
        notes, kept, held, changes = plan.notes, plan.kept, plan.held, plan.changes
        if dry_run:
            return Report(tuple(cards), tuple(sink.sorted()), _summary(cards, stats, sink), (), changes,
                          history=history)
        from ankigen.anki.apkg import carried_media
        from ankigen.anki.notetype import basic_note_type_hash, cloze_note_type_hash

        type_stamps = {"basic": stamp_note_type("basic", basic_note_type_hash(), lock, now),
                       "cloze": stamp_note_type("cloze", cloze_note_type_hash(), lock, now)}
        media = [m for card in good for m in card.media]
        carried = carried_media(targets[0], plan.carried) if plan.carried else {}

        # The lock describes the .apkg written with it, whatever became of the PDF.
        new_lock = lock_text(notes, type_stamps, kept, held.stamps, package, plan.kinds)
        try:
            written = _write_outputs(targets, notes, (media, carried), {k: v.mtime for k, v in type_stamps.items()},
                                     pdf, sink, (lock_file, new_lock))
        except OSError as exc:
            where, message, hint = fault(exc, targets[0])
            sink.error(Span(where, 1, 1), "B002", message, hint=hint + "; the previous outputs are untouched")
            return Report(tuple(cards), tuple(sink.sorted()), _summary(cards, stats, sink), history=history)
        summary = _summary(cards, stats, sink)
        if written == targets:  # a build with a failed PDF is tried again next time, never replayed
            stamp.record(with_lock(sources_seen, lock_file), targets, sink.sorted(), summary, len(notes))
        return Report(tuple(cards), tuple(sink.sorted()), summary, tuple(written), changes, history=history)


@dataclass(frozen=True)
class _Plan:
    """The notes of the package, with their mtimes, and what importing it does."""

    notes: list[Note]
    kept: dict  # removed notes the lock keeps
    held: Held  # last good notes of cards with errors
    carried: list[Note]  # notes taken from the last package (held or removed): their images too
    changes: Changes
    kinds: dict[str, str]  # GUID -> the note type Anki has for it (anki_kinds)


def _plan_notes(cards: list[Card], broken: set[int], src: Path, config: Config, stats: CheckStats, lock: Lock,
                last: tuple[Path, Path], sink: Sink, now: int, seen: Lock | None = None,
                unread: frozenset[str] = frozenset()) -> _Plan:
    """Notes for the cards without errors; the last good notes of those with errors, and of the
    files that could not be read (`unread`); the removed ones, tagged. `last`: the last package and
    the lock file; `seen`: what the package in this output folder holds, when the lock describes
    another one (the report compares with it)."""
    package, lock_file = last
    all_notes = make_notes(cards, src, config, stats, known_guids(lock))
    names = {n.guid: c.id or f"{c.span.path}:{c.span.line}" for c, n in zip(cards, all_notes)}
    notes = [n for i, n in enumerate(all_notes) if i not in broken]
    held = held_notes(lock, notes, _broken(cards, all_notes, broken, names, src, unread), package)
    gone, kept = removed_notes(lock, notes + held.notes, package, lock_file, sink, held)
    notes = stamp_notes(notes + held.notes + gone, lock, now)
    spans = {n.guid: c.span for c, n in zip(cards, all_notes)}
    skipped = []
    kinds = anki_kinds(lock, notes, package)
    for guid, code, message, hint in import_surprises(lock, notes, kinds):
        if guid in spans:  # not a note carried over from the last package
            sink.warning(spans[guid], code, message, hint=hint)
            if code == "B003":
                skipped.append(names[guid])
    changes = compare(seen or lock, notes, kept, names, held)
    if skipped:  # an import will not update these in place, whatever their content says
        unchanged = [x for x in skipped if x not in changes.updated]  # counted as unchanged: changed last build
        changes = replace(changes, updated=tuple(x for x in changes.updated if x not in skipped),
                          conflicting=tuple(skipped), unchanged=changes.unchanged - len(unchanged))
    return _Plan(notes, kept, held, held.notes + gone, changes, kinds)


def _package_ref(package: Path, lock_file: Path) -> str:
    return Path(os.path.relpath(package.resolve(), lock_file.resolve().parent)).as_posix()


def _seen_there(lock: Lock, package_ref: str, package: Path) -> Lock | None:
    """After `build --out OTHER`, the lock describes OTHER's package: a build into this folder
    reports what importing its package changes against the package already here."""
    if not lock.package or lock.package == package_ref:
        return None
    from ankigen.anki.apkg import lock_from_package

    return lock_from_package(package) or Lock()


def failing(sink: Sink, config: Config) -> list[Diagnostic]:
    """The diagnostics that keep a card out of the deck: errors, and warnings under --strict."""
    return [d for d in sink.items if d.severity is Severity.ERROR or (config.strict and d.severity is Severity.WARNING)]


def broken_cards(cards: list[Card], diagnostics: list[Diagnostic]) -> tuple[set[int], list[Diagnostic]]:
    """The indexes of the cards a diagnostic falls in, and the diagnostics that fall in no source
    file of a card (settings, the lock, a file without cards), which stop the build. One outside
    every card of its file (front matter, text before the first card) counts against each card of
    that file."""
    by_file: dict[str, list[int]] = {}
    for i, card in enumerate(cards):
        by_file.setdefault(card.span.path, []).append(i)
    hit: set[int] = set()
    stray = []
    for d in diagnostics:
        in_file = by_file.get(d.span.path)
        if in_file is None:
            stray.append(d)
            continue
        inside = [i for i in in_file if cards[i].span.line <= d.span.line <= max(cards[i].end_line, cards[i].span.line)]
        hit.update(inside or in_file)
    return hit, stray


def _broken(cards: list[Card], notes: list[Note], broken: set[int], names: dict[str, str], src: Path,
            unread: frozenset[str] = frozenset()) -> Broken:
    root = src if src.is_dir() else src.parent
    return Broken({notes[i].guid: names[notes[i].guid] for i in broken},
                  frozenset(source_ref(cards[i], root) for i in broken) | unread)


def unread_sources(stray: list[Diagnostic], src: Path) -> tuple[frozenset[str], list[Diagnostic]]:
    """Of the diagnostics in no card, those in a Markdown file of the sources (one that is not
    UTF-8, one whose every card is hidden by an error before it) cost only that file's cards: their
    last good notes are kept. The files as Source fields name them, and what still stops the build
    (settings, the lock, anything outside the sources)."""
    root = (src if src.is_dir() else src.parent).resolve()
    files, rest = set(), []
    for d in stray:
        path = Path(d.span.path)
        try:
            ref = path.resolve().relative_to(root).as_posix()
        except ValueError:
            ref = None
        if ref is not None and path.suffix.lower() in (".md", ".markdown") and path.is_file():
            files.add(ref)
        else:
            rest.append(d)
    return frozenset(files), rest


def source_ref(card: Card, root: Path) -> str:
    """The card's file as its Source field names it: relative to the sources' root."""
    return _relative(card.span.path, root, os.getcwd())


@functools.lru_cache(maxsize=4096)
def _relative(path: str, root: Path, cwd: str) -> str:
    # per file, not per card: resolving asks the file system about every folder on the way (and
    # `path` is relative to the working folder, hence it in the key)
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def _last_build(lock_file: Path, package: Path) -> tuple[Lock, str]:
    """The last build's notes: from the lock, or, when it is missing, from the package it wrote
    (so a lost lock does not make every note 'new' while Anki would update them)."""
    if lock_file.exists():
        return read_lock(lock_file), "lock"
    from ankigen.anki.apkg import lock_from_package

    rebuilt = lock_from_package(package)
    if rebuilt is None:
        return Lock(), "none"
    return replace(rebuilt, package=_package_ref(package, lock_file)), "package"


class _Background:
    """The PDF, typeset in a thread while the claims are checked: Typst lets go of the GIL."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.thread: threading.Thread | None = None
        self.value = None
        self.error: BaseException | None = None
        self.stopping = threading.Event()

    def __enter__(self) -> _Background:
        return self

    def __exit__(self, *exc) -> None:
        # No Typst job outlives its build: the PDF's temporary folder is gone when build() returns.
        self._stop()

    def _stop(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            self.stopping.set()
            with stage("pdf (stopping)"):
                self.thread.join()
        self.thread, self.value, self.error = None, None, None
        self.stopping = threading.Event()

    def start(self, job) -> None:
        """Typeset in the background; a PDF already under way is stopped first."""
        if not self.wanted:
            return
        self._stop()
        stopping = self.stopping

        def run() -> None:
            try:
                self.value = job(stopping)
            except BaseException as exc:  # noqa: BLE001 — handed to the main thread by result()
                self.error = exc

        # A daemon thread: a second Ctrl-C, while the build waits for the current Typst job, still exits.
        self.thread = threading.Thread(target=run, name="ankigen-pdf", daemon=True)
        self.thread.start()

    def done(self) -> bool:
        """No PDF is being typeset (none was wanted, or it is finished)."""
        return self.thread is None or not self.thread.is_alive()

    def result(self):
        if self.thread is None:
            return None
        with stage("pdf (waiting)"), progress(0, "typesetting the PDF"):
            self.thread.join()
        if self.error is not None:
            raise self.error
        return self.value


def _pdf_job(cards: list[Card], config: Config, now: int):
    from ankigen.pdf.chunks import PdfError
    from ankigen.pdf.layout import render_pdf
    from ankigen.pdf.options import PdfOptions, font_place, parse_grid

    def job(stopping: threading.Event) -> tuple[bytes | None, Sink]:
        sink = Sink()
        cols, rows = parse_grid(config.cards_per_page)
        opts = PdfOptions(config.paper, cols, rows, config.pdf_font, font_place(config),
                          deck_language(config.language, cards))
        cache = config.resolve(config.cache) if config.cache else None
        with stage("pdf"):
            try:
                return render_pdf(cards, config.root_deck, opts, now, sink, cache, stopping), sink
            except PdfError as exc:
                sink.error(Span(config.root_deck, 1, 1), "O020", f"the PDF could not be typeset: {exc}",
                           hint="build with --no-pdf to get the Anki deck meanwhile; please report this")
                return None, sink
    return job


def _write_outputs(targets: list[Path], notes: list[Note], media: tuple, type_mtimes: dict[str, int],
                   pdf: _Background, sink: Sink, lock: tuple[Path, str]) -> list[Path]:
    """The outputs, written as one set: each to a temporary file, then all renamed into place
    (run/output.py), so a failed or interrupted build leaves the previous set. The PDF stands
    alone: when it cannot be typeset, the .apkg and the lock are still written and the previous
    PDF is left as it was. `media`: the cards' files, and those of notes carried over from the
    last package. The lock is written only when it changed (it is committed with the sources)."""
    from ankigen.anki.apkg import write_apkg

    lock_file, lock = lock
    sweep(targets[0].parent, [t.name for t in targets])
    sweep(lock_file.parent, [lock_file.name])  # the lock's, left by a build killed while renaming
    # The package is written while Typst finishes the PDF (it is most of an edit's wait), and
    # joins the set only once the PDF is in.
    with beside(targets[0]) as package:
        with stage("apkg"):
            write_apkg(package, notes, media[0], type_mtimes, media[1])
        data = None
        if len(targets) > 1:
            data, pdf_sink = pdf.result()
            sink.items.extend(pdf_sink.items)
        written = targets[:1] + (targets[1:] if data is not None else [])
        lock_changed = not lock_file.exists() or lock_file.read_text(encoding="utf-8") != lock
        with staged(written + ([lock_file] if lock_changed else [])) as temps:
            os.replace(package, temps[0])
            if data is not None:
                temps[1].write_bytes(data)
            if lock_changed:
                temps[-1].write_text(lock, encoding="utf-8")
    return written