"""Markdown sources to cards: front matter, headings, ids, tags, decks, math, check blocks, media."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import unquote

import yaml
from markdown_it.token import Token

from ankigen.config import Config
from ankigen.diagnostics import Sink
from ankigen.labels import HAN_CHAR
from ankigen.source.markdown import (BARE_PERCENT, CHECK_INFO, OPTION, WIKI_EMBED, clozes, is_cjk, markdown,
                                     option_lines, render_html, split_at_gaps)
from ankigen.source.kept import ParseStore, key as kept_key
from ankigen.source.media import MediaResolver
from ankigen.source.rawhtml import image_sources, with_sources
from ankigen.model import Card, CheckLine, Diagnostic, Formula, MediaFile, SourceFile, Span

FRONT_MATTER_KEYS = ("deck", "tags", "reverse", "check", "card_heading")
REVERSE_FLAG = "reverse"  # `{.reverse}` on a heading asks for the reversed card; it is no tag
_ATTRS = re.compile(r"\s*\{\s*((?:[#.][^\s{}]+(?:\s+|(?=\})))+)\}\s*$")  # one way to split: no backtracking
_LOOKS_LIKE_ATTRS = re.compile(r"\s*\{\s*[#.][^{}]*\}\s*$")
ID_PATTERN = re.compile(r"^\w[\w.:-]*$")
_TAG_PATTERN = re.compile(r"^[^\s\"]+$")

_QUOTE_MARKS = re.compile(r"^(?:[ \t]*>)+")


@dataclass(frozen=True)
class FileMeta:
    deck: str
    tags: tuple[str, ...]
    reverse: bool = False
    check: bool = True  # display-math claims; `check: off` turns them off for the file
    card_heading: int = 2  # the heading level that starts a card


_SINGLE_DOLLAR = re.compile(r"(?<![$\\])\$(?!\$)[^$\s][^$\n]*?(?<![\s\\$])\$(?!\$)")
_DOUBLE_SPANS = re.compile(r"\$\$.*?\$\$", re.S)
_MID_LINE_DOUBLE = re.compile(r"\S[ \t]*\$\$[^$\n]+\$\$")


class _File:
    """What the stage needs to know about one source while it walks the tokens."""

    def __init__(self, source: SourceFile, sink: Sink, media: MediaResolver) -> None:
        self.source = source
        self.lines = source.text.split("\n")
        self.sink = sink
        self.media = media

    def line(self, n: int) -> str:
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""

    def span(self, line: int, col: int = 1, length: int = 1) -> Span:
        return Span(self.source.rel, line, col, length)

    def error(self, line: int, col: int, code: str, msg: str, hint: str | None = None, length: int = 1,
              notes: tuple[str, ...] = ()) -> None:
        self.sink.error(self.span(line, col, length), code, msg, hint, self.line(line), notes)

    def warning(self, line: int, col: int, code: str, msg: str, hint: str | None = None, length: int = 1) -> None:
        self.sink.warning(self.span(line, col, length), code, msg, hint, self.line(line))

    def locate(self, first: int, last: int, needle: str, after: tuple[int, int] = (0, 0)) -> tuple[int, int]:
        """Line and column of needle within source lines first..last (1-based), or the block start;
        past `after` (a line and column already located), so that a formula written twice on a line
        is found twice. A needle of several lines is found by its first."""
        needle = needle.split("\n", 1)[0]
        for n in range(max(first, after[0]), max(first, last) + 1):
            col = self.line(n).find(needle, after[1] if n == after[0] else 0)
            if col >= 0:
                return n, col + 1
        return first, max(1, len(self.line(first)) - len(self.line(first).lstrip()) + 1)

    @cached_property
    def kramdown(self) -> bool:
        """Written for kramdown (Jekyll sites), where `$$x$$` inside a sentence is inline math: no
        `$x$` anywhere, and `$$x$$` with prose before it on its line again and again (once may be an
        Obsidian author's display formula in a paragraph)."""
        text = self.source.text
        # `\text{for some $p(x) \geq 0$}` inside a display is TeX's own inline math, not the dialect's
        return len(_MID_LINE_DOUBLE.findall(text)) >= 3 and not _SINGLE_DOLLAR.search(_DOUBLE_SPANS.sub("", text))


# The cards and diagnostics of each file as this process last parsed it, by its text and the
# settings: a process that builds again (`build --watch`) parses only the files that changed. A file
# with images is always parsed anew, since an image can change while the file stays the same.
_last: dict[str, tuple[tuple, list[Card], list[Diagnostic]]] = {}


def parse_sources(sources: list[SourceFile], config: Config, sink: Sink, store: ParseStore | None = None) -> list[Card]:
    """Parse every source into cards, then check ids across the whole tree. A file this process
    parsed before, or `store` kept from an earlier build, is not parsed again."""
    media = MediaResolver(sink)
    store = store or ParseStore(None)
    cards: list[Card] = []
    kept: dict[str, tuple[tuple, list[Card], list[Diagnostic]]] = {}
    for source in sources:
        key = (source.path, source.root, source.text, repr(config))
        last = _last.get(source.rel)
        if last is not None and last[0] == key:
            found, items = last[1], last[2]
        elif (recalled := store.recall(source, digest := kept_key(source, config))) is not None:
            found, items = recalled
        else:
            local, asked = Sink(), media.asked
            media.sink = local
            found, items = parse_file(source, config, local, media), local.items
            media.sink = sink
            if media.asked > asked:
                key = ()
            else:
                store.keep(source, digest, found, items)
        sink.items.extend(items)
        cards.extend(found)
        if key:
            kept[source.rel] = (key, found, items)
    _last.clear()
    _last.update(kept)
    lines = {s.rel: s.text.split("\n") for s in sources}
    return _check_unique_ids(cards, sink, lambda span: lines[span.path][span.line - 1])


def parse_file(source: SourceFile, config: Config, sink: Sink, media: MediaResolver | None = None) -> list[Card]:
    """The cards of one source file, in order."""
    f = _File(source, sink, media or MediaResolver(sink))
    env: dict = {}
    tokens = markdown().parse(source.text, env)
    meta = _file_meta(f, tokens, config)
    _check_unterminated(f, tokens)
    level = f"h{meta.card_heading}"
    starts = [i for i, t in enumerate(tokens) if _is_boundary(t, meta.card_heading)]
    cards = []
    if starts:  # a question written above its heading ("Explanation") is in no card either
        _unreached(f, tokens[:starts[0]], None, "before the first heading", meta.card_heading)
    parents: dict[int, str] = {}  # the latest heading at each level above the cards'
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        if tokens[start].tag != level:
            depth = int(tokens[start].tag[1])
            parents = {k: v for k, v in parents.items() if k < depth}
            parents[depth] = _ATTRS_AT_END.sub("", tokens[start + 1].content).strip()
            _warn_outside(f, tokens, start, end, meta.card_heading)
            continue
        # A card asked by a ### heading of a book stands under its ## chapter: shown above the
        # question ("（1）Encoder 模块" alone says little). A file's # title is its deck already.
        crumb = " › ".join(parents[k] for k in sorted(parents) if 2 <= k < meta.card_heading and parents[k])
        card = _card(f, tokens, start, end, meta, env, crumb)
        if card is not None:
            cards.append(card)
    if not any(tokens[i].tag == level for i in starts):
        _warn_no_cards(f, tokens, meta.card_heading)
    return cards


def _warn_outside(f: _File, tokens: list[Token], start: int, end: int, card_heading: int) -> None:
    """Text under a heading above the cards' level, before the next heading, reaches no card: said,
    with its lines, rather than dropped in silence (a worked example under a `##` of `###` cards)."""
    title = tokens[start + 1].content if start + 1 < len(tokens) else ""
    _unreached(f, tokens[start + 3:end], tokens[start].map[0] + 1, f"under '{title}'", card_heading)


def _unreached(f: _File, region: list[Token], line: int | None, where: str, card_heading: int) -> None:
    """Say that the text of a region (its lines, its display formulas) is in no card, at `line` or
    where the text begins."""
    content = [t for t in region if t.level == 0 and t.map and t.type not in ("hr", "html_block", "front_matter")]
    if not content:
        return
    first, last = content[0].map[0] + 1, max(t.map[1] for t in content)
    formulas = sum(1 for t in region if t.type == "math_block")
    what = (f"lines {first}–{last}" if last > first else f"line {first}") + (f", with {formulas} display formula{'s' * (formulas != 1)}," if formulas else "")
    f.warning(line or first, 1, "S039", f"{what} {where} {'reach' if last > first else 'reaches'} no card: cards start at "
              f"'{'#' * card_heading} ' headings",
              hint=f"give this text a '{'#' * card_heading} ' heading of its own to make it a card, or move it "
                   "into the card it belongs to")


def _warn_no_cards(f: _File, tokens: list[Token], card_heading: int) -> None:
    """A file of notes under other headings silently gave nothing: say where the cards went."""
    content = [t for t in tokens if t.level == 0 and t.map and t.type not in ("front_matter", "hr")]
    if not content:
        return
    headings = [t for t in tokens if t.type == "heading_open" and t.map]
    other = [t for t in headings if int(t.tag[1]) > card_heading]
    where = (other or headings or content)[0].map[0] + 1
    levels = sorted({t.tag[1] for t in other})
    found = f"; its {len(other)} headings are level {' and '.join(levels)}" if other else ""
    hint = "make each question a '" + "#" * card_heading + " ' heading, with its answer below it"
    if levels:
        hint += f", or set 'card_heading: {levels[0]}' in the front matter (or card_heading in [tool.ankigen])"
    f.warning(where, 1, "S028", f"no cards in this file: a card starts at a level-{card_heading} heading "
              f"('{'#' * card_heading} '){found}", hint=hint)


def _question_level(tokens: list[Token]) -> int:
    """card_heading "auto": the shallowest heading level below the title that the file uses (2
    when it uses none), as notes that ask at `###` under `##` chapters are written."""
    levels = {int(t.tag[1]) for t in tokens if t.type == "heading_open" and t.level == 0}
    below = sorted(level for level in levels if 1 < level <= 4)
    return below[0] if below else 2


def _is_boundary(t: Token, card_heading: int) -> bool:
    return t.type == "heading_open" and t.level == 0 and int(t.tag[1]) <= card_heading


def _file_meta(f: _File, tokens: list[Token], config: Config) -> FileMeta:
    root = f.source.root if f.source.root.is_dir() else f.source.path.parent
    parts = f.source.path.relative_to(root).with_suffix("").parts
    deck = "::".join([config.root_deck, *parts])
    tags: tuple[str, ...] = ()
    reverse = False
    check = config.check
    card_heading = config.card_heading or _question_level(tokens)
    if not tokens or tokens[0].type != "front_matter":
        return FileMeta(deck, tags, check=check, card_heading=card_heading)
    fm = tokens[0]
    try:
        data = yaml.safe_load(fm.content) if fm.content.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        col = (mark.column + 1) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        f.error(line, col, "S010", f"front matter is not valid YAML: {problem}",
                hint="front matter is YAML between two '---' lines, e.g. 'deck: A::B' and 'tags: [x, y]'")
        return FileMeta(deck, tags, check=check, card_heading=card_heading)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        f.error(2, 1, "S011", "front matter must be a mapping of keys to values",
                hint="write 'deck: …' and 'tags: […]' lines")
        return FileMeta(deck, tags, check=check, card_heading=card_heading)
    for key, value in data.items():
        line, col = f.locate(2, fm.map[1] - 1, f"{key}:")
        if key not in FRONT_MATTER_KEYS:
            f.warning(line, col, "S012", f"unknown front matter key '{key}' is ignored",
                      hint="known keys: " + ", ".join(FRONT_MATTER_KEYS), length=len(str(key)))
        elif key == "deck":
            if not isinstance(value, str) or not _valid_deck(value):
                f.error(line, col, "S013", f"deck must be a name such as 'A::B', not {value!r}", length=len(key))
            else:
                deck = _normal_deck(value)
        elif key == "tags":
            tags = _front_matter_tags(f, value, line, col)
        elif key == "reverse":
            if not isinstance(value, bool):
                f.error(line, col, "S027", f"reverse must be true or false, not {value!r}", length=len(key))
            else:
                reverse = value
        elif key == "check":
            if value not in (True, False, "on", "off"):  # YAML reads a bare `off` as false
                f.error(line, col, "S036", f"check must be on or off, not {value!r}", length=len(key))
            else:
                check = value in (True, "on")
        elif key == "card_heading" and value == "auto":
            card_heading = _question_level(tokens)
        elif key == "card_heading":
            if value not in (1, 2, 3, 4) or isinstance(value, bool):
                f.error(line, col, "S037", f"card_heading must be 1, 2, 3, 4 or auto, not {value!r}", length=len(key))
            else:
                card_heading = value
    return FileMeta(deck, tags, reverse, check, card_heading)


def _valid_deck(name: str) -> bool:
    return bool(name.strip()) and all(p.strip() for p in name.split("::"))


def _normal_deck(name: str) -> str:
    return "::".join(p.strip() for p in name.split("::"))


def _front_matter_tags(f: _File, value: object, line: int, col: int) -> tuple[str, ...]:
    if value is None:  # `tags:` with nothing after it, as Obsidian's new notes have: no tags
        return ()
    if isinstance(value, str):
        items: list[object] = value.replace(",", " ").split()
    elif isinstance(value, list):
        items = value
    else:
        f.error(line, col, "S014", "tags must be a list such as [cnn, formulas]", length=4)
        return ()
    tags = []
    for item in items:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool):
            f.error(line, col, "S014", f"tag must be a word, not {item!r}", length=4)
            continue
        tag = str(item).strip()
        if not tag:
            continue
        if not _TAG_PATTERN.match(tag):
            fixed = re.sub(r"[\s\"]+", "_", tag)
            f.warning(line, col, "S015", f"tag '{tag}' has spaces or quotes; using '{fixed}'",
                      hint="Anki tags are single words; use '_' or '::' to join words", length=4)
            tag = fixed
        tags.append(tag)
    return tuple(tags)


