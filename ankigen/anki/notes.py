"""Cards to Anki notes: fields of the note type, GUIDs and content hashes."""

from __future__ import annotations

import functools
import hashlib
import json

from ankigen.config import Config
from ankigen.anki.identity import guid_for_id, guid_for_text, note_type_id
from ankigen.model import Card, Note
from ankigen.anki.notetype import CLOZE_FIELDS, FIELDS
from ankigen.source.parse import CLOZE

# Fields whose change alone must not count as an edit: re-importing an "updated" note replaces
# the tags the learner added. Source held file:line in earlier versions; leaving it out of the hash keeps
# that change from updating every note once (renaming a file is not an edit either).
_NOT_CONTENT = {"Source"}


def fields_of(kind: str) -> tuple[str, ...]:
    """The field names of a note type, in order."""
    return CLOZE_FIELDS if kind == "cloze" else FIELDS


def guid_of(card: Card, config: Config, known: dict[str, str] | None = None) -> str:
    """known: id -> GUID from the lock, which wins (see ids.py)."""
    if card.id is not None:
        return (known or {}).get(card.id) or guid_for_id(config.id_namespace, card.id)
    # The second card of a twin pair is told apart by its place; the first keeps the plain GUID.
    return guid_for_text(config.id_namespace, card.deck, card.question + (f"\x1f{card.twin}" if card.twin else ""))


def content_hash(fields: dict[str, str], tags: tuple[str, ...], kind: str = "basic") -> str:
    """What the learner sees of a note: a changed hash means a changed note."""
    return _content_hash(tuple(fields.items()), tuple(tags), kind)


@functools.lru_cache(maxsize=1 << 15)
def _content_hash(fields: tuple[tuple[str, str], ...], tags: tuple[str, ...], kind: str) -> str:
    # kept by content: a process that builds again (`build --watch`) hashes only the notes that changed
    shown = {k: v for k, v in fields if k not in _NOT_CONTENT}
    blob = json.dumps([note_type_id(kind), shown, sorted(tags)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def make_note(card: Card, config: Config, source_ref: str, checks: str, reverse_prompt: str,
              known: dict[str, str] | None = None) -> Note:
    """The note for one card; mtime is assigned later from the lock. checks is the footer's HTML;
    reverse_prompt, in the deck's language, is shown above the reversed card's front, and its
    being there is what makes Anki add that card."""
    assert reverse_prompt or not card.reverse, "a reversed card needs its prompt"
    values = {
        "Front": card.front_html,
        "Back": card.back_html,
        "Extra": "",
        "Hint": "",
        "Reverse": reverse_prompt if card.reverse else "",
        "Checks": checks,
        "Source": source_ref,
        "Id": card.id or "",
    }
    kind = "basic"
    if CLOZE.search(card.front_html) or CLOZE.search(card.back_html):
        kind = "cloze"
        in_answer = bool(CLOZE.search(card.back_html))
        values = {
            "Text": card.front_html + ("\n" + card.back_html if in_answer else ""),
            "Back Extra": "" if in_answer else card.back_html,
            "Checks": checks,
            "Source": source_ref,
            "Id": card.id or "",
        }
    assert tuple(values) == fields_of(kind), "fields must follow the note type's order"
    return Note(
        guid=guid_of(card, config, known),
        fields=tuple(values.values()),
        tags=card.tags,
        deck=card.deck,
        content_hash=content_hash(values, card.tags, kind),
        kind=kind,
    )
