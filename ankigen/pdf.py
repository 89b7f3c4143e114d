"""The printable PDF: a study sheet, then duplex cut-out cards, typeset with Typst.

Typst compiles a thousand-card document in seconds (WeasyPrint took a minute). Formulas are
translated to Typst math (typst_math.py); the few it does not know are drawn once each as SVG by
ziamath from the same LaTeX the Anki cards use.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ankigen.diagnostics import Sink
from ankigen.mathsvg import DRAW_SIZE, FormulaDrawer
from ankigen.model import Card, Span
from ankigen.output import write_text_atomic
from ankigen.parse import CLOZE
from ankigen.pdf_measure import SIZES_PT, Frame, MeasureCache, SideFit, digest, measure_source, read_answers
from ankigen.typst_markup import escape, inline, string, to_blocks
from ankigen.typst_math import to_typst

PAPERS = {"a4": ("a4", 210.0, 297.0), "letter": ("us-letter", 215.9, 279.4)}
MIN_SIZE_PT = SIZES_PT[-1]
CARD_MARGIN_MM = 10.0
CELL_INSET_MM = 4.5
CONTINUATION_RESERVE_PT = 12.0
BLOCK_GAP_EM = 0.65


@dataclass(frozen=True)
class PdfOptions:
    paper: str = "a4"
    cols: int = 2
    rows: int = 4
    font: str = "Noto Serif CJK SC"


class PdfError(Exception):
    """Typst refused the document; reported as a diagnostic."""


def parse_grid(text: str) -> tuple[int, int]:
    """'2x4' → (2 columns, 4 rows)."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"cards per page must look like 2x4, not {text!r}")
    cols, rows = (int(p) for p in parts)
    if not (1 <= cols <= 4 and 1 <= rows <= 6):
        raise ValueError("cards per page: 1 to 4 columns and 1 to 6 rows")
    return cols, rows


def _cell_inner_mm(opts: PdfOptions) -> tuple[float, float]:
    _, width, height = PAPERS[opts.paper]
    cell_w = (width - 2 * CARD_MARGIN_MM) / opts.cols
    cell_h = (height - 2 * CARD_MARGIN_MM) / opts.rows
    return cell_w - 2 * CELL_INSET_MM, cell_h - 2 * CELL_INSET_MM


_PREAMBLE = """
#set document(title: {title}, author: "ankigen")
#set text(font: ("Libertinus Serif", {font}), size: 10.5pt, lang: "zh", region: "cn")
#set par(spacing: {gap}em, leading: 0.6em, justify: false)
#set block(spacing: {gap}em)
#show raw: set text(font: ("DejaVu Sans Mono", "Noto Sans Mono CJK SC", {font}))
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
  if natural.width > size.width {{ image(path, width: 100%) }} else {{ image(path) }}
}})
"""

_STUDY = """
#set page(paper: {paper}, margin: (x: 18mm, top: 22mm, bottom: 20mm),
  header: context {{ if counter(page).get().first() > 1 [
    #set text(8pt, fill: luma(110)); {title_text} #h(1fr) {date} ] }},
  footer: context [#set text(8pt, fill: luma(110)); #h(1fr) #counter(page).display() #h(1fr)])
#align(center)[#v(3cm) #text(24pt, weight: "bold")[{title_text}] \\ #v(4mm) #text(11pt)[{subtitle}] \\ #text(9pt, fill: luma(110))[{date}]]
#v(1cm)
#outline(title: [目录], depth: 1)
#let study-card(id, q, front, answer) = block(breakable: true, below: 1.4em, width: 100%)[
  #text(weight: "bold", size: 11pt)[#q]
  #front
  #block(width: 100%, inset: (left: 1em), answer)
  #align(right, text(6.5pt, fill: luma(130), raw(id)))
]
"""