_CONTAINERS = {"bullet_list_open": "bullet_list_close", "ordered_list_open": "ordered_list_close",
               "blockquote_open": "blockquote_close"}


def _visible_depth(tokens: list[Token], at: Token) -> int:
    """How many lists and quotes hold the token, one inside the other."""
    depth = 0
    for t in tokens:
        if t is at:
            break
        if t.type in _CONTAINERS:
            depth += 1
        elif t.type in _CONTAINERS.values():
            depth -= 1
    return depth


def _check_unterminated(f: _File, tokens: list[Token]) -> None:
    total = f.source.text.count("\n") + (0 if f.source.text.endswith("\n") else 1)
    limit = markdown().options["maxNesting"]
    deepest = next((t for t in tokens if t.level >= limit - 1 and t.map), None)
    if deepest is not None:
        # markdown-it stops reading at its nesting limit: say so rather than drop the rest unseen.
        # Its limit counts tokens (a list item is two); the message counts what a reader sees.
        depth = _visible_depth(tokens, deepest)
        f.error(deepest.map[0] + 1, 1, "S026",
                f"lists and quotes nested {depth} deep; lines {deepest.map[0] + 1}–{deepest.map[1]} "
                "are not read", hint="flatten the nested lists or quotes")
    # `$$ 其中 …`: a paragraph that starts on the line closing a formula starts after its `$$`
    after_formula = {t.map[1] - 1 for t in tokens if t.type == "math_block" and t.map}
    for t in tokens:
        if t.type == "fence" and t.map and t.map[1] >= total:
            last = _QUOTE_MARKS.sub("", f.line(t.map[1])).strip()  # `> ```` closes a fence in a quote
            if t.map[1] - t.map[0] < 2 or not (last.startswith(t.markup) and set(last) <= {t.markup[0]}):
                f.error(t.map[0] + 1, 1, "S016", "code fence is never closed",
                        hint=f"close it with a line '{t.markup}'; until then the rest of the file is code",
                        length=len(t.markup))
        elif t.type == "paragraph_open" and t.map and t.map[0] not in after_formula:
            first = f.line(t.map[0] + 1).lstrip()
            if first.startswith("$$") or first.startswith("\\["):
                opener = first[:2]
                closer = "$$" if opener == "$$" else "\\]"
                rest = "\n".join(f.line(n) for n in range(t.map[0] + 1, t.map[1] + 1)).lstrip()[2:]
                if closer in rest:
                    continue  # `$$x$$ where …`: closed, with text after it on the line
                blank = t.map[1] + 1  # the line that ended the paragraph
                later = None
                for n in range(blank + 1, min(total, blank + 40) + 1):
                    if _HEADING.match(f.line(n)):
                        break  # a `$$` past the next heading is that section's own
                    if f.line(n).rstrip().endswith(closer) or f.line(n).lstrip().startswith(closer):
                        later = n
                        break
                if later is not None and not f.line(blank).strip():
                    f.error(t.map[0] + 1, f.line(t.map[0] + 1).find(opener) + 1, "S017",
                            f"display math '{opener}' is cut by the blank line {blank}, so its '{closer}' on line "
                            f"{later} closes nothing", hint="remove the blank line: display math may not hold one",
                            length=2)
                    continue
                if opener == "\\[":
                    continue  # `\[toc]`, `\[1] [ref](…)`: an escaped bracket in Markdown, not math
                f.error(t.map[0] + 1, f.line(t.map[0] + 1).find(opener) + 1, "S017",
                        f"display math '{opener}' is never closed",
                        hint=f"end it with a line '{closer}'", length=2)


