"""The printable PDF: a study sheet, then duplex cut-out cards, typeset with Typst.

Typst compiles a thousand cards in seconds (WeasyPrint took a minute). Formulas are translated
to Typst math (texmath.py); the few it does not know are drawn once each as SVG by ziamath
(drawing.py) from the same LaTeX the Anki cards use. Big decks are typeset in chunks (chunks.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ankigen import code_digest
from ankigen.run.cores import cores
from ankigen.run.output import scratch
from ankigen.diagnostics import Sink
from ankigen.labels import LABELS
from ankigen.source.markdown import clozes, shown_math
from ankigen.source.mathfit import rows, width
from ankigen.model import Card
from ankigen.source.parse import CLOZE
from ankigen.pdf.drawing import DRAW_SIZE, FormulaDrawer
from ankigen.pdf.chunks import (PAGE_LINK, Part, PdfError, Refusal, Typesetter, blame, outline, split,
                                start_pages)
from ankigen.pdf.fonts import check_fonts
from ankigen.pdf.join import merge
from ankigen.pdf.worker import installed_fonts
from ankigen.pdf.images import Budget, place
from ankigen.pdf.measure import (SIZES_PT, Frame, MeasureCache, SideFit, digest, entry_starts, measure_source,
                                 read_answers)
from ankigen.pdf.markup import FILLED_CLOSE, FILLED_MATH_OPEN, FILLED_OPEN, Split, escape, inline, string, to_split_blocks
from ankigen.pdf.options import PAPERS, PdfOptions
from ankigen.pdf.texmath import to_typst

MIN_SIZE_PT = SIZES_PT[-1]
CARD_MARGIN_MM = 10.0
CELL_INSET_MM = 4.5
CONTINUATION_RESERVE_PT = 12.0
ROWS_FROM = 0.85  # a display formula is shrunk to at most this, and not below MIN_SIZE_PT, before it breaks into rows
BLOCK_GAP_EM = 0.65


def _cell_inner_mm(opts: PdfOptions) -> tuple[float, float]:
    _, width, height = PAPERS[opts.paper]
    cell_w = (width - 2 * CARD_MARGIN_MM) / opts.cols
    cell_h = (height - 2 * CARD_MARGIN_MM) / opts.rows
    return cell_w - 2 * CELL_INSET_MM, cell_h - 2 * CELL_INSET_MM


_PREAMBLE = """
#set document(title: {title}, author: "ankigen")
#set text(font: ("Libertinus Serif", {font}), size: 10.5pt, {lang})
#set par(spacing: {gap}em, leading: 0.6em, justify: false)
#set block(spacing: {gap}em)
#show raw: set text(font: ("DejaVu Sans Mono", "Noto Sans Mono CJK SC", {font}), size: 1.25em)
#let opt(letter, body) = body
#let optkey(letter, body) = highlight(fill: rgb("#d3ecd3"), extent: 1.5pt, [#body ✓])
#let code-block(body) = block(fill: luma(244), inset: 5pt, radius: 2pt, width: 100%, body)
#let quote-block(body) = block(inset: (left: 7pt), stroke: (left: 1.5pt + luma(170)), body)
#show math.equation: set text(font: ("New Computer Modern Math", {font}))
#let mi(name, w, d) = box(baseline: d / {draw} * 1em, image(name, width: w / {draw} * 1em))
#let md(name, w) = layout(size => context {{
  let natural = w / {draw} * text.size
  align(center, image(name, width: calc.min(natural, size.width)))
}})
#let img(path) = layout(size => {{
  let natural = measure(image(path))
  image(path, width: calc.min(natural.width, size.width, natural.width * (size.height / natural.height)))
}})
"""

STUDY_MARGIN_X_MM = 18
# the numbers must sit where the study pages expect them
STUDY_MARGIN = f"(x: {STUDY_MARGIN_X_MM}mm, top: 22mm, bottom: 20mm)"

# The study sheet's pages. Page numbers are laid over them when the chunks are joined (no chunk
# knows on which page it starts); _NUMBERS draws them with the same margins.
_STUDY_PAGE = """
#set page(paper: {paper}, margin: {margin}, footer: none,
  header: [#set text(8pt, fill: luma(110)); {title_text}])
"""

_NUMBERS = """
#set page(paper: {paper}, margin: {margin}, header: none,
  footer: context [#set text(8pt, fill: luma(110)); #h(1fr) #counter(page).display() #h(1fr)])
#set text(font: ("Libertinus Serif", {font}))
#for i in range({count} - 1) {{ pagebreak() }}
"""

_FRONT = """
#set page(paper: {paper}, margin: {margin}, header: none, footer: none)
#align(center)[#v(3cm) #text(24pt, weight: "bold")[{title_text}] \\ #v(4mm) #text(11pt)[{subtitle}] \\ #text(9pt, fill: luma(110))[{date}]]
#pagebreak()
#text(16pt, weight: "bold")[{contents}]
#v(4mm)
#let toc-line(name, page) = block(spacing: 0.7em, link("{link}" + str(page))[#name #box(width: 1fr, repeat(gap: 0.2em)[.]) #page])
"""

_STUDY_CARD = """
#let study-card(id, q, front, answer) = block(breakable: true, below: 1.4em, width: 100%)[
  #text(weight: "bold", size: 11pt)[#q]
  #if front != [] { block(width: 100%, front) }
  #block(width: 100%, inset: (left: 1em), answer)
  #align(right, text(6.5pt, fill: luma(130), raw(id)))
]
"""

# How to print the cards, in the top margin of their first page (a page of its own would need a
# blank page after it, so that the fronts stay on odd pages).
_INTRO = """
#place(top + left, dy: -{lift}mm, block(width: 100%, text(7.5pt, fill: luma(90))[#strong[{heading}.] {text}]))
"""

_CARDS = """
#set page(paper: {paper}, margin: {margin}mm, header: none, footer: none)
#let fit(body) = layout(size => {{
  for s in (14pt, 13pt, 12pt, 11pt, 10pt, 9pt, 8pt, {min}pt) {{
    if measure(block(width: size.width, text(size: s, body))).height <= size.height {{
      return text(size: s, body)
    }}
  }}
  let h = measure(block(width: size.width, text(size: {min}pt, body))).height
  let f = size.height / h
  scale(f * 100%, reflow: true, origin: top + left, block(width: size.width / f, text(size: {min}pt, body)))
}})
#let cell(id, size, body) = box(width: {cw}mm, height: {ch}mm, stroke: (paint: luma(150), thickness: 0.4pt, dash: "dashed"),
  inset: {inset}mm)[
  #if size == none {{ fit(body) }} else {{ text(size: size * 1pt, body) }}
  #place(bottom + right, dx: {inset_half}mm, dy: {inset_half}mm, text(5.5pt, fill: luma(120), raw(id)))
]
#let card-page(cells) = grid(columns: {cols}, rows: {rows}, gutter: 0pt, ..cells)
"""


def _date(build_time: int) -> str:
    return dt.datetime.fromtimestamp(build_time, dt.timezone.utc).strftime("%Y-%m-%d")


def _formula_span(card: Card, latex: str):
    """Where the card writes this formula (a display formula, or an inline equation); the card's
    heading when it is neither."""
    wanted = " ".join(latex.split())
    for f in (*card.formulas, *card.inline):
        if " ".join(shown_math(f.latex).split()) == wanted:
            return f.span
    return card.span


@dataclass(frozen=True)
class _Marked:
    """A card in Typst markup, with the formulas it uses and what became of those Typst could not take."""

    question: str
    extra: tuple[str, ...]
    back: tuple[str, ...]
    formulas: dict[str, str]  # its display formulas, by key (they are measured)
    natives: dict[str, str]  # every translated formula it uses, by key (they are validated)
    notes: tuple[tuple[str, str, str], ...] = ()  # (code, message, LaTeX) of each formula shown another way
    splits: tuple[tuple[int, Split], ...] = ()  # how the answer's long blocks divide (markup.Split)
    whole: int = 0  # the answer's length in characters when only its head was translated (_head)


class _Renderer:
    """Turns cards into Typst markup, collecting formula drawings and images in one folder. Each
    formula is Typst math when Typst takes its translation, else a drawing, else its LaTeX source."""

    def __init__(self, folder: Path, drawer: FormulaDrawer, sink: Sink, ts: Typesetter,
                 image_cache: Path | None = None, rows_limit: float | None = None, widest_pt: float = 0.0) -> None:
        self.folder = folder
        self.ts = ts  # tries the images
        self.rows_limit = rows_limit  # in em: what a cut-out card holds at the smallest size
        self.drawer = drawer
        self.sink = sink
        self.image_cache = image_cache  # images scaled to what a page prints, by content
        self.widest_pt = widest_pt  # the widest text an image stands in: the study sheet's
        self.images: dict[Path, str] = {}  # source path -> name in the folder ('' if unusable)
        self.refused_images: dict[Path, str] = {}  # Typst's message, until a card shows the image
        self.pixels: dict[str, int] = {}  # an image's name as markup writes it -> its pixels
        self.formulas: dict[str, str] = {}  # digest -> Typst display equation
        self.natives: dict[str, str] = {}  # digest -> every translation used, inline ones too
        self.rejected: set[str] = set()  # digests of the translations Typst refused
        self.memo_used: set[str] = set()
        self._used: dict[str, str] = {}  # of the card being rendered
        self._notes: dict[tuple[str, str, str], None] = {}
        self._drew = False

    def math(self, latex: str, display: bool) -> str:
        latex = shown_math(latex)
        native = to_typst(latex, display)
        refused = native is not None and digest(native) in self.rejected
        if native is not None and not refused:
            key = digest(native)
            self._used[key] = native
            if display:
                self.formulas[key] = native
                rows = self._rows(latex)
                if rows is not None:
                    return f'#dm("{key}", alt: "{rows[0]}", rows: [{rows[1]}])[{native}]'
                return f'#dm("{key}")[{native}]'
            return native
        drawing = self.drawer.draw(latex, display)
        self._drew = True
        shown = latex.strip().replace("\n", " ")[:80]
        if drawing is None:  # ziamath could not draw it either: show the source rather than nothing
            why = ("Typst refused its translation, and " if refused else "") + self.drawer.problem(latex, display)
            self._notes[("O004", f"formula printed as LaTeX source ({why}): {shown}", latex)] = None
            return f"#raw({string(latex)}, block: {'true' if display else 'false'})"
        if refused:
            self._notes[("O021", f"Typst refused the translation of a formula; it is drawn as an image: {shown}",
                         latex)] = None
        if display:
            return f"#md({string(drawing.name)}, {drawing.width:.3f})"
        return f"#mi({string(drawing.name)}, {drawing.width:.3f}, {drawing.depth:.3f})"

    def _rows(self, latex: str) -> tuple[str, str] | None:
        """The key and Typst math of the formula broken into aligned rows at its relation signs,
        for a cell too narrow for it at the smallest size (dm() chooses); None when it cannot break."""
        if self.rows_limit is None or width(latex) <= self.rows_limit * ROWS_FROM:
            return None
        broken = rows(latex, self.rows_limit * 0.9)  # mathfit measures as MathJax does, roughly
        native = to_typst(broken[0], True) if broken is not None else None
        if native is None or digest(native) in self.rejected:
            return None
        key = digest(native)
        self._used[key] = self.formulas[key] = native
        return key, native

    def side(self, card: Card, md_text: str) -> list[str]:
        return self.split_side(card, md_text)[0]

    def split_side(self, card: Card, md_text: str) -> tuple[list[str], dict[int, Split]]:
        return to_split_blocks(md_text, self.math, self._image_for(card))

    def place_images(self, cards: list[Card]) -> None:
        """Every image the cards pack, placed in the Typst folder, and those Typst cannot decode
        found (one bad file would otherwise fail the whole document). Typst tries each in its
        worker processes: tried here, each decoded image stayed in this process's memory (a deck
        of 464 images: 700 MB)."""
        todo: dict[Path, str] = {}
        for card in cards:
            for media in card.media:
                if media.path not in self.images and media.path not in todo:
                    todo[media.path] = f"media-{media.name}"
        # Pillow decodes, scales and encodes outside the interpreter's lock: every core scales
        # (283 course figures of 1.7 gigapixels: 55 s of a cold build in one thread).
        budget = Budget()
        with ThreadPoolExecutor(max(1, min(cores(), len(todo)))) as pool:
            list(pool.map(lambda item: place(item[0], self.folder / item[1], self.image_cache, self.widest_pt, budget),
                          todo.items()))
        if todo:
            _give_back_memory()
        refusals = self.ts.checks([f"#image({string(n)})" for n in todo.values()])
        for (path, name), refused in zip(todo.items(), refusals):
            self.images[path] = name if refused is None else ""
            if refused is not None:
                self.refused_images[path] = refused.message
            else:
                self.pixels[string(name)] = _pixels(self.folder / name)

    def pixels_of(self, markup: str) -> int:
        """The pixels of the images the markup shows: what Typst decodes to typeset it."""
        return sum(self.pixels.get(name, 0) for name in _IMG.findall(markup)) if "#img(" in markup else 0

    def _usable_image(self, media, card: Card) -> str | None:
        """The image's name in the Typst folder, or None when Typst cannot decode it."""
        if media.path not in self.images:
            self.place_images([replace(card, media=(media,))])
        message = self.refused_images.pop(media.path, None)
        if message is not None:  # said once, at the first card that shows it
            self.sink.warning(card.span, "O005", f"image cannot be drawn in the PDF: {media.path.name}",
                              hint=f"Typst says: {message.splitlines()[0][:160] if message else ''}")
        return self.images[media.path] or None

    def card(self, card: Card, memo: dict[str, list]) -> _Marked:
        """A card in markup; memo keeps it for the next build."""
        if CLOZE.search(card.question + card.front_extra_md + card.back_md):
            card = _cloze_sides(card)
        whole = len(card.back_md) if len(card.back_md) > STUDY_MAX else 0
        if whole:
            card = replace(card, back_md=_head(card.back_md, STUDY_MAX))
        key = digest(f"{card.question}\x1e{card.front_extra_md}\x1e{card.back_md}")
        self.memo_used.add(key)
        kept = memo.get(key) if not card.media and not whole else None  # images must be copied into the folder
        if kept is not None and not set(kept[4]) & self.rejected:
            q, extra, back, formulas, natives, splits = kept
            self.formulas.update(formulas)
            self.natives.update(natives)
            return _Marked(q, tuple(extra), tuple(back), formulas, natives,
                           splits=tuple((int(i), Split(a, tuple(p), j, z)) for i, a, p, j, z in splits))
        self._used, self._notes, self._drew = {}, {}, False
        q = self.question(card)
        extra = self.side(card, card.front_extra_md) if card.front_extra_md else []
        back, splits = self.split_side(card, card.back_md)
        formulas = {k: self.formulas[k] for k in _DM_KEY.findall("".join([q, *extra, *back]))}
        natives = dict(self._used)
        self.natives.update(natives)
        # Drawings must be written into this build's folder, and their warnings given every build:
        # a card with one is rendered afresh each time.
        if not card.media and not self._drew and not whole:
            memo[key] = [q, extra, back, formulas, natives,
                         [[i, sp.prefix, list(sp.parts), sp.joiner, sp.suffix] for i, sp in splits.items()]]
        else:
            memo.pop(key, None)
        return _Marked(q, tuple(extra), tuple(back), formulas, natives, tuple(self._notes), tuple(splits.items()),
                       whole)

    def question(self, card: Card) -> str:
        return inline(card.question, self.math, self._image_for(card))

    def _image_for(self, card: Card):
        """Image sources of the card's Markdown, resolved as the parse stage did (confined, packed)."""
        folder = Path(card.span.path).parent
        packed = {m.path: m for m in card.media}

        def image(src: str) -> str:
            try:
                media = packed.get((folder / unquote(urlsplit(src).path).replace("\\", "/")).resolve())
            except (OSError, ValueError):
                media = None
            if media is None and "/" not in src:  # an Obsidian embed, found by its name (media.py)
                media = next((m for m in card.media if m.path.name.lower() == src.lower()), None)
            name = self._usable_image(media, card) if media is not None else None
            return f"#img({string(name)})" if name else escape(f"[{src}]")

        return image