_CARDS = """
#pagebreak(to: "odd", weak: true)
#heading(level: 1)[裁剪卡片]
正面在奇数页、背面在其后的偶数页。双面打印时选择"长边翻转"，沿虚线裁开后，每张卡片的背面恰好是它的答案。
#set page(paper: {paper}, margin: {margin}mm, header: none, footer: none)
#pagebreak(to: "odd")
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


class _Renderer:
    """Turns cards into Typst markup, collecting formula drawings and images in one folder."""

    def __init__(self, folder: Path, drawer: FormulaDrawer, sink: Sink, native: bool = True) -> None:
        self.folder = folder
        self.native = native
        self.drawer = drawer
        self.sink = sink
        self.images: dict[Path, str] = {}  # source path -> name in the folder ('' if unusable)
        self.formulas: dict[str, str] = {}  # digest -> Typst display equation
        self.memo_used: set[str] = set()

    def math(self, latex: str, display: bool) -> str:
        native = to_typst(latex, display) if self.native else None
        if native is not None and display:
            key = digest(native)
            self.formulas[key] = native
            return f'#dm("{key}")[{native}]'
        if native is not None:
            return native
        drawing = self.drawer.draw(latex, display)
        if drawing is None:  # ziamath could not read it: show the source rather than nothing
            return f"#raw({string(latex)})"
        if display:
            return f"#md({string(drawing.name)}, {drawing.width:.3f})"
        return f"#mi({string(drawing.name)}, {drawing.width:.3f}, {drawing.depth:.3f})"

    def side(self, card: Card, md_text: str) -> list[str]:
        return to_blocks(md_text, self.math, self._image_for(card))

    def _usable_image(self, media, card: Card) -> str | None:
        """The image's name in the Typst folder, or None when Typst cannot decode it."""
        if media.path not in self.images:
            import typst

            name = f"media-{media.name}"
            shutil.copyfile(media.path, self.folder / name)
            probe = self.folder / "probe.typ"
            probe.write_text(f"#image({string(name)})", encoding="utf-8")
            try:  # one bad file would otherwise fail the whole document
                typst.compile(str(probe), root=str(self.folder))
                self.images[media.path] = name
            except Exception as exc:  # noqa: BLE001
                self.images[media.path] = ""
                self.sink.warning(card.span, "O005", f"image cannot be drawn in the PDF: {media.path.name}",
                                  hint=f"Typst says: {str(exc).splitlines()[0][:160]}")
        return self.images[media.path] or None

    def card(self, card: Card, memo: dict[str, list]) -> tuple[str, list[str], list[str]]:
        """(question, front blocks, answer blocks) of a card; memo keeps them for the next build."""
        if CLOZE.search(card.question + card.front_extra_md + card.back_md):
            card = _cloze_sides(card)
        key = digest(f"{int(self.native)}\x1e{card.question}\x1e{card.front_extra_md}\x1e{card.back_md}")
        self.memo_used.add(key)
        if not card.media and key in memo:  # images must be copied into the folder: never memoised
            q, extra, back, formulas = memo[key]
            self.formulas.update(formulas)
            return q, extra, back
        before, drawn = dict(self.formulas), len(self.drawer.drawn)
        q = self.question(card)
        extra = self.side(card, card.front_extra_md) if card.front_extra_md else []
        back = self.side(card, card.back_md)
        if not card.media and len(self.drawer.drawn) == drawn:  # a drawing may fail: warn every build
            memo[key] = [q, extra, back, {k: v for k, v in self.formulas.items() if k not in before}]
        return q, extra, back

    def question(self, card: Card) -> str:
        return inline(card.question, self.math, self._image_for(card))

    def _image_for(self, card: Card):
        """Image sources of the card's Markdown, resolved as the parse stage did (confined, packed)."""
        folder = Path(card.span.path).parent
        packed = {m.path: m for m in card.media}

        def image(src: str) -> str:
            try:
                media = packed.get((folder / unquote(urlsplit(src).path)).resolve())
            except (OSError, ValueError):
                media = None
            name = self._usable_image(media, card) if media is not None else None
            return f"#img({string(name)})" if name else escape(f"[{src}]")

        return image