def _split_attrs(f: _File, raw: str, line: int) -> tuple[str, str | None, tuple[str, ...]]:
    """`Question {#id .tag}` → ('Question', 'id', ('tag',))."""
    m = _ATTRS.search(raw)
    if not m:
        bad = _LOOKS_LIKE_ATTRS.search(raw)
        if bad:
            f.error(line, (f.line(line).rfind("{") + 1) or 1, "S022", f"cannot read the attributes '{bad.group(0).strip()}'",
                    hint="write '{#my-id .tag1 .tag2}': one '#id' and '.tags', separated by spaces",
                    length=len(bad.group(0).strip()))
        return raw.strip(), None, ()
    card_id: str | None = None
    tags: list[str] = []
    col0 = f.line(line).find("{") + 1 or 1
    for item in m.group(1).split():
        value = item[1:]
        if item.startswith("#"):
            if card_id is not None:
                f.error(line, col0, "S021", f"a card has one id; found '{card_id}' and '{value}'",
                        length=len(m.group(0).strip()))
            elif not ID_PATTERN.match(value):
                f.error(line, col0, "S022", f"invalid card id '{value}'",
                        hint="ids are letters, digits, '-', '_', '.' or ':', e.g. {#conv-output-size}",
                        length=len(m.group(0).strip()))
            else:
                card_id = value
        elif value:
            tags.append(value)
    return raw[:m.start()].strip(), card_id, tuple(tags)


