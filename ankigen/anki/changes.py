"""What a build changes in Anki, compared with the last build: the notes of removed cards, and of
cards with errors, which the package carries as the last build left them.

An .apkg import cannot delete a note or move a card to another deck, but it does replace a
note's tags when the package's note is newer (ANKI_IMPORT_RULES.md). So a card that left the
sources stays in the package, tagged `ankigen::removed`, with an mtime that makes Anki take the
new tag once: one search (`tag:ankigen::removed`) then finds every such card. A card with an
error goes into the package as its last good version, unchanged: same fields, same mtime, so an
import leaves it and its review history exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ankigen.diagnostics import Sink
from ankigen.anki.lock import REMOVED_TAG, Kept, Lock, Stamp
from ankigen.model import Note, Span


# genanki and markdown-it come with these: imported when used, not by a build that is up to date
def read_notes(previous: Path):
    from ankigen.anki.apkg import read_notes as read

    return read(previous)


def fields_of(kind: str) -> tuple[str, ...]:
    from ankigen.anki.notes import fields_of as fields

    return fields(kind)


def content_hash(fields: dict[str, str], tags, kind: str = "basic") -> str:
    from ankigen.anki.notes import content_hash as digest

    return digest(fields, tags, kind)


@dataclass(frozen=True)
class Changes:
    """Ids (or GUIDs of cards without one) by what the next import does with them."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    removed: tuple[str, ...] = ()  # left the sources since the last build: tagged now
    still_removed: int = 0  # left before; unchanged in the package
    kept_as_built: tuple[str, ...] = ()  # cards with errors: their last good notes, unchanged
    left_out: tuple[str, ...] = ()  # cards with errors that no earlier package holds
    conflicting: tuple[str, ...] = ()  # changed between basic and cloze: an import skips them (B003)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.updated), "unchanged": self.unchanged,
                "removed": len(self.removed), "still_removed": self.still_removed,
                "kept_as_built": len(self.kept_as_built), "left_out": len(self.left_out),
                "conflicting": len(self.conflicting)}


@dataclass(frozen=True)
class Broken:
    """What this build's errors touch: the notes of the cards with errors (GUID -> how the report
    names the card), and the files with errors, as the Source field names them, since an error
    in a file may hide a card that only looks removed."""

    cards: dict[str, str] = field(default_factory=dict)
    files: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Held:
    """Last good notes carried into this build's package, and what no package held."""

    notes: list[Note] = field(default_factory=list)
    stamps: dict[str, Stamp] = field(default_factory=dict)  # carried in the lock only
    left_out: list[str] = field(default_factory=list)


def held_notes(lock: Lock, notes: list[Note], broken: Broken, previous: Path) -> Held:
    """The notes the last package holds for the cards with errors, and for cards of a file with
    errors that are gone from this build's notes (a card an error hides is not removed)."""
    current = {n.guid for n in notes}
    hidden = [g for g in lock.notes if g not in current and g not in lock.removed and g not in broken.cards]
    wanted = [g for g in broken.cards if g not in current] + hidden
    if not wanted or not (broken.cards or broken.files):
        return Held()
    package = read_notes(previous)
    held = Held()
    for guid in wanted:
        k = package.get(guid)
        if guid in broken.cards or (k is None and broken.files) or (k is not None and _file_of(k) in broken.files):
            if k is not None and len(k.fields) == len(fields_of(k.kind)):
                values = dict(zip(fields_of(k.kind), k.fields))
                held.notes.append(Note(guid, k.fields, k.tags, k.deck, content_hash(values, k.tags, k.kind),
                                       kind=k.kind))
            elif guid in lock.notes:
                held.stamps[guid] = lock.notes[guid]
            if guid in broken.cards and k is None:
                held.left_out.append(broken.cards[guid])
    return held


def _file_of(k: Kept) -> str:
    return k.fields[fields_of(k.kind).index("Source")].split("#")[0]


