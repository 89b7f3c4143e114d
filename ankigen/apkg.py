"""Writing the .apkg: genanki builds the collection, we set per-note mtimes and zip it reproducibly."""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
import warnings
import zipfile
from pathlib import Path

import genanki

from ankigen.identity import deck_id, note_type_id
from ankigen.lock import Kept
from ankigen.model import MediaFile, Note
from ankigen.notetype import basic_note_type, cloze_note_type

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same notes give the same bytes


def _collection(db_path: Path, notes: list[Note], note_type_mtimes: dict[str, int]) -> None:
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
    conn = sqlite3.connect(db_path)
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


def read_notes(package: Path) -> dict[str, Kept]:
    """The notes of an earlier package by GUID (empty when it is missing or unreadable)."""
    kinds = {note_type_id(k): k for k in ("basic", "cloze")}
    try:
        with tempfile.TemporaryDirectory(prefix="ankigen-") as tmp, zipfile.ZipFile(package) as z:
            db_path = Path(tmp) / "collection.anki2"
            db_path.write_bytes(z.read("collection.anki2"))
            conn = sqlite3.connect(db_path)
            try:
                decks = {int(k): v["name"] for k, v in json.loads(conn.execute("SELECT decks FROM col").fetchone()[0]).items()}
                rows = conn.execute("SELECT n.guid, n.mid, n.flds, n.tags, MIN(c.did) FROM notes n "
                                    "JOIN cards c ON c.nid = n.id GROUP BY n.id").fetchall()
            finally:
                conn.close()
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, sqlite3.Error, TypeError):
        return {}
    kept = {}
    for guid, mid, flds, tags, did in rows:
        fields = tuple(flds.split("\x1f"))
        kept[guid] = Kept(fields[-1], decks.get(did, ""), tuple(tags.split()), fields, kinds.get(mid, "basic"))
    return kept


def write_apkg(target: Path, notes: list[Note], media: list[MediaFile], note_type_mtimes: dict[str, int]) -> None:
    """Write the package to target (a temporary path the caller renames into place)."""
    with tempfile.TemporaryDirectory(prefix="ankigen-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        _collection(db_path, notes, note_type_mtimes)
        ordered = sorted({m.name: m for m in media}.values(), key=lambda m: m.name)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
            _add(z, "collection.anki2", db_path.read_bytes())
            _add(z, "media", json.dumps({str(i): m.name for i, m in enumerate(ordered)}).encode())
            for i, m in enumerate(ordered):
                _add(z, str(i), m.path.read_bytes())


def _add(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)
