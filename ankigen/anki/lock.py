"""The build manifest (`ankigen.lock`) that keeps note mtimes honest.

Anki's default import updates a note only when the package's mtime is strictly newer than the
collection's, and equal mtimes are always skipped (ANKI_IMPORT_RULES.md §3, §7). So an unchanged
note keeps the mtime it was first built with, and a changed one gets a time newer than both the
clock and every mtime it had before — also when two builds fall in the same second.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ankigen.config import ConfigError
from ankigen.model import Note

LOCK_FORMAT = 1
# On the note of a card that left the sources: one search in Anki then finds every such card.
REMOVED_TAG = "ankigen::removed"


@dataclass(frozen=True)
class Stamp:
    hash: str
    mtime: int
    id: str = ""  # the card's id; `ankigen ids` may give one to a note built without
    deck: str = ""  # where the last build put it (not in the hash: a move changes nothing Anki applies)
    kind: str = ""  # its note type, basic or cloze ("" in a lock written before ankigen recorded it)


@dataclass(frozen=True)
class Kept:
    """A note whose card left the sources: what the last package held, so it can stay in the next."""

    id: str
    deck: str
    tags: tuple[str, ...]
    fields: tuple[str, ...]
    kind: str = "basic"


@dataclass(frozen=True)
class Lock:
    notes: dict[str, Stamp] = field(default_factory=dict)
    note_types: dict[str, Stamp] = field(default_factory=dict)
    removed: dict[str, Kept] = field(default_factory=dict)
    package: str = ""  # the package the last build wrote, relative to the lock's folder


def build_time() -> int:
    """Now, or SOURCE_DATE_EPOCH for reproducible builds."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return int(time.time())
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {raw!r}") from None
    if value < 0:
        raise ConfigError("SOURCE_DATE_EPOCH must not be negative")
    return value


def read_lock(path: Path) -> Lock:
    if not path.exists():
        return Lock()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != LOCK_FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        notes = {g: Stamp(v["hash"], int(v["mtime"]), str(v.get("id", "")), str(v.get("deck", "")),
                          str(v.get("kind", "")))
                 for g, v in data["notes"].items()}
        types = {k: Stamp(v["hash"], int(v["mtime"])) for k, v in data.get("note_types", {}).items()}
        removed = {g: Kept(v.get("id", ""), r["deck"], tuple(r["tags"]), tuple(r["fields"]), r.get("kind", "basic"))
                   for g, v in data["notes"].items() if (r := v.get("removed"))}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{path}: the build manifest is damaged ({exc}); restore it from version control, "
            "or delete it: the next build makes it again from the last package in the output folder "
            "(without that package, every note counts as new, and Anki updates the ones it has)"
        ) from None
    return Lock(notes, types, removed, str(data.get("package", "")))


def _stamp(old: Stamp | None, new_hash: str, now: int) -> Stamp:
    if old is not None and old.hash == new_hash:
        return Stamp(old.hash, old.mtime)
    floor = old.mtime + 1 if old is not None else 0
    return Stamp(new_hash, max(now, floor))


def known_guids(lock: Lock) -> dict[str, str]:
    """id -> GUID of every note built before; for a card given its id by `ankigen ids` after it
    was first built, this is the GUID made from its question, which must stay."""
    return {s.id: g for g, s in sorted(lock.notes.items()) if s.id}


def stamp_notes(notes: list[Note], lock: Lock, now: int) -> list[Note]:
    """Notes with their mtimes: kept when unchanged, strictly newer when changed."""
    return [replace(n, mtime=_stamp(lock.notes.get(n.guid), n.content_hash, now).mtime) for n in notes]


def stamp_note_type(kind: str, type_hash: str, lock: Lock, now: int) -> Stamp:
    return _stamp(lock.note_types.get(kind), type_hash, now)


def lock_text(notes: list[Note], note_types: dict[str, Stamp], removed: dict[str, Kept],
              carried: dict[str, Stamp] | None = None, package: str = "", kinds: dict[str, str] | None = None) -> str:
    """The manifest; a removed note also keeps its fields, to stay in every later package. `carried`:
    the stamps of notes this build could not package (cards with errors), kept as they were.
    `kinds`: the note type each note already has in Anki, which an import never changes."""
    # The note type is recorded so that a change between basic and cloze, which Anki's import
    # refuses, is reported even when the last package is gone.
    entries = {g: {"hash": s.hash, "mtime": s.mtime, "id": s.id, "deck": s.deck, **({"kind": s.kind} if s.kind else {})}
               for g, s in (carried or {}).items()}
    for n in sorted(notes, key=lambda n: n.guid):
        entry = {"hash": n.content_hash, "mtime": n.mtime, "id": n.fields[-1], "deck": n.deck,  # Id: every type's last field
                 "kind": (kinds or {}).get(n.guid, n.kind)}
        kept = removed.get(n.guid)
        if kept is not None:
            entry["removed"] = {"deck": kept.deck, "tags": list(kept.tags), "fields": list(kept.fields),
                                "kind": kept.kind}
        entries[n.guid] = entry
    data = {
        "format": LOCK_FORMAT,
        **({"package": package} if package else {}),
        "note_types": {k: {"hash": s.hash, "mtime": s.mtime} for k, s in sorted(note_types.items())},
        "notes": entries,
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