def _cloze_sides(card: Card) -> Card:
    """On paper a cloze card shows its deletions as [hint] or […] in front, filled in on the back."""
    def hidden(text: str) -> str:
        return CLOZE.sub(lambda m: f"[{m.group(3) or '…'}]", text)

    def shown(text: str) -> str:
        return CLOZE.sub(lambda m: m.group(2), text)

    filled = f"**{shown(card.question)}**\n\n{shown(card.front_extra_md)}\n\n{shown(card.back_md)}"
    return replace(card, question=hidden(card.question), front_extra_md=hidden(card.front_extra_md),
                   back_md=filled)


def _font_problems(cards: list[Card], font: str, sink: Sink, cache: Path | None) -> bool:
    """Report characters no configured font covers; True when the PDF can be typeset."""
    import typst

    fonts = typst.Fonts()
    if font not in fonts.families():
        sink.error(Span("[tool.ankigen]", 1, 1), "O002", f"font '{font}' is not installed",
                   hint="install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk), set pdf_font "
                        "in [tool.ankigen] to an installed CJK font, or build with --no-pdf")
        return False
    paths = [(f.path, f.index) for f in fonts.fonts()
             if f.family in (font, "DejaVu Sans Mono", "DejaVu Serif") and f.weight == 400 and f.path]
    used = {ch for card in cards for ch in card.question + card.front_extra_md + card.back_md if not ch.isspace()}
    known = _known_covered(cache, paths)
    if used <= known:  # reading the fonts' tables costs a quarter of a second; skip it when we can
        return True
    covered: set[int] = set(range(0x20, 0x7F))
    from fontTools.ttLib import TTCollection, TTFont

    for path, index in dict.fromkeys(paths):
        try:
            if str(path).endswith((".ttc", ".otc")):
                face = TTCollection(path, lazy=True).fonts[index]
            else:
                face = TTFont(path, lazy=True, fontNumber=index)
            covered.update(face.getBestCmap() or {})
        except Exception:  # noqa: BLE001 — an unreadable font just covers nothing
            continue
    _remember_covered(cache, paths, known | {ch for ch in used if ord(ch) in covered})
    first_use: dict[str, Card] = {}
    for card in cards:
        for ch in card.question + card.front_extra_md + card.back_md:
            if ord(ch) not in covered and not ch.isspace() and ch not in first_use:
                first_use[ch] = card
    if not first_use:
        return True
    by_card: dict[Card, list[str]] = {}
    for ch, card in first_use.items():
        by_card.setdefault(card, []).append(ch)
    for card, chars in by_card.items():
        shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:8]) + (" …" if len(chars) > 8 else "")
        sink.error(card.span, "O003", f"no installed font has {shown}; the PDF would print empty boxes",
                   hint="install a font that covers them (for Chinese: apt-get install fonts-noto-cjk), "
                        "set pdf_font in [tool.ankigen], or build with --no-pdf")
    return False


def _fonts_key(paths) -> str:
    stats = []
    for path, index in sorted(set(paths)):
        try:
            st = Path(path).stat()
            stats.append(f"{path}|{index}|{st.st_size}|{st.st_mtime_ns}")
        except OSError:
            stats.append(f"{path}|missing")
    return digest("\n".join(stats))


def _known_covered(cache: Path | None, paths) -> set[str]:
    """Characters an earlier build found in these very font files."""
    try:
        data = json.loads(cache.read_text(encoding="utf-8")) if cache else {}
        return set(data["covered"]) if data.get("fonts") == _fonts_key(paths) else set()
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _remember_covered(cache: Path | None, paths, chars: set[str]) -> None:
    if cache is None:
        return
    try:
        write_text_atomic(cache, json.dumps({"fonts": _fonts_key(paths), "covered": "".join(sorted(chars))},
                                            ensure_ascii=False))
    except OSError:
        pass


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