def _take_reverse(tags: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    return tuple(t for t in tags if t != REVERSE_FLAG), REVERSE_FLAG in tags


_FRONT_BLOCKS = 12  # a question, up to eight options one per paragraph, a snippet: what a front holds
_FRONT_PROSE = 400  # characters of prose a front may hold before it reads as the answer itself
_SNIPPET_BLOCKS = 4  # a question about a snippet: a sentence or two around one block of code


def _front_like(blocks: list[Token], rest: list[Token]) -> bool:
    """Whether what stands before a card's first `---` reads as more of its question: options or a
    snippet, or a few short blocks; not a sub-heading, not a dozen blocks, not followed by nothing
    but a quoted remark, and not long prose over a short remark (a credit line), where the `---` is
    a divider inside the answer."""
    top = [t for t in blocks if t.level == 0 and t.nesting in (0, 1)]
    if len(top) > _FRONT_BLOCKS or any(t.type == "heading_open" for t in top):
        return False
    after = [t for t in rest if t.level == 0 and t.nesting in (0, 1)]
    if after and all(t.type == "blockquote_open" for t in after):
        return False  # `----------` then "> 注：本节参考…": a remark closing the answer, not the answer
    inlines = [t for t in blocks if t.type == "inline"]
    options = sum(bool(OPTION.match(t.content)) for t in inlines)  # one per paragraph, or one per line
    snippet = len(top) <= _SNIPPET_BLOCKS and any(t.type in ("fence", "code_block") for t in top)
    if snippet or options >= 2 or any(t.children and option_lines(t.children) for t in inlines):
        return True
    prose = sum(_prose_size(t.content) for t in inlines)
    return prose <= _FRONT_PROSE or prose <= 2 * sum(_prose_size(t.content) for t in rest if t.type == "inline")


def _prose_size(text: str) -> int:
    """Characters, a Han character counting as three: as much reading as a short English word."""
    return len(text) + 2 * len(HAN_CHAR.findall(text))


_ATTRS_AT_END = re.compile(r"\s*\{[^{}]*\}\s*$")


def _card(f: _File, tokens: list[Token], start: int, end: int, meta: FileMeta, env: dict,
          crumb: str = "") -> Card | None:
    md = markdown()
    head = tokens[start]
    line = head.map[0] + 1
    if head.markup in ("-", "="):
        f.warning(line, 1, "S018", "an underlined ('---') heading starts a new card",
                  hint="to separate the front from the answer, put a blank line before '---'")
    inline = tokens[start + 1]
    question, card_id, card_tags = _split_attrs(f, inline.content, line)
    card_tags, reverse = _take_reverse(card_tags)
    body = tokens[start + 3:end]
    while body and body[-1].type == "hr" and body[-1].level == 0:
        body = body[:-1]  # a '---' closing the card divides cards, as in most notes: it is not an empty back
    hr = next((i for i, t in enumerate(body) if t.type == "hr" and t.level == 0), None)
    if hr is not None and not _front_like(body[:hr], body[hr + 1:]):
        hr = None  # `----------` late in a long answer, before a closing remark: a divider, not a front's end
    front_body, answer = (body[:hr], body[hr + 1:]) if hr is not None else ([], body)

    media: list[MediaFile] = []
    q_tokens = md.parseInline(question, env)
    _resolve_images(f, q_tokens, line, line, media)
    for t in body:
        if t.type in ("inline", "html_block") and t.map:
            _resolve_images(f, [t], t.map[0] + 1, t.map[1], media)

    question_html = render_html(q_tokens, env).strip()
    if not question_html:
        f.error(line, 1, "S019", "card has an empty question", hint="write the question after '## '",
                length=len(f.line(line)))
    front_html = render_html(front_body, env).strip() if front_body else ""
    back_html = render_html(answer, env).strip()
    # A cloze card needs no answer: the deletions in its question are what is asked.
    if not back_html and not CLOZE.search(question_html + front_html):
        # Other people's notes leave template headings empty ("Intuition (optional)"): one of them
        # must not cost the whole deck, and a card with nothing to recall is no card.
        f.warning(line, 1, "S020", "card has no answer, so it is left out of the deck",
                  hint="write the answer below the heading, before the next heading of its level, or delete "
                       "the heading", length=len(f.line(line)))
        return None
    back_html = _answer_key(question_html + front_html, answer) + _short(answer, back_html)
    if card_id is None:
        f.warning(line, 1, "S025", "card has no id; editing its question will make it a new card in Anki",
                  hint="end the heading with a stable id, e.g. '## … {#my-card}'", length=len(f.line(line)))
    last_line = (next((t.map[1] for t in reversed(body) if t.map), head.map[1]))
    sections = _sections(body)
    formulas, inline = _math(f, body, sections, question)
    return Card(
        id=card_id,
        question=question,
        front_html=((f'<div class="crumb">{render_html(md.parseInline(crumb, env), env).strip()}</div>\n'
                     if crumb else "")
                    + f'<div class="question">{question_html}</div>'
                    + (f'\n<div class="front-more">{front_html}</div>' if front_html else "")),
        back_html=back_html,
        deck=meta.deck,
        tags=tuple(dict.fromkeys(meta.tags + card_tags)),
        span=f.span(line, 1, len(f.line(line))),
        formulas=tuple(formulas),
        checks=tuple(_check_lines(f, body, sections)),
        inline=tuple(inline),
        check_display=meta.check,
        media=tuple(dict.fromkeys(media)),
        front_extra_md=_source_text(f, front_body),
        back_md=_source_text(f, answer),
        end_line=last_line,
        reverse=reverse or meta.reverse,
    )


# How an answer names the correct options: `**B**。…`, `答案：A、C`, `Answer: B and D`.
_KEY = re.compile(r"^(?:(?:正确)?答案(?:是|为|选)?|(?i:(?:the\s+)?(?:correct\s+)?answers?(?:\s+is|\s+are)?))?"
                  r"\s*[:：]?\s*([A-H](?:\s*(?:[,，、/&]|and|和|与)\s*[A-H])*)(?![A-Za-z])(?!\s+[a-z])")


def _short(answer: list[Token], html: str) -> str:
    """A one-line answer ("不一定。", "Adam") set larger (card.css): on a card with a long question it
    was the least visible thing there."""
    blocks = [k for k, t in enumerate(answer) if t.level == 0 and t.nesting != -1]
    if len(blocks) != 1 or answer[blocks[0]].type != "paragraph_open" or not html.startswith("<p>"):
        return html
    text = answer[blocks[0] + 1].content
    width = sum(2 if is_cjk(ch) else 1 for ch in text.strip())
    if width > 24 or "$" in text or "\n" in text.strip():
        return html
    return '<p class="short-answer">' + html[len("<p>"):]


def _answer_key(front: str, answer: list[Token]) -> str:
    """An empty mark naming the options the answer gives, on a card whose front has options, for
    card.css to highlight them on the back (the front has none: nothing is given away)."""
    if 'class="option' not in front:
        return ""
    first = next((t for t in answer if t.type == "inline"), None)
    m = _KEY.match(re.sub(r"[*_`]", "", first.content).strip()) if first is not None else None
    if m is None:
        return ""
    letters = dict.fromkeys(c for c in re.findall(r"(?<![A-Za-z])[A-H](?![A-Za-z])", m.group(1)))
    options = set(re.findall(r'class="option opt-([A-H])"', front))
    shown = [c for c in letters if c in options]
    return f'<span class="ag-key {" ".join(f"ag-key-{c}" for c in shown)}"></span>' if shown else ""


def _source_text(f: _File, body: list[Token]) -> str:
    spans = [t.map for t in body if t.map and t.level == 0]
    if not spans:
        return ""
    return "\n".join(f.lines[spans[0][0]:spans[-1][1]]).strip("\n")


def _resolve_images(f: _File, tokens: list[Token], first: int, last: int, media: list[MediaFile]) -> None:
    """Markdown images and raw `<img src>` alike go through the media rules: packed, or refused."""
    def resolve(src: str, by_name: bool = False) -> str | None:
        # markdown-it percent-encodes what it may not keep (`\` is `%5C`): look for it as written
        shown = unquote(src) if any(unquote(src) in f.line(n) for n in range(first, max(first, last) + 1)) else src
        ln, col = f.locate(first, last, shown) if src else (first, 1)
        result = f.media.resolve(src, f.source, f.span(ln, col, max(1, len(shown))), f.line(ln), by_name)
        if isinstance(result, MediaFile):
            media.append(result)
            return result.name
        return result

    for t in tokens:
        left_out = False
        for child in (t.children or []) if t.type == "inline" else [t]:
            if child.type == "image":
                by_name = bool(child.meta.get(WIKI_EMBED))
                packed = resolve(str(child.attrGet("src") or ""), by_name)
                if packed is None:  # left out (a warning) or refused (an error): its alt text stays
                    left_out = True
                    child.meta[_LEFT_OUT] = True
                else:
                    child.attrSet("src", packed)
            elif child.type in ("html_inline", "html_block") and image_sources(child.content):
                child.content = with_sources(child.content, resolve)
        if left_out:  # the alt text as the Markdown it is: its formulas typeset, not shown as TeX
            t.children = [part for child in t.children for part in (
                _alt_text(child) if child.meta.get(_LEFT_OUT) else [child])]


_LEFT_OUT = "ankigen_left_out"


def _alt_text(image: Token) -> list[Token]:
    if image.children:
        return list(image.children)
    return [Token("text", "", 0, content=image.content)]


CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)


