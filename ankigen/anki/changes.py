"""What a build changes in Anki, compared with the last build, and the notes of removed cards.

An .apkg import cannot delete a note or move a card to another deck, but it does replace a
note's tags when the package's note is newer (ANKI_IMPORT_RULES.md). So a card that left the
sources stays in the package, tagged `ankigen::removed`, with an mtime that makes Anki take the
new tag once: one search (`tag:ankigen::removed`) then finds every such card.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ankigen.diagnostics import Sink
from ankigen.anki.lock import Kept, Lock
from ankigen.model import Note, Span
from ankigen.anki.notes import content_hash, fields_of

REMOVED_TAG = "ankigen::removed"


@dataclass(frozen=True)
class Changes:
    """Ids (or GUIDs of cards without one) by what the next import does with them."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    removed: tuple[str, ...] = ()  # left the sources since the last build: tagged now
    still_removed: int = 0  # left before; unchanged in the package

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.updated), "unchanged": self.unchanged,
                "removed": len(self.removed), "still_removed": self.still_removed}


def removed_notes(lock: Lock, notes: list[Note], previous: Path, lock_file: Path,
                  sink: Sink) -> tuple[list[Note], dict[str, Kept]]:
    """Notes for the cards in the lock that are no longer in the sources (mtimes not yet stamped)."""
    current = {n.guid for n in notes}
    gone = [g for g in lock.notes if g not in current]
    package: dict[str, Kept] | None = None
    kept: dict[str, Kept] = {}
    for guid in gone:
        k = lock.removed.get(guid)
        if k is None:
            if package is None:
                from ankigen.anki.apkg import read_notes

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


def compare(lock: Lock, notes: list[Note], kept: dict[str, Kept], names: dict[str, str] | None = None) -> Changes:
    """names: GUID -> how the report names a card of the sources (its id, or file:line without one)."""
    def name(n: Note) -> str:
        if names and n.guid in names:
            return names[n.guid]
        if n.fields[-1]:  # Id is every note type's last field
            return n.fields[-1]
        source = n.fields[fields_of(n.kind).index("Source")]
        return source or n.guid

    new, updated, unchanged, removed, still = [], [], 0, [], 0
    for n in notes:
        old = lock.notes.get(n.guid)
        if n.guid in kept:
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
    return Changes(tuple(new), tuple(updated), unchanged, tuple(removed), still)