def _final_dm(widths: dict[str, float]) -> str:
    """The final document's display math: scaled down to the width when it would overflow."""
    table = ", ".join(f'"{k}": {w:.4f}' for k, w in sorted(widths.items())) or ":"
    return f"""
#let widths = ({table})
#let dm(key, body) = layout(size => {{
  let natural = widths.at(key, default: 0) * text.size
  if natural > size.width {{ align(center, scale(size.width / natural * 100%, reflow: true, body)) }} else {{ body }}
}})
"""


def _measure(folder: Path, preamble: str, frame: Frame, formulas: dict[str, str],
             sides: dict[str, list[str]], cache: MeasureCache) -> None:
    """Fill the cache with what it lacks, in one Typst pass."""
    import typst

    missing_f = {k: v for k, v in formulas.items() if k not in cache.widths}
    missing_s = {k: v for k, v in sides.items() if k not in cache.sides}
    if not missing_f and not missing_s:
        return
    (folder / "measure.typ").write_text(measure_source(preamble, frame, missing_f, missing_s), encoding="utf-8")
    try:
        rows = typst.query(str(folder / "measure.typ"), "<m>", field="value", root=str(folder), format="json")
    except Exception as exc:  # noqa: BLE001 — typst reports its own errors
        raise PdfError(str(exc)) from None
    read_answers(json.loads(rows) if isinstance(rows, str) else rows, cache)


def _side_key(blocks: list[str]) -> str:
    return digest("\x1e".join(blocks))


def render_pdf(cards: list[Card], title: str, opts: PdfOptions, build_time: int, sink: Sink,
               cache: Path | None) -> bytes | None:
    """The study sheet and the cut-out cards as a PDF; None (with diagnostics) on failure."""
    if not _font_problems(cards, opts.font, sink, cache / "fonts.json" if cache else None):
        return None
    attempt = Sink()
    try:
        pdf = _typeset(cards, title, opts, build_time, attempt, cache, native=True)
    except PdfError as first:
        # Typst refused a translated formula (a bug of ours): draw every formula instead.
        attempt = Sink()
        try:
            pdf = _typeset(cards, title, opts, build_time, attempt, None, native=False)
        except PdfError:
            raise first from None
        attempt.warning(Span(title, 1, 1), "O021", "Typst refused the translated formulas; all formulas "
                        "were drawn as images instead", hint=f"please report this; Typst said: {str(first)[:200]}")
    sink.items.extend(attempt.items)
    return pdf