def blank_clozes(latex: str) -> str:
    """A formula with cloze markup (and hints) turned into spaces of the same length: the deleted
    text is checked like any other, and offsets in diagnostics still point at the source."""
    out, at = [], 0
    for start, end, number, body, _ in clozes(latex):
        lead = len(f"{{{{c{number}::")
        out += [latex[at:start], " " * lead, body, " " * (end - start - lead - len(body))]
        at = end
    out.append(latex[at:])
    return "".join(out)


# A paragraph that opens a numbered problem or example ("**Problem 3:**", "Example 2.", "例 3",
# "习题 2："): its names are its own, as under a sub-heading, unless it goes on with one before
# ("For the random variable in Problem 1", "上题", "the same").
_PROBLEM = re.compile(r"\s*(?:\*\*|__)?\s*(?:(?:Problem|Example|Exercise|Question)\s*\d+[a-z]?(?:\.\d+)*"
                      r"|(?:例题?|习题|练习|题目?)\s*[\d一二三四五六七八九十]+)\s*(?:\*\*|__)?\s*[:：.．)）]", re.I)
_EARLIER = re.compile(r"\b(?:Problem|Example|Exercise|Question)\s*\d|\b(?:same|previous|above|preceding)\b"
                      r"|上一?[题例]|同上|前一?[题例]|沿用", re.I)