_MATH_SPAN = re.compile(r"\$\$[\s\S]*?\$\$|\$[^$\n]+\$")
_IMG = re.compile(r'#img\(("(?:[^"\\]|\\.)*")\)')


def _pixels(path: Path) -> int:
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.width * img.height
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return 0  # not one Pillow reads: Typst did, and its cost is not known


def _cloze_sides(card: Card) -> Card:
    """On paper a cloze card shows its deletions as [hint] or […] in front, filled in on the back."""
    def each(text: str, as_written) -> str:
        out, at = [], 0
        for start, end, _, body, hint in clozes(text):  # a deletion ends where its braces close
            out += [text[at:start], as_written(body, hint, start)]
            at = end
        return "".join(out) + text[at:]

    def hidden(text: str) -> str:
        return each(text, lambda body, hint, start: f"[{hint or '…'}]")

    def marked(text: str) -> str:  # the filled-in words marked, except inside a formula
        maths = [m.span() for m in _MATH_SPAN.finditer(text)]

        def fill(body: str, hint, start: int) -> str:
            if any(a < start < b for a, b in maths):
                return body
            return f"{FILLED_MATH_OPEN if '$' in body else FILLED_OPEN}{body}{FILLED_CLOSE}"

        return each(text, fill)

    filled = f"**{marked(card.question)}**\n\n{marked(card.front_extra_md)}\n\n{marked(card.back_md)}"
    # Deletions in the answer make the whole card the question, as in Anki's `Text` field.
    front = card.front_extra_md + (f"\n\n{card.back_md}" if CLOZE.search(card.back_md) else "")
    return replace(card, question=hidden(card.question), front_extra_md=hidden(front), back_md=filled)


