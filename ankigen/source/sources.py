"""Finding the Markdown sources and decoding them."""

from __future__ import annotations

import re
from pathlib import Path

from ankigen.diagnostics import Sink
from ankigen.model import SourceFile, Span


def discover(root: Path) -> list[Path]:
    """Every `*.md` below root, recursively, in sorted path order; hidden folders are skipped."""
    if root.is_file():
        return [root]
    found = []
    for path in root.rglob("*.md"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def decode(path: Path, root: Path, data: bytes, sink: Sink) -> SourceFile | None:
    """UTF-8 text with the BOM dropped and line ends made `\\n`; None (and an error) if not UTF-8."""
    rel = display_path(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        sink.error(
            Span(rel, line, col),
            "S001",
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            hint="save the file as UTF-8 (most editors: 'Save with encoding' → UTF-8)",
        )
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _drop_controls(text, rel, sink)
    return SourceFile(path=path, rel=rel, root=root, text=text)


# C0 and C1 control characters but tab and newline: invisible in an editor, refused by Anki's
# fields as XML and by the PDF's fonts, so a stray one (copied from a PDF, say) is dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(ch: str) -> str:
    """A control character as a reader can see it: ␂ for U+0002 (Unicode's control pictures)."""
    code = ord(ch)
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def _drop_controls(text: str, rel: str, sink: Sink) -> str:
    """The text without control characters; a warning per line that had some, at the first."""
    lines = text.split("\n")
    for n, line in enumerate(lines, start=1):
        found = _CONTROL.search(line)
        if found is None:
            continue
        names = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in _CONTROL.findall(line)))
        sink.warning(Span(rel, n, found.start() + 1), "S004", f"control character {names} dropped",
                     hint="it is invisible in most editors; delete it there to silence this warning",
                     source_line=_CONTROL.sub(lambda m: _visible(m.group()), line))
        lines[n - 1] = _CONTROL.sub("", line)
    return "\n".join(lines)


MAX_FILE_BYTES = 64 * 2**20
_CARD_HEADING = re.compile(r"^ {0,3}##(?:[ \t]|$)", re.M)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)


def card_lines(text: str) -> list[int]:
    """Line numbers of the '## ' headings outside code fences: the cards, closely enough to
    bound a build before any Markdown is parsed."""
    fences = [(m.start(), m.group(1)) for m in _FENCE.finditer(text)]
    inside: list[tuple[int, int]] = []
    opened: tuple[int, str] | None = None
    for at, mark in fences:
        if opened is None:
            opened = (at, mark)
        elif mark[0] == opened[1][0] and len(mark) >= len(opened[1]):
            inside.append((opened[0], at))
            opened = None
    if opened is not None:
        inside.append((opened[0], len(text)))
    lines, k, line, at = [], 0, 1, 0
    for m in _CARD_HEADING.finditer(text):
        while k < len(inside) and inside[k][1] < m.start():
            k += 1
        if k < len(inside) and inside[k][0] <= m.start():
            continue
        line += text.count("\n", at, m.start())
        at = m.start()
        lines.append(line)
    return lines


def read_sources(root: Path, sink: Sink, max_cards: int | None = None) -> list[SourceFile]:
    """Read and decode every source below root. Past max_cards cards (or a file past 64 MB) the
    reading stops with an error and nothing is returned: the build must not start."""
    sources, count = [], 0
    for path in discover(root):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                sink.error(Span(display_path(path), 1, 1), "S003",
                           f"file is larger than {MAX_FILE_BYTES / 2**20:g} MB, so it is not read",
                           hint="split it into several files (one per topic reads better too)")
                return []
            data = path.read_bytes()
        except OSError as exc:
            sink.error(Span(display_path(path), 1, 1), "S002", f"cannot read file: {exc.strerror}")
            continue
        source = decode(path, root, data, sink)
        if source is None:
            continue
        sources.append(source)
        if max_cards is not None:
            lines = card_lines(source.text)
            if count + len(lines) > max_cards:
                sink.error(Span(source.rel, lines[max_cards - count], 1), "S029",
                           f"more than {max_cards:,} cards: the build stops here",
                           hint="a build holds every card in memory (about 1.3 GB per 100,000); split the "
                                "notes into several projects, or raise max_cards in [tool.ankigen]")
                return []
            count += len(lines)
    return sources