# A list item that opens with the case it treats ("**Case 2**:", "**$a \ge 0 > b$** (or the reverse):",
# "情况二：", "当 $x<0$ 时："): what it says of a name (σ(b) = b when b ≥ 0) holds in that case only.
_CASE = re.compile(r"\s*(?:\*\*|__)?\s*(?:(?:Case|Subcase|情况|情形|경우)\s*[\w()（）一二三四五六七八九十.]*\s*"
                   r"(?:\$[^$]*\$)?|(?:if|when|for|当|若|如果)?\s*\$[^$]*(?:[<>=]|\\[gl]eq?\b|\\neq?\b|\\in\b)[^$]*\$)"
                   r"\s*(?:\*\*|__)?\s*(?:时|일 때|이면)?\s*(?:\([^)]{0,30}\)|（[^）]{0,30}）)?\s*[:：]", re.I)


def _sections(body: list[Token]) -> list[int]:
    """For each token, which sub-heading (###…), numbered problem or case of the card it is under; 0
    before the first. A case is a list item: after it the card is back where it was (0)."""
    count, section, out = 0, 0, []
    case = None  # the level of the list item of the case being read
    for k, t in enumerate(body):
        if case is not None and t.type == "list_item_close" and t.level == case:
            out.append(section)
            section, case = 0, None
            continue
        label = _PROBLEM.match(body[k + 1].content) if t.type == "paragraph_open" and t.level == 0 \
            and k + 1 < len(body) else None
        problem = label is not None and not _EARLIER.search(body[k + 1].content[label.end():])
        if (t.type == "heading_open" and t.level == 0) or problem:
            count, case = count + 1, None
            section = count
        elif t.type == "list_item_open" and section == 0 and k + 2 < len(body) \
                and body[k + 1].type == "paragraph_open" and _CASE.match(body[k + 2].content):
            count, case = count + 1, t.level
            section = count
        out.append(section)
    return out


