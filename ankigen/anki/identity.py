"""Stable identities: note GUIDs, note-type ids and deck ids never change across builds or versions.

Every value here is part of the users' review history. Changing a formula in this module
orphans every card ever imported; the tests pin known values so that cannot pass unnoticed.
"""

from __future__ import annotations

import hashlib

# Anki keeps ids in a signed 64-bit column; genanki's own examples use 2**30..2**31.
_ID_LOW = 1 << 30
_ID_SPAN = 1 << 30


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def stable_id(*parts: str) -> int:
    """A positive id in [2**30, 2**31) derived from the parts."""
    return _ID_LOW + int.from_bytes(_digest(*parts)[:8], "big") % _ID_SPAN


def note_type_id(kind: str) -> int:
    """Id of an ankigen note type ('basic', later 'cloze'); fixed for the life of the product."""
    return stable_id("ankigen", "notetype", kind)


def deck_id(deck_name: str) -> int:
    return stable_id("ankigen", "deck", deck_name)


_GUID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"


def _base91(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, len(_GUID_ALPHABET))
        out.append(_GUID_ALPHABET[r])
    return "".join(reversed(out)) or _GUID_ALPHABET[0]


def guid_for_id(namespace: str, card_id: str) -> str:
    """GUID of a card with an explicit `{#id}`: the id alone decides, whatever the text says."""
    return _base91(_digest("ankigen", "id", namespace, card_id)[:10])


def guid_for_text(namespace: str, deck: str, question: str) -> str:
    """GUID of a card without an id: editing its question makes it a new card (check warns)."""
    return _base91(_digest("ankigen", "text", namespace, deck, question.strip())[:10])
