"""The note type, designed once: its fields and template names may never change.

Anki matches a re-imported note type by id and then by field and template *names*
(ANKI_IMPORT_RULES.md §4): renaming or adding one later makes every user's re-import
"conflicting" and silently drops their updates. So every field a card may ever need is here
now, even those a feature has yet to fill. Template HTML and CSS may change freely.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files

import genanki

from ankigen.anki.identity import note_type_id

NOTE_TYPE_NAME = "ankigen"
# Order matters: notes are written as a tuple in this order. Never rename, reorder or remove.
FIELDS = (
    "Front",    # the question: heading, plus any front matter written above a '---' line
    "Back",     # the answer
    "Extra",    # reserved: shown under the answer when non-empty
    "Hint",     # reserved: a tap-to-reveal hint on the front when non-empty
    "Reverse",  # non-empty makes a second, reversed card (Back → Front)
    "Checks",   # the footer's HTML: "✓ 本卡 n 处计算与推导已验算" (labels.py), and the source when card_footer asks
    "Source",   # file#id of the card in the sources (the file alone for a card without an id)
    "Id",       # the card's {#id}, empty when it has none
)
TEMPLATE_NAMES = ("Card 1", "Card 2")

CLOZE_NAME = "ankigen cloze"
# The cloze note type, designed once as well. Id is last in both types (the lock reads it there).
CLOZE_FIELDS = (
    "Text",        # the card with its {{c1::…}} deletions: heading, and the answer when it has them
    "Back Extra",  # the answer, when the deletions are all in the heading
    "Checks",
    "Source",
    "Id",
)
CLOZE_TEMPLATE_NAME = "Cloze"
_CLOZE_FILES = ("cloze_front.html", "cloze_back.html", "card.css", "code.css")


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return files("ankigen.anki").joinpath("templates", name).read_text(encoding="utf-8")


def css() -> str:
    """The note type's style: the card's, then highlighted code's (its own file, as it is generated)."""
    return _template("card.css") + "\n" + _template("code.css")


def basic_note_type_hash() -> str:
    """Changes exactly when what Anki stores of the note type changes."""
    parts = [NOTE_TYPE_NAME, *FIELDS, *TEMPLATE_NAMES, *(_template(n) for n in _TEMPLATE_FILES)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


_TEMPLATE_FILES = ("front.html", "back.html", "reverse_front.html", "reverse_back.html", "card.css", "code.css")


def cloze_note_type_hash() -> str:
    parts = [CLOZE_NAME, *CLOZE_FIELDS, CLOZE_TEMPLATE_NAME, *(_template(n) for n in _CLOZE_FILES)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def cloze_note_type() -> genanki.Model:
    return genanki.Model(
        note_type_id("cloze"),
        CLOZE_NAME,
        fields=[{"name": name, "font": "Arial", "size": 20} for name in CLOZE_FIELDS],
        templates=[{"name": CLOZE_TEMPLATE_NAME, "qfmt": _template("cloze_front.html"),
                    "afmt": _template("cloze_back.html")}],
        css=css(),
        model_type=genanki.Model.CLOZE,
        sort_field_index=0,
    )


def basic_note_type() -> genanki.Model:
    """The front/back note type, with an optional reversed card.

    A new object each call: genanki adds keys to the field and template dicts as it writes.
    """
    return genanki.Model(
        note_type_id("basic"),
        NOTE_TYPE_NAME,
        fields=[{"name": name, "font": "Arial", "size": 20} for name in FIELDS],
        templates=[
            {"name": TEMPLATE_NAMES[0], "qfmt": _template("front.html"), "afmt": _template("back.html")},
            {"name": TEMPLATE_NAMES[1], "qfmt": _template("reverse_front.html"),
             "afmt": _template("reverse_back.html")},
        ],
        css=css(),
        sort_field_index=0,
    )