_HEADING = re.compile(r" {0,3}#{1,6}[ \t]")


def _blank_separated(content: str, line: int, col: int) -> list[tuple[str, int, int]]:
    """A display block written Typora's way, with blank lines inside, as the formulas they separate
    (each with its own line and column), since each is written as a formula of its own."""
    parts = split_at_gaps(content)
    out = []
    for offset, part in parts:
        if not part.strip() and len(parts) > 1:
            continue
        before = content[:offset]
        out.append((part, line + before.count("\n"), col if "\n" not in before else 1))
    return out


def _math(f: _File, body: list[Token], sections: list[int], question: str = "") -> tuple[list[Formula], list[Formula]]:
    """The card's display formulas, each with the prose that leads into it and the inline formulas
    of the paragraphs around it (its conditions: "其中 $0 < \\gamma < 1$"); and its inline formulas
    with a relation (`$R_0 = 1$`, `$\\bar{x} = \\frac{1}{m}\\sum x_i$`, `$(10-3)/2+1 = 4.5$`), from which
    the checker reads base cases, symbolic definitions and closed numeric claims."""
    display, inline = [], []
    heading = question[:120]
    for k, (t, section) in enumerate(zip(body, sections)):
        if t.type == "heading_open" and k + 1 < len(body) and body[k + 1].type == "inline":
            heading = body[k + 1].content[:120]
        if t.type == "math_block" and t.map:
            ln = t.map[0] + 1
            col = f.line(ln).find(t.markup) + 1 + len(t.markup)
            before, after = _paragraph(body, k, -1), _paragraph(body, k, 1)
            for part, line, column in _blank_separated(t.content, ln, max(col, 1)):
                display.append(Formula(blank_clozes(part), f.span(line, column, len(part)), section,
                                       _lead(before.children if before else [], None),
                                       _near(_paragraph(body, k, -1, across_math=True), after), heading,
                                       _tail(after.children if after else [], None)))
        elif t.type == "inline" and t.map:
            cursor = (0, 0)
            for child in t.children or []:
                if child.type == "math_inline_double" and f.kramdown and _in_sentence(t.children, child):
                    if _RELATION.search(child.content) and len(child.content) <= 300:
                        ln, col = f.locate(t.map[0] + 1, t.map[1], "$$" + child.content, cursor)
                        cursor = (ln, col + 1)
                        inline.append(Formula(blank_clozes(child.content), f.span(ln, col + 2, len(child.content)),
                                              section, _lead(t.children, child), tail=_tail(t.children, child)))
                elif child.type == "math_inline_double":
                    ln, col = f.locate(t.map[0] + 1, t.map[1], "$$" + child.content, cursor)
                    cursor = (ln, col + 1)
                    display.append(Formula(blank_clozes(child.content), f.span(ln, col + 2, len(child.content)),
                                           section, _lead(t.children, child) or _lead(_children(body, k), None),
                                           _near(_paragraph(body, k, -1, across_math=True), t,
                                                 _paragraph(body, k, 1)), heading,
                                           _tail(t.children, child) or _tail(_children_after(body, k), None)))
                elif child.type == "math_inline" and _RELATION.search(child.content) and len(child.content) <= 300:
                    ln, col = f.locate(t.map[0] + 1, t.map[1], child.content, cursor)
                    cursor = (ln, col + len(child.content))
                    inline.append(Formula(blank_clozes(child.content), f.span(ln, col, len(child.content)), section,
                                          _lead(t.children, child), tail=_tail(t.children, child)))
    for formula in display + inline:
        _percent_sign(f, formula)
    return display, inline


def _percent_sign(f: _File, formula: Formula) -> None:
    """`75%` in a formula: TeX reads `%` as the start of a comment, so the card shows `75` and
    loses the rest of the line."""
    m = BARE_PERCENT.search(formula.latex)
    if m is None:
        return
    before = formula.latex[:m.start()]
    line = formula.span.line + before.count("\n")
    col = formula.span.col + m.start() if "\n" not in before else m.start() - before.rfind("\n")
    number = re.search(r"[\d.]*$", before).group(0)
    f.warning(line, col, "S040", f"'{number}%' in a formula: '%' starts a TeX comment, so the card shows "
              f"'{number}' and drops the rest of the line", hint=f"write '{number}\\%' for a percent sign")


def _in_sentence(children: list[Token], child: Token) -> bool:
    """Prose before or after the formula in its paragraph line: `… so $$q \\neq p$$ and …`."""
    k = children.index(child)
    before = next((c for c in reversed(children[:k]) if c.type != "softbreak"), None)
    after = next((c for c in children[k + 1:] if c.type != "softbreak"), None)
    return any(c is not None and c.type == "text" and c.content.strip() for c in (before, after))


_RELATION = re.compile(r"=|<|>|\\[lg]eq?\b|\\in\b|\\neq?\b|\\approx|\\sim\b")


def _paragraph(body: list[Token], k: int, step: int, across_math: bool = False) -> Token | None:
    """The inline content of the paragraph right before (step -1) or after (+1) token k, if any;
    across_math passes over display formulas between (a sentence's condition holds for the run of
    formulas it introduces)."""
    skip = ("paragraph_open", "paragraph_close", "math_block") if across_math else ("paragraph_open", "paragraph_close")
    j = k + step
    while 0 <= j < len(body) and (body[j].type in skip or (across_math and _only_display(body[j]))):
        j += step
    return body[j] if 0 <= j < len(body) and body[j].type == "inline" else None