def _typeset(cards: list[Card], title: str, opts: PdfOptions, build_time: int, sink: Sink, cache: Path | None,
             native: bool) -> bytes:
    import typst

    with tempfile.TemporaryDirectory(prefix="ankigen-pdf-") as tmp:
        folder = Path(tmp)
        drawer = FormulaDrawer(folder, cache / "formulas" if cache else None)
        r = _Renderer(folder, drawer, sink, native)
        preamble = _PREAMBLE.format(title=string(title), font=string(opts.font), gap=BLOCK_GAP_EM, draw=DRAW_SIZE)

        inner_w, inner_h = (v * 72 / 25.4 for v in _cell_inner_mm(opts))
        frame = Frame(inner_w, inner_h, f"{opts.font}|{opts.paper}|{opts.cols}x{opts.rows}")
        measured = MeasureCache(cache / "pdf-measure.json" if cache else None, frame)
        markup = [r.card(c, measured.markup) for c in cards]
        fronts = [(q, extra) for q, extra, _ in markup]
        backs = [back for _, _, back in markup]
        for latex, problem in drawer.failed:
            sink.warning(Span(title, 1, 1), "O004", f"formula not drawn in the PDF ({problem}): {latex[:60]}",
                         hint="it is printed as LaTeX source instead")

        front_sides = [[f"#strong[{q}]", *extra] for q, extra in fronts]
        sides = {_side_key(b): b for b in front_sides + backs if b}
        _measure(folder, preamble, frame, r.formulas, sides, measured)
        measured.save(set(r.formulas), set(sides), r.memo_used)
        limit = inner_h - CONTINUATION_RESERVE_PT
        gap = BLOCK_GAP_EM * MIN_SIZE_PT

        pieces: list[tuple[Card, str, str, str, str]] = []  # card, front size, front, back size, back
        for k, card in enumerate(cards):
            q, extra = fronts[k]
            front_fit = measured.sides.get(_side_key(front_sides[k]), SideFit(None))
            back_fit = measured.sides.get(_side_key(backs[k]), SideFit(None)) if backs[k] else SideFit(MIN_SIZE_PT)
            if back_fit.size is not None:
                pieces.append((card, _size(front_fit.size), _join(front_sides[k]), _size(back_fit.size),
                               _join(backs[k])))
                continue
            chunks = _pack(list(back_fit.blocks), limit, gap)
            sink.warning(card.span, "O010",
                         f"card '{card.id or card.question[:30]}' is too long for one cut-out card: "
                         f"continued on {len(chunks)} cards",
                         hint="shorten the answer, or choose fewer cards per page (--cards-per-page)")
            for n, chunk in enumerate(chunks):
                label = f" #text(fill: luma(110))[（续 {n + 1}/{len(chunks)}）]" if len(chunks) > 1 else ""
                front = f"#strong[{q}]{label}" + ("\n\n" + _join(extra) if extra and n == 0 else "")
                single = len(chunk) == 1 and back_fit.blocks[chunk[0]] > limit
                pieces.append((card, "none", front, "none" if single else _size(MIN_SIZE_PT),
                               _join([backs[k][i] for i in chunk])))

        doc = [preamble, _final_dm(measured.widths)]
        p_name, width_mm, height_mm = PAPERS[opts.paper]
        deck_root = title
        doc.append(_STUDY.format(paper=string(p_name), title_text=escape(title), date=_date(build_time),
                                 subtitle=f"{len(cards)} 张卡片 · ankigen"))
        for deck, indices in _cards_by_deck(cards):
            name = deck[len(deck_root) + 2:] if deck.startswith(deck_root + "::") else deck
            doc.append(f"\n= {escape(name)}\n")
            for k in indices:
                card = cards[k]
                q, extra = fronts[k]
                doc.append(f"#study-card({string(card.id or '')}, [{q}], [{_join(extra)}], [{_join(backs[k])}])\n")
        cw = (width_mm - 2 * CARD_MARGIN_MM) / opts.cols
        ch = (height_mm - 2 * CARD_MARGIN_MM) / opts.rows
        doc.append(_CARDS.format(paper=string(p_name), margin=CARD_MARGIN_MM, min=MIN_SIZE_PT, cw=f"{cw:.3f}",
                                 ch=f"{ch:.3f}", inset=CELL_INSET_MM, inset_half=CELL_INSET_MM / 2,
                                 cols=opts.cols, rows=opts.rows))
        per_page = opts.cols * opts.rows
        for start in range(0, len(pieces), per_page):
            page = pieces[start:start + per_page]
            front_cells = [f"cell({string(c.id or '')}, {fs}, [{f}])" for c, fs, f, _, _ in page]
            front_cells += ["[]"] * (per_page - len(page))
            back_cells = [f"cell({string(c.id or '')}, {bs}, [{b}])" for c, _, _, bs, b in page]
            back_cells += ["[]"] * (per_page - len(page))
            mirrored = []
            for row in range(opts.rows):  # flip on the long edge: each row reads right to left
                mirrored.extend(reversed(back_cells[row * opts.cols:(row + 1) * opts.cols]))
            doc.append(f"#card-page(({', '.join(front_cells)},))\n#pagebreak()\n")
            doc.append(f"#card-page(({', '.join(mirrored)},))\n")
            if start + per_page < len(pieces):
                doc.append("#pagebreak()\n")
        (folder / "main.typ").write_text("".join(doc), encoding="utf-8")
        stamp = dt.datetime.fromtimestamp(build_time, dt.timezone.utc)
        try:
            return typst.compile(str(folder / "main.typ"), root=str(folder), timestamp=stamp)
        except Exception as exc:  # noqa: BLE001
            raise PdfError(str(exc)) from None