_OPT = re.compile(r'#opt\("([A-H])"\)\[')


_KEY = re.compile(r"ag-key-([A-H])")


def _answer_key(card: Card) -> list[str]:
    """The letters of the options the answer names, as the parse stage found them for Anki."""
    return _KEY.findall(card.back_html)


def _keyed(blocks: list[str], card: Card) -> str:
    """The front's options with the correct ones marked (the study sheet shows question and answer)."""
    key = _answer_key(card)
    return _OPT.sub(lambda m: f'#optkey("{m.group(1)}")[' if m.group(1) in key else m.group(0), _join(blocks))


def _correct_options(blocks: list[str], card: Card) -> str | None:
    """The options the answer names, marked, for the back of a cut-out card (its front lists them)."""
    key, found = _answer_key(card), {}
    text = _join(blocks)
    for m in _OPT.finditer(text):
        if m.group(1) in key and m.group(1) not in found:
            found[m.group(1)] = f'#optkey("{m.group(1)}")[{text[m.end():_closing(text, m.end())]}]'
    return "#linebreak()".join(found[c] for c in key if c in found) or None


def _closing(markup: str, at: int) -> int:
    """The index of the `]` that closes the content opened just before `at` (markup is ours:
    a bracket of the text is escaped)."""
    depth, i = 1, at
    while i < len(markup):
        ch = markup[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':  # a string literal: its brackets are text
            i += 1
            while i < len(markup) and markup[i] != '"':
                i += 2 if markup[i] == "\\" else 1
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(markup)


def _join(blocks: list[str]) -> str:
    return "\n\n".join(blocks)


def _pack(heights: list[float], limit: float, gap: float) -> list[list[int]]:
    """Greedy chunks of block indices whose stacked height stays within limit."""
    chunks: list[list[int]] = [[]]
    used = 0.0
    for i, h in enumerate(heights):
        extra = h + (gap if chunks[-1] else 0.0)
        if chunks[-1] and used + extra > limit:
            chunks.append([])
            used, extra = 0.0, h
        chunks[-1].append(i)
        used += extra
    return chunks


def _size(points: float | None) -> str:
    """A size for cell(): Typst's none lets fit() find (and if need be scale) it."""
    return "none" if points is None else f"{points:g}"


def _cards_by_deck(cards: list[Card]) -> list[tuple[str, list[int]]]:
    """Card indices grouped by deck, decks in order of first appearance."""
    decks: dict[str, list[int]] = {}
    for k, card in enumerate(cards):
        decks.setdefault(card.deck, []).append(k)
    return list(decks.items())


def _dm(widths: dict[str, float], body: str) -> str:
    """A chunk's display math, scaled down to the width when it would overflow. Only the chunk's
    own formulas are listed, so a formula on another card never changes this chunk."""
    used = sorted(set(_DM_KEY.findall(body)))
    table = ", ".join(f'"{k}": {widths.get(k, 0.0):.4f}' for k in used) or ":"
    return f"""
#let widths = ({table})
#let shrunk(factor, body) = align(center, scale(factor * 100%, reflow: true, body))
#let dm(key, body, alt: none, rows: none) = layout(size => {{
  let natural = widths.at(key, default: 0) * text.size
  if natural <= size.width {{ return body }}
  let factor = size.width / natural
  if rows == none or (factor >= {ROWS_FROM} and text.size * factor >= {MIN_SIZE_PT}pt) {{ return shrunk(factor, body) }}
  let broken = widths.at(alt, default: 0) * text.size
  if broken <= size.width {{ rows }} else {{ shrunk(size.width / broken, rows) }}
}})
"""


# The keys of display formulas in markup: `#dm("key")[…]`, and `alt: "key"` of their rows.
_DM_KEY = re.compile(r'(?:#dm\(|alt: )"([0-9a-f]+)"')
# Questions per measuring document, and the markup they may hold. Typst keeps every size it tried
# for every side until its worker ends: 300 long Korean sides took one worker to 950 MB, and the build
# of a 407-card deck to 1.5 GB over its processes; a document holds at most MEASURE_CHARS of side
# markup (that deck then peaks under 1 GB). Short sides (a synthetic deck's 100 are 23,000 characters)
# still go 300 questions to a document: documents of 100 made 10,000 cards 25% slower, each worker
# being replaced after each of them.
MEASURE_BATCH = 300
MEASURE_CHARS = 60_000


class _Measurer:
    """Asks Typst what the cache does not know, a few hundred questions per document, each full
    batch sent to a worker while the rest are being prepared."""

    def __init__(self, ts: Typesetter, preamble: str, frame: Frame, cache: MeasureCache) -> None:
        self.ts, self.preamble, self.frame, self.cache = ts, preamble, frame, cache
        self.formulas: dict[str, str] = {}
        self.sides: dict[str, list[str]] = {}
        self.asked: set[str] = set()
        self.pending: list[tuple[dict, dict, tuple]] = []  # (formulas, sides, query in a worker)
        self.chars = 0  # of the markup asked about since the last document was sent

    def add(self, formulas: dict[str, str], sides: list[list[str]]) -> None:
        for key, eq in formulas.items():
            if key not in self.cache.widths and key not in self.asked:
                self.asked.add(key)
                self.formulas[key] = eq
        for blocks in sides:
            key = _side_key(blocks)
            if blocks and key not in self.cache.sides and key not in self.asked:
                self.asked.add(key)
                self.sides[key] = blocks
                self.chars += sum(len(b) for b in blocks)
        if len(self.formulas) + len(self.sides) >= MEASURE_BATCH or self.chars >= MEASURE_CHARS:
            self._send()

    def finish(self) -> dict[str, str]:
        """Measure what is left; Typst's message for each formula or side it refused (those are
        then not measured, and their cards are printed plain)."""
        if self.formulas or self.sides:
            self._send()
        refused: dict[str, str] = {}
        for _ in range(RETRIES):
            batches, self.pending = self.pending, []
            for formulas, sides, query in batches:
                answer = self.ts.answer(query)
                if not isinstance(answer, Refusal):
                    read_answers(json.loads(answer), self.cache)
                    continue
                blamed = blame(entry_starts(measure_source(self.preamble, self.frame, formulas, sides)),
                               answer.lines)
                if not blamed:  # the measuring document itself, not a card: hopeless
                    raise PdfError(answer.message)
                refused.update(dict.fromkeys(blamed, answer.message))
                self.formulas = {k: v for k, v in formulas.items() if k not in refused}
                self.sides = {k: v for k, v in sides.items() if k not in refused}
                self._send()
            if not self.pending:
                return refused
        raise PdfError(f"Typst refused the measuring document {RETRIES} times; the last time: {answer.message}")

    def _send(self) -> None:
        source = measure_source(self.preamble, self.frame, self.formulas, self.sides)
        self.pending.append((self.formulas, self.sides, self.ts.query_soon(source)))
        self.formulas, self.sides, self.chars = {}, {}, 0


_VALIDATE = "\n#set page(width: 40cm, height: auto)\n"
VALIDATE_BATCH = 400  # translated formulas per validating document
RETRIES = 5  # rounds of compiling again without what Typst refused: a hopeless PDF fails in seconds


def _validation_source(preamble: str, natives: list[tuple[str, str]]) -> tuple[str, list[tuple[int, str]]]:
    """A document of bare formulas, one paragraph each, and the first line of each."""
    out, starts = [preamble, _VALIDATE], []
    line = 1 + preamble.count("\n") + _VALIDATE.count("\n")
    for key, native in natives:
        starts.append((line, key))
        text = f"{native}\n\n"
        out.append(text)
        line += text.count("\n")
    return "".join(out), starts


def _give_back_memory() -> None:
    """Hand the heap that decoding images grew back to the system (glibc keeps it for this process
    otherwise, while Typst's workers need memory of their own); elsewhere, nothing to do."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _head(md_text: str, limit: int) -> str:
    """The Markdown up to a line end within `limit` characters, a blank line if one is in the last
    half: what of a huge answer is translated to Typst at all (a megabyte formula cost the PDF half
    a minute and a gigabyte before the study sheet printed the first 200,000 characters). A table
    keeps its first rows; a single line longer than `limit` leaves nothing."""
    if len(md_text) <= limit:
        return md_text
    end = md_text.rfind("\n\n", 0, limit)
    if end < limit // 2:
        end = md_text.rfind("\n", 0, limit)
    return md_text[:end] if end > 0 else ""


def _plain(md_text: str) -> list[str]:
    """Markdown as escaped text, a paragraph per block: what a card Typst refused is printed as."""
    return [escape(p.strip()) for p in re.split(r"\n\s*\n", md_text) if p.strip()]


def _surely_fits(blocks: list[str], frame: Frame) -> bool:
    """A short plain question fits its cell at the largest size; measuring a third of the sides
    of a big deck cost seconds. Every character is taken as one em wide (CJK; Latin is narrower)
    and lines as 1.6 em tall, with a line to spare."""
    if len(blocks) != 1 or not blocks[0].startswith("#strong[") or not blocks[0].endswith("]"):
        return False
    text = blocks[0][len("#strong["):-1]
    if any(c in text for c in "#$\\[]\n"):  # markup, math or escapes: measure it
        return False
    size = SIZES_PT[0]
    per_line, lines = int(frame.width // size), int(frame.height // (size * 1.6)) - 1
    return per_line > 0 and -(-len(text) // per_line) <= lines


def _chunk_key(card: Card) -> str:
    """What decides where chunks end: stable while the card's text is edited (see chunks.split)."""
    return f"{card.deck}\x1e{card.id or card.question}"


def _side_key(blocks: list[str]) -> str:
    return digest("\x1e".join(blocks))


def render_pdf(cards: list[Card], title: str, opts: PdfOptions, build_time: int, sink: Sink,
               cache: Path | None, stop: threading.Event | None = None) -> bytes | None:
    """The study sheet and the cut-out cards as a PDF; None (with diagnostics) on failure. A formula
    or a card Typst refuses is shown another way, with a warning at its card. Once `stop` is set,
    the next Typst job raises CancelledError, after which nothing is left in the temporary folder."""
    fonts = check_fonts(cards, opts.font, sink, cache / "fonts.json" if cache else None, opts.font_place)
    if fonts is None:
        return None
    from importlib.metadata import version

    salt = f"{code_digest()}|typst {version('typst')}|{fonts.key}"
    installed_fonts(salt, fonts.found)  # the fonts were just found: Typst need not search them again
    with scratch("pdf") as folder:
        with Typesetter(folder, cache / "pdf-chunks" if cache else None, salt, stop) as ts:
            pdf = _Layout(cards, title, opts, sink, folder, ts, cache, fonts.fallback).pdf(build_time)
            if cache is not None:
                ts.prune()
            return pdf


@dataclass(frozen=True)
class _Unit:
    """A block of an answer on its way onto cut-out cards, with how it divides (or None)."""

    markup: str
    split: Split | None = None
    pointer: bool = False  # stands for a block no card can hold, printed only on the study sheet


def _markup(piece: list[_Unit]) -> list[str]:
    return [u.markup for u in piece]


MAX_CONTINUED = 12  # cut-out cards one answer may fill; a longer one is read on the study sheet
HUGE_SIDE = 60_000  # characters of markup: more than MAX_CONTINUED cards hold at the smallest size
STUDY_MAX = 200_000  # characters of markup one answer prints on the study sheet: some 50 pages
CUT_ROUNDS = 4  # rounds of measuring the continuation cards and cutting those that still overflow
CUT_FILL = 0.85  # a divided block aims below the card's height: its parts differ in height


@dataclass(frozen=True)
class _Piece:
    """One cut-out card: a card, or part of one whose answer continues on the next."""

    key: str
    id: str
    front_size: str
    front: str
    back_size: str
    back: str
    card: int  # its index in the deck


class _Layout:
    """The document in chunks: title and contents, study sheet, cut-out cards."""

    def __init__(self, cards: list[Card], title: str, opts: PdfOptions, sink: Sink, folder: Path,
                 ts: Typesetter, cache: Path | None, fallback: tuple[str, ...] = ()) -> None:
        self.cards, self.title, self.opts, self.sink, self.ts = cards, title, opts, sink, ts
        self.kept = cache / "pdf-joined" if cache else None  # the last joined PDF, joined again after an edit
        drawer = FormulaDrawer(folder, cache / "formulas" if cache else None)
        inner_w, inner_h = (v * 72 / 25.4 for v in _cell_inner_mm(opts))
        # an answer on the study sheet is indented 1em of the body's 10.5pt (_STUDY_CARD): its
        # images print widest there, and are sharp enough a little wider on a question's side
        study_w = (PAPERS[opts.paper][1] - 2 * STUDY_MARGIN_X_MM) * 72 / 25.4 - 10.5
        r = _Renderer(folder, drawer, sink, ts, cache / "pdf-images" if cache else None, inner_w / MIN_SIZE_PT,
                      study_w)
        fonts = ", ".join(string(f) for f in (opts.font, *fallback))
        self.words = LABELS[opts.language]
        self.preamble = _PREAMBLE.format(title=string(title), font=fonts, gap=BLOCK_GAP_EM, draw=DRAW_SIZE,
                                         lang=self.words.typst_lang)
        # The language is in the key: Typst breaks Chinese and English lines by different rules.
        frame = Frame(inner_w, inner_h,
                      f"{opts.font}|{'|'.join(fallback)}|{opts.paper}|{opts.cols}x{opts.rows}|{opts.language}")
        self.measured = MeasureCache(cache / "pdf-measure.json" if cache else None, frame)
        r.place_images(cards)
        self.pixels_of = r.pixels_of
        marked = [r.card(card, self.measured.markup) for card in cards]
        r.rejected = self.validate(r.natives)
        if r.rejected:  # those cards again, each refused formula drawn instead
            marked = [r.card(c, self.measured.markup) if set(m.natives) & r.rejected else m
                      for c, m in zip(cards, marked)]
        for card, m in zip(cards, marked):
            for code, message, latex in m.notes:
                hint = ("it is printed as LaTeX source instead" if code == "O004" else
                        "please report this: ankigen's LaTeX-to-Typst translation is wrong for it")
                sink.warning(_formula_span(card, latex), code, message, hint=hint)
        self.fronts = [(m.question, list(m.extra)) for m in marked]
        self.capped: set[int] = set()
        self.backs = [self._printable(k, list(m.back), dict(m.splits), m.whole) for k, m in enumerate(marked)]
        # A cut-out card's back begins with the correct options, marked: its front lists them.
        self.card_backs, self.card_splits = [], []
        for card, m in zip(cards, marked):
            correct = _correct_options(list(m.extra), card)
            self.card_backs.append(([correct] if correct else []) + list(m.back))
            self.card_splits.append({i + bool(correct): split for i, split in m.splits})
        self.front_sides = [[f"#strong[{m.question}]", *m.extra] for m in marked]
        self.broken: set[int] = set()
        measurer = _Measurer(ts, self.preamble, frame, self.measured)
        # An answer longer than MAX_CONTINUED cards could hold is not measured (measuring lays it
        # out at every size): it is read on the study sheet, and its cut-out card says so.
        self.too_long = {k for k, back in enumerate(self.card_backs) if sum(map(len, back)) > HUGE_SIDE}
        for k, m in enumerate(marked):
            if _surely_fits(self.front_sides[k], frame):
                self.measured.sides[_side_key(self.front_sides[k])] = SideFit(SIZES_PT[0])
            measurer.add(m.formulas, [self.front_sides[k]] + ([] if k in self.too_long else [self.card_backs[k]]))
        refused = measurer.finish()
        for k, m in enumerate(marked):
            keys = [*m.formulas, _side_key(self.front_sides[k]), _side_key(self.card_backs[k])]
            reason = next((refused[key] for key in keys if key in refused), None)
            if reason is not None:
                self.print_plain(k, reason)
        self.limit = inner_h - CONTINUATION_RESERVE_PT
        self.continued = self.continuations(marked, frame)
        sides = {_side_key(b) for b in self.front_sides + self.card_backs if b}
        sides |= self.cut_keys
        self.measured.save(set(r.formulas), sides, r.memo_used, set(r.natives))
        self.paper = string(PAPERS[opts.paper][0])
        self.study_page = _STUDY_PAGE.format(paper=self.paper, margin=STUDY_MARGIN, title_text=escape(title))

    def continuations(self, marked: list[_Marked], frame: Frame) -> dict[int, list[list[_Unit]]]:
        """The cut-out cards of each answer too long for one: its blocks packed by their heights
        at the smallest size, a block taller than a card divided where it may (code by lines,
        tables by rows under their header, lists by items, paragraphs by sentences) and otherwise
        replaced by a pointer to the study sheet. Each card is measured again, and cut again while
        it does not fit, so that none prints below the smallest size."""
        todo: dict[int, list[list[_Unit]]] = {}
        self.cut_keys: set[str] = set()  # every card measured here, kept in the cache
        for k, m in enumerate(marked):
            if k in self.too_long and k not in self.broken:
                todo[k] = [[self._pointer(k)]]
                continue
            fit = self.measured.sides.get(_side_key(self.card_backs[k])) if self.card_backs[k] else None
            if k in self.broken or fit is None or fit.size is not None:
                continue
            units = [_Unit(b, self.card_splits[k].get(i)) for i, b in enumerate(self.card_backs[k])]
            todo[k] = self._cut(k, units, list(fit.blocks))
            if len(todo[k]) > MAX_CONTINUED:  # a book chapter, a table of thousands of rows: not a card
                self.too_long.add(k)
                todo[k] = [[self._pointer(k)]]
        done: dict[int, list[list[_Unit]]] = {}
        for _ in range(CUT_ROUNDS):
            measurer = _Measurer(self.ts, self.preamble, frame, self.measured)
            for pieces in todo.values():
                measurer.add({}, [_markup(piece) for piece in pieces])
            refused = measurer.finish()
            for k, pieces in list(todo.items()):
                out, cut = [], False
                for piece in pieces:
                    key = _side_key(_markup(piece))
                    self.cut_keys.add(key)
                    fit = self.measured.sides.get(key)
                    if fit is not None and fit.size is None and key not in refused:
                        out += self._cut(k, piece, list(fit.blocks))
                        cut = True
                    else:
                        out.append(piece)
                if cut:
                    todo[k] = out
                else:
                    done[k] = out
                    del todo[k]
            if not todo:
                break
        return {**done, **todo}  # what is still too tall after every round: fit() scales it

    def _cut(self, k: int, units: list[_Unit], heights: list[float]) -> list[list[_Unit]]:
        """Units packed into cards by height, each unit taller than a card divided first."""
        room = self.limit * CUT_FILL
        sized: list[tuple[_Unit, float]] = []
        for unit, h in zip(units, heights):
            parts = unit.split.parts if unit.split is not None else ()
            if h <= self.limit:
                sized.append((unit, h))
            elif len(parts) > 1:
                runs = min(len(parts), max(2, -(-int(h) // int(room))))
                per = -(-len(parts) // runs)
                for start in range(0, len(parts), per):
                    run = parts[start:start + per]
                    sub = replace(unit.split, parts=run)
                    sized.append((_Unit(sub.block(run), sub), h * len(run) / len(parts)))
            else:
                sized.append((self._pointer(k), 3 * MIN_SIZE_PT))
        gap = BLOCK_GAP_EM * MIN_SIZE_PT
        return [[sized[i][0] for i in chunk] for chunk in _pack([h for _, h in sized], self.limit, gap)]

    def _printable(self, k: int, blocks: list[str], splits: dict[int, Split], whole: int = 0) -> list[str]:
        """What the study sheet prints of an answer: at most STUDY_MAX characters of markup (a
        table or list cut between rows or items), then a line saying the rest is in Anki. Typst's
        time and memory grow with the text: a 5 MB line took minutes and gigabytes. `whole`: the
        answer's length, when only its head became `blocks`."""
        total = whole or sum(map(len, blocks))
        if total <= STUDY_MAX:
            return blocks
        kept: list[str] = []
        room = STUDY_MAX
        for i, block in enumerate(blocks):
            if len(block) <= room:
                kept.append(block)
                room -= len(block)
                continue
            split = splits.get(i)
            if split is not None:
                n, used = 0, len(split.prefix) + len(split.suffix)
                while n < len(split.parts) and used + len(split.parts[n]) + len(split.joiner) <= room:
                    used += len(split.parts[n]) + len(split.joiner)
                    n += 1
                if n:
                    kept.append(split.block(split.parts[:n]))
            break
        card = self.cards[k]
        name = card.id or card.question[:30]
        if k not in self.capped:
            self.capped.add(k)
            self.sink.warning(card.span, "O011", f"card '{name}' is too long to print whole ({total:,} characters "
                              f"of text): the study sheet prints {sum(map(len, kept)):,} of them and says the rest "
                              "is in Anki",
                              hint="divide it into several cards, or keep the long part (a data table, a log) "
                                   "out of the notes; Anki shows it whole")
        return kept + [f"#emph[{escape(self.words.cut_short.format(id=name))}]"]

    def _pointer(self, k: int) -> _Unit:
        """What a cut-out card shows of a part no card can hold: where to read it."""
        card = self.cards[k]
        return _Unit(f"#emph[{escape(self.words.too_big.format(id=card.id or card.question[:30]))}]", pointer=True)

    def validate(self, natives: dict[str, str]) -> set[str]:
        """The translated formulas Typst refuses. Each validating document holds bare formulas;
        Typst stops at the first it refuses, so those before it passed and the rest are tried again."""
        todo, rejected = [k for k in natives if k not in self.measured.valid], set()
        for _ in range(RETRIES):
            batches = [todo[i:i + VALIDATE_BATCH] for i in range(0, len(todo), VALIDATE_BATCH)]
            docs = [_validation_source(self.preamble, [(k, natives[k]) for k in batch]) for batch in batches]
            todo = []
            for batch, (_, starts), answer in zip(batches, docs, self.ts.checks([d for d, _ in docs])):
                if answer is None:
                    self.measured.valid.update(batch)
                    continue
                blamed = blame(starts, answer.lines)
                if not blamed:  # the preamble itself: no formula is to blame
                    raise PdfError(answer.message)
                rejected.update(blamed)
                first = min(batch.index(k) for k in blamed)
                self.measured.valid.update(batch[:first])
                todo += [k for k in batch[first + 1:] if k not in rejected]
            if not todo:
                break
        # Formulas still untried after RETRIES rounds are typeset as they are: a card they break
        # is printed plain (print_plain), which bounds the time a deck of bad translations costs.
        return rejected

    def print_plain(self, k: int, reason: str) -> None:
        """Typst refused card k's markup: print its text instead, escaped, and say so at the card."""
        card = self.cards[k]
        self.sink.warning(card.span, "O022", f"Typst could not typeset card '{card.id or card.question[:30]}', "
                          f"so it is printed as plain text: {reason[:200]}",
                          hint="please report this: ankigen wrote Typst markup that Typst refused for this card")
        if CLOZE.search(card.question + card.front_extra_md + card.back_md):
            card = _cloze_sides(card)
        q = escape(card.question)
        self.broken.add(k)
        self.fronts[k] = (q, _plain(card.front_extra_md))
        whole = len(card.back_md) if len(card.back_md) > STUDY_MAX else 0
        self.backs[k] = self._printable(k, _plain(_head(card.back_md, STUDY_MAX)), {}, whole)
        self.card_backs[k] = _plain(_head(card.back_md, STUDY_MAX))
        self.card_splits[k] = {}
        self.front_sides[k] = [f"#strong[{q}]", *self.fronts[k][1]]

    def compiled(self) -> tuple[list[Path], int]:
        """The PDFs of the study chunks and the cut-out chunks, and how many
        study chunks there are. Each card Typst refuses is printed plain and its chunk compiled again."""
        for _ in range(RETRIES):
            study, study_starts = self.study_sources()
            cut_out, card_starts = self.card_sources()
            starts = [*study_starts, *card_starts]
            try:
                names = [f"study-{i}" for i in range(len(study))] + [f"cards-{i}" for i in range(len(cut_out))]
                return self.ts.pdfs(study + cut_out, names), len(study)
            except PdfError as exc:
                failed = {}
                for i, refusal in exc.refusals.items():
                    blamed = [k for k in blame(starts[i], refusal.lines) if k is not None and k not in self.broken]
                    if not blamed:  # outside any card, or a card already plain: hopeless
                        raise PdfError(refusal.message) from None
                    failed.update(dict.fromkeys(blamed, refusal.message))
                for k, message in failed.items():
                    self.print_plain(k, message)
        raise PdfError(f"Typst still refused cards after {RETRIES} rounds of printing them plain "
                       f"({len(self.broken)} so far)")

    def pdf(self, build_time: int) -> bytes:
        paths, n = self.compiled()
        study_paths, card_paths = paths[:n], paths[n:]
        outlines = [outline(p) for p in study_paths]
        counts = [n for n, _ in outlines]
        front_pages = 2  # the title page and one page of contents: a guess, corrected below when wrong
        for _ in range(3):  # the contents' length decides where everything starts, and so its numbers
            # the cut-out cards (one page here: only where they start matters) begin on a recto
            starts = start_pages([front_pages, *counts, 1], [False] * (len(counts) + 1) + [True])
            marks = [(name, starts[1 + i] + page) for i, (_, found) in enumerate(outlines) for name, page in found]
            marks += [(self.words.cut_out, starts[-1])] if card_paths else []
            [front_path] = self.ts.pdfs([self.front_source(marks, build_time)], ["front"])
            pages, _ = outline(front_path)
            if pages == front_pages:
                break
            front_pages = pages
        # the study sheet; with no card to print (every one left out by an error), the front alone
        numbered = starts[-2] + (counts[-1] if counts else front_pages)
        numbers_source = _NUMBERS.format(paper=self.paper, margin=STUDY_MARGIN, font=string(self.opts.font),
                                         count=numbered)
        [numbers] = self.ts.pdfs([numbers_source], ["numbers"])
        parts = [Part(front_path), *(Part(p) for p in study_paths), *(Part(p, recto=True) for p in card_paths)]
        return merge(parts, numbers, range(1, numbered), [(self.words.contents, 1), *marks], self.title, build_time,
                     self.kept)

    def front_source(self, marks: list[tuple[str, int]], build_time: int) -> str:
        lines = "".join(f"#toc-line([{escape(name)}], {page + 1})\n" for name, page in marks)
        front = _FRONT.format(paper=self.paper, margin=STUDY_MARGIN, title_text=escape(self.title), link=PAGE_LINK,
                              contents=escape(self.words.contents),
                              subtitle=escape(self.words.cards_text(len(self.cards))) + " · ankigen",
                              date=_date(build_time))
        return "".join([self.preamble, front, lines])

    def study_sources(self) -> tuple[list[str], list[list[tuple[int, int]]]]:
        """The study chunks, and the first line of each card in each (to blame a card Typst refuses)."""
        entries: list[tuple[str, str]] = []  # (chunking key, markup) per card in study order
        owners: list[int] = []
        for deck, indices in _cards_by_deck(self.cards):
            name = deck[len(self.title) + 2:] if deck.startswith(self.title + "::") else deck
            heading = f"\n= {escape(name)}\n"
            for k in indices:
                card = self.cards[k]
                q, extra = self.fronts[k]
                front, back = _keyed(extra, card), _join(self.backs[k])
                if CLOZE.search(card.question + card.front_extra_md + card.back_md) and k not in self.broken:
                    # the text once, filled in and marked: its answer side opens with the question
                    q, front, back = self.backs[k][0], "", _join(self.backs[k][1:])
                entries.append((_chunk_key(card),
                                heading + f"#study-card({string(card.id or '')}, [{q}], [{front}], [{back}])\n"))
                owners.append(k)
                heading = ""
        sources, starts = [], []
        for chunk in split([key for key, _ in entries], [len(markup) for _, markup in entries],
                           [self.pixels_of(markup) for _, markup in entries]):
            body = "".join(entries[i][1] for i in chunk)
            head = "".join([self.preamble, _dm(self.measured.widths, body), self.study_page, _STUDY_CARD])
            sources.append(head + body)
            starts.append(_starts(head, [(entries[i][1], owners[i]) for i in chunk]))
        return sources, starts

    def card_sources(self) -> tuple[list[str], list[list[tuple[int, int]]]]:
        """The cut-out chunks, and the first line of each cell in each, with its card."""
        opts = self.opts
        _, width_mm, height_mm = PAPERS[opts.paper]
        setup = _CARDS.format(paper=self.paper, margin=CARD_MARGIN_MM, min=MIN_SIZE_PT,
                              cw=f"{(width_mm - 2 * CARD_MARGIN_MM) / opts.cols:.3f}",
                              ch=f"{(height_mm - 2 * CARD_MARGIN_MM) / opts.rows:.3f}", inset=CELL_INSET_MM,
                              inset_half=CELL_INSET_MM / 2, cols=opts.cols, rows=opts.rows)
        pieces = self.pieces()
        sources, starts = [], []
        intro = _INTRO.format(lift=CARD_MARGIN_MM - 1.5, heading=escape(self.words.cut_out),
                              text=escape(self.words.cut_out_intro))
        for n, chunk in enumerate(split([p.key for p in pieces], [len(p.front) + len(p.back) for p in pieces],
                                        [self.pixels_of(p.front + p.back) for p in pieces])):
            lines = self.card_pages([pieces[i] for i in chunk])
            body = "".join(text for text, _ in lines)
            head = "".join([self.preamble, _dm(self.measured.widths, body), setup, intro if n == 0 else ""])
            sources.append(head + body)
            starts.append(_starts(head, lines))
        return sources, starts

    def card_pages(self, pieces: list[_Piece]) -> list[tuple[str, int | None]]:
        """Pairs of pages: fronts, then backs mirrored so that they meet when printed duplex. Each
        cell on lines of its own, with its card (None for the rest)."""
        opts = self.opts
        per_page = opts.cols * opts.rows
        out: list[tuple[str, int | None]] = []
        for start in range(0, len(pieces), per_page):
            page = pieces[start:start + per_page]
            blank = [("[]", None)] * (per_page - len(page))
            front_cells = [(f"cell({string(p.id)}, {p.front_size}, [{p.front}])", p.card) for p in page] + blank
            back_cells = [(f"cell({string(p.id)}, {p.back_size}, [{p.back}])", p.card) for p in page] + blank
            mirrored = []
            for row in range(opts.rows):  # flip on the long edge: each row reads right to left
                mirrored.extend(reversed(back_cells[row * opts.cols:(row + 1) * opts.cols]))
            for cells in (front_cells, mirrored):
                out.append((("#pagebreak()\n" if out else "") + "#card-page((\n", None))
                out.extend((f"{cell},\n", card) for cell, card in cells)
                out.append(("))\n", None))
        return out

    def pieces(self) -> list[_Piece]:
        out = []
        for k, card in enumerate(self.cards):
            q, extra = self.fronts[k]
            key, cid = _chunk_key(card), card.id or ""
            if k in self.broken:  # not measured: fit() sizes it, scaling it down if need be
                out.append(_Piece(key, cid, "none", _join(self.front_sides[k]), "none", _join(self.card_backs[k]), k))
                continue
            front_fit = self.measured.sides.get(_side_key(self.front_sides[k]), SideFit(None))
            back = self.card_backs[k]
            back_fit = self.measured.sides.get(_side_key(back), SideFit(None)) if back else SideFit(MIN_SIZE_PT)
            if back_fit.size is not None:
                out.append(_Piece(key, cid, _size(front_fit.size), _join(self.front_sides[k]),
                                  _size(back_fit.size), _join(back), k))
                continue
            chunks = self.continued.get(k) or [[_Unit(b) for b in back]]
            pointers = sum(u.pointer for piece in chunks for u in piece)
            if k in self.too_long:
                done = [f"it would fill more than {MAX_CONTINUED} cards, so it is printed only on the study sheet, "
                        "and its cut-out card points there"]
            else:
                done = ([f"continued on {len(chunks)} cards"] if len(chunks) > 1 else []) + (
                    [f"{pointers} part(s) too big for any card printed only on the study sheet"] if pointers else [])
            self.sink.warning(card.span, "O010",
                              f"card '{card.id or card.question[:30]}' is too long for one cut-out card: "
                              + ("; ".join(done) or "printed smaller than the smallest size"),
                              hint="shorten the answer, or choose fewer cards per page (--cards-per-page)")
            for n, piece in enumerate(chunks):
                shown = escape(self.words.continued.format(n=n + 1, total=len(chunks)))
                label = f" #text(fill: luma(110))[{shown}]" if len(chunks) > 1 else ""
                front = f"#strong[{q}]{label}" + ("\n\n" + _join(extra) if extra and n == 0 else "")
                fit = self.measured.sides.get(_side_key(_markup(piece)), SideFit(None))
                out.append(_Piece(f"{key}\x1e{n}", cid, "none", front, _size(fit.size), _join(_markup(piece)), k))
        return out


def _starts(head: str, parts: list[tuple[str, int | None]]) -> list[tuple[int, int | None]]:
    """The first line of each part after head, with its owner: where Typst's line numbers point."""
    line, out = 1 + head.count("\n"), []
    for text, owner in parts:
        out.append((line, owner))
        line += text.count("\n")
    return out