def _only_display(t: Token) -> bool:
    """A paragraph that is one `$$…$$` formula (with a comment after it): not a sentence."""
    kids = [c for c in t.children or [] if not (c.type in ("softbreak", "html_inline") or
                                                (c.type == "text" and not c.content.strip()))]
    return t.type == "inline" and bool(kids) and all(c.type == "math_inline_double" for c in kids)


def _children(body: list[Token], k: int) -> list[Token]:
    before = _paragraph(body, k, -1)
    return before.children or [] if before else []


def _lead(children: list[Token], until: Token | None) -> str:
    """The last words of prose before `until` (or the end): what introduces a formula."""
    text = ""
    for child in children:
        if child is until:
            break
        if child.type == "text":
            text += child.content
        elif child.type.startswith("math_inline"):
            text += "$" + child.content + "$"
        elif child.type in ("softbreak", "hardbreak"):
            text += " "
    return " ".join(text.split())[-80:]


def _children_after(body: list[Token], k: int) -> list[Token]:
    """The prose of the paragraph after token k: what a formula that ends its own paragraph is followed by."""
    after = _paragraph(body, k, 1)
    return list(after.children or []) if after is not None else []


def _tail(children: list[Token], after: Token | None) -> str:
    """The first words of prose after `after` (or from the start): what a formula is followed by."""
    text, seen = "", after is None
    for child in children:
        if not seen:
            seen = child is after
            continue
        if child.type == "text":
            text += child.content
        elif child.type.startswith("math_inline"):
            text += "$" + child.content + "$"
        elif child.type in ("softbreak", "hardbreak"):
            text += " "
    return " ".join(text.split())[:80]


# "Setting the derivative to zero gives $k - np = 0$": what the formula before leads to, not a
# condition it was stated under (read as one, it made every step of the derivation 0 = 0)
_LEADS_TO = re.compile(r"(?:\b(?:gives?|giving|get|gets|got|obtains?|obtained|yields?|yielding|so|thus|hence|"
                       r"therefore|implies|leads?\s+to|results?\s+in)|得到?|可得|解得|所以|因此|于是|即)"
                       r"\s*(?:that\s*)?[:：,，]?\s*$", re.I)


_NEXT_CASE = re.compile(r"(?:^|[.;:!?。；：]\s*)(?:for|when|if|in\s+the\s+case|对于|当|若)\s*$", re.I)


def _near(before: Token | None, *after: Token | None) -> tuple[str, ...]:
    """The inline formulas of these paragraphs that hold a relation, but for those the paragraphs
    after the formula give as its outcome."""
    found = []
    for k, p in enumerate((before, *after)):
        text = ""
        for child in p.children or [] if p is not None else []:
            if child.type == "math_inline" and _RELATION.search(child.content) and len(child.content) <= 300:
                if k and _NEXT_CASE.search(text):
                    break  # "For $z = 0$, …" after the formula: the next case of a worked example begins
                if not (k and _LEADS_TO.search(text)):
                    found.append(child.content)
            # the words just before the next formula are all that is read: a paragraph of megabytes costs nothing
            text = (text + (child.content if child.type in ("text", "math_inline") else " "))[-40:]
    return tuple(found)


def _check_lines(f: _File, body: list[Token], sections: list[int]) -> list[CheckLine]:
    found = []
    for t, section in zip(body, sections):
        if t.type != "fence" or not t.map or t.info.strip().split(maxsplit=1)[:1] != [CHECK_INFO]:
            continue
        for i, text in enumerate(t.content.split("\n")):
            if not text.strip():
                continue
            ln = t.map[0] + 2 + i
            col = f.line(ln).find(text.strip()) + 1
            found.append(CheckLine(text.rstrip(), f.span(ln, max(col, 1), len(text.strip())), section))
    return found


def _check_unique_ids(cards: list[Card], sink: Sink, line_of) -> list[Card]:
    """The cards, each twin numbered: a card without an id whose deck and question an earlier one
    has is a card of its own (its identity is its place among them), with a warning."""
    seen: dict[str, Card] = {}
    for card in cards:
        key = card.id
        if key is None:
            continue
        first = seen.setdefault(key, card)
        if first is not card:
            sink.error(card.span, "S023", f"duplicate card id '{key}'",
                       hint="ids are unique across the whole source tree; rename one of them",
                       source_line=line_of(card.span), notes=(f"first used at {first.span.path}:{first.span.line}",))
    texts: dict[tuple[str, str], list[Card]] = {}
    out = []
    for card in cards:
        if card.id is not None:
            out.append(card)
            continue
        twins = texts.setdefault((card.deck, card.question), [])
        if twins:
            first = twins[0]
            sink.warning(card.span, "S024", "two cards without ids have the same deck and question",
                         hint="give each an id (`ankigen ids` adds them): until then each is known by its "
                              "place among them, and moving one above the other swaps their histories",
                         source_line=line_of(card.span),
                         notes=(f"the other is at {first.span.path}:{first.span.line}",))
            card = replace(card, twin=len(twins))
        twins.append(card)
        out.append(card)
    return out
