"""`ankigen ids`: give every card without an id a stable one, written into its heading.

A card without an id has a GUID made from its deck and question; a card with one, from the id.
So that adding an id is not a new note in Anki, the lock records the id against the GUID the
card was built with, and the build keeps using that GUID (notes.guid_of).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ankigen.config import Config
from ankigen.diagnostics import Sink
from ankigen.model import Card, SourceFile
from ankigen.run.output import edit_text, write_text_atomic

MAX_SLUG = 48
_ATTRS_AT_END = re.compile(r"\{\s*((?:\.[^\s{}]+(?:\s+|(?=\})))+)\}\s*$")  # one way to split: no backtracking


@dataclass(frozen=True)
class Assigned:
    card: Card
    id: str


def slug(question: str) -> str:
    """Lower-case words of the question joined by '-': Chinese stays, punctuation and math go."""
    text = re.sub(r"\$[^$]*\$|\\\(.*?\\\)", " ", question)  # formulas make poor ids
    text = re.sub(r"[`*_~\[\]()]", " ", text).lower()
    words = re.findall(r"[^\W_]+", text)
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > MAX_SLUG:
            break
        out = f"{out}-{w}" if out else w
    return out or "card"


def assign(cards: list[Card]) -> list[Assigned]:
    """New ids for the cards without one, unique across the deck, in source order."""
    taken = {c.id for c in cards if c.id}
    assigned = []
    for card in cards:
        if card.id:
            continue
        base = slug(card.question)
        new, n = base, 2
        while new in taken:
            new, n = f"{base}-{n}", n + 1
        taken.add(new)
        assigned.append(Assigned(card, new))
    return assigned


def _with_id(line: str, new_id: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    m = _ATTRS_AT_END.search(body)
    if m:  # `{.tag}` already there: the id joins it
        return body[:m.start()] + "{#" + new_id + " " + m.group(1).strip() + "}" + body[m.end():] + ending
    return body.rstrip() + " {#" + new_id + "}" + ending


def write_ids(sources: list[SourceFile], assigned: list[Assigned]) -> list[Path]:
    """Rewrite the headings in place (atomically, keeping BOM and line ends); the files changed."""
    by_rel = {s.rel: s for s in sources}
    by_file: dict[str, list[Assigned]] = {}
    for a in assigned:
        by_file.setdefault(a.card.span.path, []).append(a)
    changed = []
    for rel, items in by_file.items():
        path = by_rel[rel].path
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode("utf-8-sig").splitlines(keepends=True)
        for a in items:
            lines[a.card.span.line - 1] = _with_id(lines[a.card.span.line - 1], a.id)
        edit_text(path, ("\ufeff" if bom else "") + "".join(lines), newline="")
        changed.append(path)
    return changed


def adopt(lock_file: Path, assigned: list[Assigned], config: Config) -> int:
    """Record each new id against the GUID its card already has in the lock; how many were."""
    from ankigen.anki.notes import guid_of

    if not lock_file.exists():
        return 0
    data = json.loads(lock_file.read_text(encoding="utf-8"))
    count = 0
    for a in assigned:
        entry = data.get("notes", {}).get(guid_of(a.card, config))
        if entry is not None:
            entry["id"] = a.id
            count += 1
    if count:
        write_text_atomic(lock_file, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return count


def run_ids(src: Path, config: Config, lock_file: Path, sink: Sink, dry_run: bool = False):
    """Parse, assign and write; returns (assigned, files changed, notes adopted)."""
    from ankigen.source.parse import parse_sources
    from ankigen.source.sources import read_sources

    found = Sink()
    sources = read_sources(src, found)
    cards = parse_sources(sources, config, found)
    # Missing ids (S025) and twin questions without ids (S024) are what this command cures.
    sink.items.extend(d for d in found.items if d.code not in ("S024", "S025"))
    if sink.errors:
        return [], [], 0
    assigned = assign(cards)
    if dry_run or not assigned:
        return assigned, [], 0
    adopted = adopt(lock_file, assigned, config)  # first: a crash between the two must not lose a GUID
    return assigned, write_ids(sources, assigned), adopted