def removed_notes(lock: Lock, notes: list[Note], previous: Path, lock_file: Path,
                  sink: Sink, held: Held = Held()) -> tuple[list[Note], dict[str, Kept]]:
    """Notes for the cards in the lock that are no longer in the sources (mtimes not yet stamped);
    `notes` includes the held ones, and a note whose stamp is held is not removed either."""
    current = {n.guid for n in notes} | set(held.stamps)
    gone = [g for g in lock.notes if g not in current]
    package: dict[str, Kept] | None = None
    kept: dict[str, Kept] = {}
    for guid in gone:
        k = lock.removed.get(guid)
        if k is None:
            if package is None:
                package = read_notes(previous)
            k = package.get(guid)
        if k is None or len(k.fields) != len(fields_of(k.kind)):
            card = f"'{lock.notes[guid].id}'" if lock.notes[guid].id else f"without an id (GUID {guid})"
            sink.warning(Span(str(lock_file), 1, 1), "B001",
                         f"a card left the sources ({card}), but the last package does not hold it, so "
                         f"it cannot be tagged {REMOVED_TAG}",
                         hint=f"keep {previous} between builds; in Anki the note stays as it was")
            continue
        kept[guid] = k
    out = []
    for guid, k in kept.items():
        tags = tuple(sorted(set(k.tags) | {REMOVED_TAG}))
        values = dict(zip(fields_of(k.kind), k.fields))
        out.append(Note(guid, k.fields, tags, k.deck, content_hash(values, tags, k.kind), kind=k.kind))
    return out, kept


def compare(lock: Lock, notes: list[Note], kept: dict[str, Kept], names: dict[str, str] | None = None,
            held: Held = Held()) -> Changes:
    """names: GUID -> how the report names a card of the sources (its id, or file:line without one)."""
    as_built = {n.guid for n in held.notes}
    def name(n: Note) -> str:
        if names and n.guid in names:
            return names[n.guid]
        if n.fields[-1]:  # Id is every note type's last field
            return n.fields[-1]
        source = n.fields[fields_of(n.kind).index("Source")]
        return source or n.guid

    new, updated, unchanged, removed, still, kept_as_built = [], [], 0, [], 0, []
    for n in notes:
        old = lock.notes.get(n.guid)
        if n.guid in as_built:
            kept_as_built.append(name(n))
        elif n.guid in kept:
            if n.guid in lock.removed and old is not None and old.hash == n.content_hash:
                still += 1
            else:
                removed.append(name(n))
        elif old is None:
            new.append(name(n))
        elif old.hash != n.content_hash:
            updated.append(name(n))
        else:
            unchanged += 1
    return Changes(tuple(new), tuple(updated), unchanged, tuple(removed), still, tuple(kept_as_built),
                   tuple(held.left_out))


def anki_kinds(lock: Lock, notes: list[Note], previous: Path) -> dict[str, str]:
    """GUID -> the note type the note has in Anki: the one it was first built with, since an import
    never changes it. The lock records it; a lock written before it did leaves the last package to say."""
    kinds = {g: s.kind for g, s in lock.notes.items() if s.kind}
    unknown = [n for n in notes if n.guid in lock.notes and n.guid not in kinds]
    package = read_notes(previous) if unknown else {}
    for n in unknown:
        k = package.get(n.guid)
        kinds[n.guid] = k.kind if k is not None and REMOVED_TAG not in k.tags else n.kind
    return kinds


def import_surprises(lock: Lock, notes: list[Note], kinds: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(GUID, code, message, hint) for each note an import will not take as the report says: Anki
    cannot change a note's type (basic ↔ cloze: it skips the note as conflicting on every import,
    so the edit never arrives), and never moves a card to another deck (said once: the learner
    moves it in Anki). `kinds`: anki_kinds()."""
    found = []
    for n in notes:
        old = lock.notes.get(n.guid)
        if old is not None and old.deck and old.deck != n.deck and n.guid not in lock.removed:
            found.append((n.guid, "B004", f"this card moved from deck '{old.deck}' to '{n.deck}': an import "
                          "never moves cards between decks, so in Anki it stays in "
                          f"'{old.deck}'", "move it once in Anki's browser (Change Deck)"))
    for n in notes:
        was = kinds.get(n.guid, n.kind)
        if was != n.kind:
            found.append((n.guid, "B003", f"this card changed from {was} to {n.kind}: Anki cannot change a "
                          "note's type on import, so it will skip this note as conflicting and the edit "
                          "will not arrive",
                          f"keep it {was}, or give it a new id: it then becomes a new note, and the old one "
                          f"is tagged {REMOVED_TAG} with its history"))
    return found
