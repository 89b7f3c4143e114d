"""Writing the .apkg: genanki builds the collection, we set per-note mtimes and zip it reproducibly."""

from __future__ import annotations

import itertools
import json
import sqlite3
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import genanki

from ankigen.anki.identity import deck_id, note_type_id
from ankigen.anki.lock import REMOVED_TAG, Kept, Lock, Stamp
from ankigen.model import MediaFile, Note
from ankigen.run.output import scratch
from ankigen.anki.notetype import basic_note_type, basic_note_type_hash, cloze_note_type, cloze_note_type_hash

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same notes give the same bytes


def _collection(notes: list[Note], note_type_mtimes: dict[str, int]) -> bytes:
    models = {"basic": basic_note_type(), "cloze": cloze_note_type()}
    note_type_mtime = note_type_mtimes["basic"]
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
        deck.add_note(genanki.Note(model=models[note.kind], fields=list(note.fields), tags=list(note.tags),
                                   guid=note.guid))
    # Note and card ids only need to be unique inside the package; Anki matches notes by GUID.
    base = max((n.mtime for n in notes), default=note_type_mtime) * 1000
    # In memory, then zipped: no database file on disk (a full disk is an OSError of the zip, which
    # the build reports, not sqlite's "disk I/O error"), and no scratch folder to write and read back.
    conn = sqlite3.connect(":memory:")
    try:
        with warnings.catch_warnings():
            # genanki's HTML sniffing flags MathJax such as `\(a<b\)`; our HTML comes from markdown-it.
            warnings.simplefilter("ignore")
            genanki.Package(list(decks.values())).write_to_db(conn.cursor(), note_type_mtime, itertools.count(base))
        # A temporary index: without it each update scans the table, quadratic in the deck size.
        conn.execute("CREATE INDEX ankigen_guid ON notes (guid)")
        conn.executemany("UPDATE notes SET mod = ? WHERE guid = ?", [(n.mtime, n.guid) for n in notes])
        conn.execute("DROP INDEX ankigen_guid")
        _set_model_mtimes(conn, {note_type_id(k): v for k, v in note_type_mtimes.items()})
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def _set_model_mtimes(conn: sqlite3.Connection, mtimes: dict[int, int]) -> None:
    """genanki stamps every note type with one time; each of ours has its own (from the lock)."""
    row = conn.execute("SELECT models FROM col").fetchone()
    models = json.loads(row[0])
    for mid, model in models.items():
        if int(mid) in mtimes:
            model["mod"] = mtimes[int(mid)]
    conn.execute("UPDATE col SET models = ?", (json.dumps(models),))


def _read_package(package: Path) -> tuple[list[tuple], dict[int, str], dict[int, dict]] | None:
    """(rows of guid, note type id, fields, tags, mtime, deck id; deck names; note types by id) of
    an earlier package, or None when it is missing or unreadable."""
    try:
        with scratch("read") as tmp, zipfile.ZipFile(package) as z:
            db_path = tmp / "collection.anki2"
            db_path.write_bytes(z.read("collection.anki2"))
            conn = sqlite3.connect(db_path)
            try:
                decks_json, models_json = conn.execute("SELECT decks, models FROM col").fetchone()
                decks = {int(k): v["name"] for k, v in json.loads(decks_json).items()}
                types = {int(k): v for k, v in json.loads(models_json).items()}
                rows = conn.execute("SELECT n.guid, n.mid, n.flds, n.tags, n.mod, MIN(c.did) FROM notes n "
                                    "JOIN cards c ON c.nid = n.id GROUP BY n.id").fetchall()
            finally:
                conn.close()
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, sqlite3.Error, TypeError, AttributeError):
        return None
    return rows, decks, types


_KINDS = ("basic", "cloze")


def read_notes(package: Path) -> dict[str, Kept]:
    """The notes of an earlier package by GUID (empty when it is missing or unreadable)."""
    found = _read_package(package)
    if found is None:
        return {}
    rows, decks, _ = found
    kinds = {note_type_id(k): k for k in _KINDS}
    kept = {}
    for guid, mid, flds, tags, _, did in rows:
        fields = tuple(flds.split("\x1f"))
        kept[guid] = Kept(fields[-1], decks.get(did, ""), tuple(tags.split()), fields, kinds.get(mid, "basic"))
    return kept


def lock_from_package(package: Path) -> Lock | None:
    """The lock the build that wrote this package left, as far as the package tells (None if no
    package): content hashes from its fields, its mtimes, and the notes it carried as removed."""
    from ankigen.anki.notes import content_hash, fields_of

    found = _read_package(package)
    if found is None:
        return None
    rows, _, types = found
    kept = read_notes(package)
    notes, removed = {}, {}
    for guid, _, _, _, mtime, _ in rows:
        k = kept[guid]
        values = dict(zip(fields_of(k.kind), k.fields))
        notes[guid] = Stamp(content_hash(values, k.tags, k.kind), int(mtime), k.id, k.deck, k.kind)
        if REMOVED_TAG in k.tags:  # the lock keeps a removed card as it was, before the tag
            removed[guid] = replace(k, tags=tuple(t for t in k.tags if t != REMOVED_TAG))
    stamps = {}
    for kind, (model, type_hash) in _NOTE_TYPES.items():
        stored = types.get(note_type_id(kind))
        if stored is not None:  # an unknown hash counts as changed: the note type is sent again
            same = _shown(stored) == _shown(model().to_json(0, 0))
            stamps[kind] = Stamp(type_hash() if same else "", int(stored.get("mod", 0)))
    return Lock(notes, stamps, removed)


_NOTE_TYPES = {"basic": (basic_note_type, basic_note_type_hash), "cloze": (cloze_note_type, cloze_note_type_hash)}


def _shown(model: dict) -> tuple:
    """What of a note type Anki shows and matches on: name, fields, templates, style."""
    return (model.get("name"), [f.get("name") for f in model.get("flds", [])],
            [(t.get("name"), t.get("qfmt"), t.get("afmt")) for t in model.get("tmpls", [])], model.get("css"))


def carried_media(package: Path, notes: list[Note]) -> dict[str, bytes]:
    """The files of the last package that these notes (carried over from it) show, by name: a
    note kept as it was must arrive with its images, also in a collection that never had them."""
    try:
        with zipfile.ZipFile(package) as z:
            names = json.loads(z.read("media"))
            shown = "\x1f".join(f for n in notes for f in n.fields)
            return {name: z.read(number) for number, name in names.items() if name in shown}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, AttributeError):
        return {}


def write_apkg(target: Path, notes: list[Note], media: list[MediaFile], note_type_mtimes: dict[str, int],
               carried: dict[str, bytes] | None = None) -> None:
    """Write the package to target (a temporary path the caller renames into place)."""
    collection = _collection(notes, note_type_mtimes)
    files = {name: (lambda data=data: data) for name, data in (carried or {}).items()}
    files.update({m.name: m.path.read_bytes for m in media})
    ordered = sorted(files)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        _add(z, "collection.anki2", collection)
        _add(z, "media", json.dumps({str(i): name for i, name in enumerate(ordered)}).encode())
        for i, name in enumerate(ordered):
            _add(z, str(i), files[name](), packed=Path(name).suffix.lower() in _PACKED)


# Formats compressed already: deflating them again gains nothing and took seconds of a build
# with a few hundred figures.
_PACKED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".mp3", ".mp4", ".ogg", ".webm", ".m4a", ".zip"}


def _add(z: zipfile.ZipFile, name: str, data: bytes, packed: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)
