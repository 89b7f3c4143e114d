"""Every diagnostic code ankigen emits, defined once: what it means, why it matters, what to do,
and a small project that produces it next to one that does not.

docs/diagnostics.md is generated from this registry (scripts/diagnostics_page.py), and
tests/test_codes.py runs every example through the real CLI, so neither can drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from ankigen.model import Severity

ERROR, WARNING = Severity.ERROR, Severity.WARNING
SOURCE = "cards_src/notes.md"  # where an example's Markdown goes: the default source folder


@dataclass(frozen=True)
class File:
    """One file of an example project, relative to the project folder."""

    path: str
    text: str
    # The bytes written, when they are not `text` in UTF-8 (a Latin-1 file, an image); `text`
    # is then what the page shows, and `note` says what the bytes are.
    data: bytes | None = None
    note: str = ""
    repeat: int = 1  # `text` written this many times: a file too large to print

    def content(self) -> bytes:
        return self.data if self.data is not None else self.text.encode("utf-8") * self.repeat


@dataclass(frozen=True)
class Example:
    """A project in a fresh folder: its files, its `[tool.ankigen]` settings, one command."""

    files: tuple[File, ...]
    settings: str = ""  # lines under [tool.ankigen] in pyproject.toml
    command: str = "check"  # "check", or "build" for what only a build finds (the PDF, the lock)
    # Built first in the same folder, for a code about what changed since the last build; the
    # paths in `remove` are deleted between the two builds.
    first: Example | None = None
    remove: tuple[str, ...] = ()
    # Other codes a `bad` example cannot help giving too (a card whose id is unreadable has none):
    # listed, so the page shows the whole output and the test knows the rest is noise.
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity  # as the `bad` example emits it
    summary: str
    explanation: str
    hint: str
    bad: Example | None
    fixed: Example | None
    severity_note: str = ""  # when the code is emitted with the other severity, and why
    other_bad: Example | None = None  # gives it with that other severity
    no_example: str = ""  # why no source produces it, when `bad` is None


def md(text: str, settings: str = "", command: str = "check", *more: File, also: tuple[str, ...] = ()) -> Example:
    """An example with one Markdown source (and maybe further files)."""
    return Example((File(SOURCE, text), *more), settings, command, also=also)


# A valid 1×1 PNG, so the fixed image examples have a real image to point at.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b49444154789c63"
                    "60000200000500017a5eab3f0000000049454e44ae426082")
_PNG_FILE = File("cards_src/cat.png", "", PNG, note="a real PNG image")
_CARD = "## What is 2 + 2? {#two-plus-two}\n\nFour.\n"
_CAT = "## What does a cat look like? {#cat}\n\n"
_CAFE = "## Café or tea? {#cafe}\n\nTea.\n"


def _front(matter: str) -> str:
    return f"---\n{matter}---\n\n{_CARD}"


def _check(claims: str, before: str = "") -> str:
    return f"## A card with a claim {{#claim}}\n\nThe claim is checked below.\n\n{before}```check\n{claims}```\n"


SOURCES = (
    Code("S001", ERROR, "the file is not valid UTF-8",
         "ankigen reads every source as UTF-8. A file saved in another encoding (Latin-1, GBK, "
         "Windows-1252) would turn its accented or Chinese letters into garbage on the cards, so the "
         "file is not read at all, and the message names the byte offset of the first bad byte.",
         "save the file as UTF-8 (most editors have 'Save with encoding')",
         Example((File(SOURCE, _CAFE, _CAFE.encode("latin-1"),
                       note="saved as Latin-1, so 'é' is the single byte 0xE9"),)),
         Example((File(SOURCE, _CAFE, note="saved as UTF-8"),))),
    Code("S002", ERROR, "the file cannot be read",
         "The operating system refused to read a source file: its permissions forbid it, it vanished "
         "during the build, or the disk failed. The message carries the system's reason.",
         "check the file's permissions (`ls -l`) and that it still exists", None, None,
         no_example="only the machine refuses a read (permissions, a disk error, a file deleted mid-build); "
                    "no file content causes it"),
    Code("S003", ERROR, "the file is larger than 64 MB",
         "No one writes 64 MB of study notes by hand; a file that large is usually a log or an export "
         "that landed in the source folder by mistake. Reading it would take the build's memory, so "
         "the build stops at once instead.",
         "split the notes into several files, or move the file out of the source folder",
         Example((File(SOURCE, "A line of padding, far too many times.\n", repeat=1_800_000,
                       note="this line written 1,800,000 times: 70 MB"),)),
         md(_CARD)),
    Code("S004", WARNING, "a control character was dropped",
         "Control characters (U+0000 to U+001F apart from tab and newline, and U+007F to U+009F) are "
         "invisible in most editors and have no place on a card, so they are removed. The source line is "
         "shown with the character made visible (␇ for U+0007) at its place.",
         "delete the invisible character in your editor; the warning then goes away",
         Example((File(SOURCE, "## What is 2 + 2? {#two-plus-two}\n\nFo\x07ur.\n",
                       note="'Fo' and 'ur' are separated by the invisible character U+0007"),)),
         md(_CARD)),
    Code("S010", ERROR, "front matter is not valid YAML",
         "The front matter (the block between two `---` lines at the top of a file) is read as YAML. "
         "If it does not parse, none of its settings apply, so the file's deck and tags would be wrong.",
         "fix the YAML: close brackets and quotes, write one `key: value` per line",
         md(_front("deck: [Maths\n")), md(_front("deck: Maths\n"))),
    Code("S011", ERROR, "front matter is not a mapping",
         "Front matter must be keys with values (`deck: …`, `tags: […]`). A YAML list or a bare "
         "word is valid YAML but says nothing ankigen can use.",
         "write `key: value` lines, e.g. `deck: Maths`",
         md(_front("- Maths\n- arithmetic\n")), md(_front("deck: Maths\ntags: [arithmetic]\n"))),
    Code("S012", WARNING, "unknown front matter key",
         "A key ankigen does not know is ignored. It is usually a typo of a known one (deck, tags, "
         "reverse, check, card_heading), whose setting then silently does not apply.",
         "correct the key's spelling, or delete it",
         md(_front("dek: Maths\n")), md(_front("deck: Maths\n"))),
    Code("S013", ERROR, "the deck is not a valid deck name",
         "`deck` names the Anki deck of the file's cards; `::` separates a deck from its subdeck. An "
         "empty part (`A::::B`), or a value that is not text, would give Anki a deck it cannot show.",
         "write a name such as `Maths` or `Maths::Arithmetic`",
         md(_front("deck: 'Maths::::Arithmetic'\n")), md(_front("deck: Maths::Arithmetic\n"))),
    Code("S014", ERROR, "tags are not a list of words",
         "`tags` must be a YAML list (`[a, b]`) or one word; each tag must be a word or a number. A "
         "mapping or a nested list cannot become Anki tags.",
         "write the tags as a list, e.g. `tags: [arithmetic, basics]`",
         md(_front("tags: {arithmetic: yes}\n")), md(_front("tags: [arithmetic]\n"))),
    Code("S015", WARNING, "a tag has spaces or quotes",
         "An Anki tag is a single word: a space would split it in two. ankigen replaces the spaces "
         "and quotes with `_` and says which tag it made.",
         "join words with `_`, or make a hierarchy with `::`",
         md(_front("tags: [mental maths]\n")), md(_front("tags: [mental_maths]\n"))),
    Code("S016", ERROR, "a code fence is never closed",
         "Everything after an unclosed ```` ``` ```` is code to Markdown, so every card below it would "
         "silently vanish into one code block.",
         "close the fence with a line of the same backticks",
         md(_CARD + "\n```python\nprint(2 + 2)\n"), md(_CARD + "\n```python\nprint(2 + 2)\n```\n")),
    Code("S017", ERROR, "display math is never closed",
         "A `$$` (or `\\[`) block needs its closing `$$`. A line holding only `$$` opens a block that "
         "runs to the next line holding only `$$`, blank lines included, as Typora and Obsidian read it; "
         "where a `$$` that starts a paragraph is closed only after a blank line (inside a list or a "
         "quote, say), the message names the blank line.",
         "close the block with a line `$$`",
         md(_CARD + "\n$$\n2 + 2 = 4\n"), md(_CARD + "\n$$\n2 + 2 = 4\n\n3 + 3 = 6\n$$\n")),
    Code("S018", WARNING, "an underlined heading starts a new card",
         "In Markdown, a line followed directly by `---` is a heading, not a line and a rule. That "
         "heading starts a card, which is rarely what was meant when `---` was to separate a question "
         "from its answer.",
         "put a blank line before `---` to make it a rule, or use a `## ` heading",
         md("What is 2 + 2? {#two-plus-two}\n---\n\nFour.\n"), md(_CARD)),
    Code("S019", ERROR, "a card has an empty question",
         "The card heading is the question; a heading with only an id leaves the front of the card "
         "blank.",
         "write the question after `## `",
         md("## {#two-plus-two}\n\nFour.\n"), md(_CARD)),
    Code("S020", WARNING, "a card has no answer, so it is left out",
         "A heading with nothing below it (before the next heading of its level) has nothing to "
         "recall, so it is left out of the deck. Notes often hold template headings left empty; one "
         "of them must not stop the whole build, so this is a warning.",
         "write the answer below the heading, or delete the heading",
         md(_CARD + "\n## What is 3 + 3? {#three-plus-three}\n"),
         md(_CARD + "\n## What is 3 + 3? {#three-plus-three}\n\nSix.\n")),
    Code("S021", ERROR, "a card has two ids",
         "The id after a heading (`{#my-id}`) is what keeps a card the same card in Anki when its "
         "text changes. A card can have only one.",
         "keep one `#id` in the braces; `.tag` entries are tags",
         md("## What is 2 + 2? {#two-plus-two #sum}\n\nFour.\n"),
         md("## What is 2 + 2? {#two-plus-two .sum}\n\nFour.\n")),
    Code("S022", ERROR, "the id or attributes cannot be read",
         "Braces at the end of a heading hold one `#id` and `.tags`, separated by spaces. An id is "
         "letters, digits, `-`, `_`, `.` or `:`. Anything else is not read, so the card would get no id.",
         "write e.g. `{#two-plus-two .arithmetic}`",
         md("## What is 2 + 2? {#two+two}\n\nFour.\n", also=("S025",)), md(_CARD)),
    Code("S023", ERROR, "two cards have the same id",
         "Ids are unique across the whole source folder: Anki would otherwise see two cards as one "
         "note and keep only one of them. The message names both places.",
         "rename one of the ids",
         md(_CARD + "\n## What is 3 + 3? {#two-plus-two}\n\nSix.\n"),
         md(_CARD + "\n## What is 3 + 3? {#three-plus-three}\n\nSix.\n")),
    Code("S024", WARNING, "two cards without ids have the same deck and question",
         "A card without an id is known to Anki by its deck and question. Two such cards with the same "
         "question (repeated `### 参考资料` sections, say) are still two notes: each later one is known by "
         "its place among them. That identity holds while they stay in order; move one above the other "
         "and their review histories swap.",
         "give each card an id (`ankigen ids` adds them)",
         md("## What is 2 + 2?\n\nFour.\n\n## What is 2 + 2?\n\nStill four.\n", also=("S025",)),
         md("## What is 2 + 2? {#two-plus-two}\n\nFour.\n\n## What is 2 + 2? {#two-plus-two-again}\n\nStill four.\n")),
    Code("S025", WARNING, "a card has no id",
         "Without an id, a card is known to Anki by its question: fixing a typo in the question makes "
         "it a new card, and its review history stays with the old one. Many of these are shown as one "
         "summary line in text output.",
         "end the heading with a stable id, or run `ankigen ids` to add one to every card",
         md("## What is 2 + 2?\n\nFour.\n"), md(_CARD)),
    Code("S026", ERROR, "lists or quotes are nested too deep",
         "The Markdown reader stops at a fixed nesting depth; the lines beyond it would be dropped "
         "unseen, so ankigen names them instead.",
         "flatten the nested lists or quotes",
         md(_CARD + "\n" + "> " * 25 + "deep\n"), md(_CARD + "\n> > deep enough\n")),
    Code("S027", ERROR, "`reverse` is not true or false",
         "`reverse: true` in front matter adds a reversed card (answer to question) for each card of "
         "the file. Any other value is a mistake whose intent cannot be guessed.",
         "write `reverse: true` or `reverse: false`",
         md(_front("reverse: yes please\n")), md(_front("reverse: true\n"))),
    Code("S028", WARNING, "a file has text but no cards",
         "A card starts at a heading of the card level (`## ` unless `card_heading` says otherwise). "
         "A file with text but no such heading gives no cards, often because its questions use "
         "another heading level; the hint names the level the file does use.",
         "make each question a `## ` heading, or set `card_heading` in the front matter or in "
         "`[tool.ankigen]`",
         md("### What is 2 + 2? {#two-plus-two}\n\nFour.\n"),
         md("---\ncard_heading: 3\n---\n\n### What is 2 + 2? {#two-plus-two}\n\nFour.\n")),
    Code("S029", ERROR, "more cards than `max_cards`",
         "A build holds every card in memory (about 1.3 GB per 100,000). Past `max_cards` (100,000 "
         "unless set) it stops at once, before parsing, rather than run for an hour and out of memory.",
         "split the notes into several projects, or raise `max_cards` in `[tool.ankigen]`",
         md(_CARD + "\n## What is 3 + 3? {#three-plus-three}\n\nSix.\n", "max_cards = 1\n"),
         md(_CARD + "\n## What is 3 + 3? {#three-plus-three}\n\nSix.\n", "max_cards = 2\n")),
    Code("S030", WARNING, "a remote image is not packed",
         "An image linked by `http(s)://` stays a link: Anki then shows it only when online, and not "
         "at all if the site goes away.",
         "download the image next to the card's file and link it by a relative path",
         md(_CAT + "![a cat](https://example.com/cat.png)\n"),
         md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S031", ERROR, "the image URL scheme is not allowed",
         "Only relative paths (and http(s) links, see S030) are images ankigen can pack; `ftp:`, "
         "`file:` or `data:` sources are refused, so a card never points at a file outside the deck.",
         "use a relative path to an image below the source folder",
         md(_CAT + "![a cat](ftp://example.com/cat.png)\n"),
         md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S032", WARNING, "an image has an empty path",
         "`![alt]()` or `![alt](<>)` names no file at all, so there is nothing to show: the card keeps "
         "the alt text, and the rest of it is built as usual (a placeholder nobody filled in).",
         "write the image's path between the parentheses, or delete the image",
         md(_CAT + "![a cat](<>)\n"), md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S033", WARNING, "an image is not found, so it is left out",
         "The path names no file (or a folder). A missing picture costs its card the picture, not the "
         "whole build: the card keeps the image's alt text. The hint says which folder the path is "
         "relative to.",
         "check the path: it is relative to the card's own file",
         md(_CAT + "![a cat](cat.png)\n"), md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S034", ERROR, "not an image",
         "Images are PNG, JPEG, GIF, SVG, WebP, BMP or AVIF files, known by their name and checked by "
         "their content. A file of another type, or one whose content is no image at all (a text file "
         "named `.png`), would be a broken picture on the card.",
         "link an image file; export the picture again as PNG, JPEG or SVG",
         Example((File(SOURCE, _CAT + "![a cat](cat.png)\n"),
                  File("cards_src/cat.png", "meow\n", note="a text file named .png"))),
         md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S035", ERROR, "the image path leaves the source folder",
         "A deck must build the same on every machine, and never read what is not its own: `../cat.png` "
         "points outside the sources, where another machine has no such file. (An absolute path is "
         "looked for inside the source folder by its last parts, `S038`; when nothing there has them, "
         "it is a missing picture, `S033`.)",
         "copy the image into the source folder and link it by a relative path",
         md(_CAT + "![a cat](../cat.png)\n"), md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S036", ERROR, "`check` is not on or off",
         "`check: off` in front matter stops the checker reading the file's display math (check "
         "blocks are always checked). Any other value is refused rather than guessed.",
         "write `check: on` or `check: off`",
         md(_front("check: maybe\n")), md(_front("check: off\n"))),
    Code("S037", ERROR, "`card_heading` is not 1, 2, 3, 4 or auto",
         "`card_heading` in front matter is the heading level that starts a card in this file, or `auto` "
         "(the shallowest level below `#` that the file uses). Levels 5 and 6 are left for structure "
         "inside an answer.",
         "write a level from 1 to 4, or auto",
         md(_front("card_heading: 5\n")), md(_front("card_heading: 2\n"))),
    Code("S038", WARNING, "an absolute image path names a file inside the source folder",
         "Notes written on one machine often link images by absolute paths (`F:/book/docs/imgs/a.png`, "
         "`/home/me/notes/img/a.png`), or by a site's root (`/assets/a.png`). When the last parts of "
         "such a path name a file inside the source folder, that file is used, and the message says "
         "which: the path from the source folder's top first, then the one file anywhere in it whose "
         "path ends with those parts (a VitePress or VuePress site serves `docs/public/images/a.png` as "
         "`/images/a.png`; two such files are not guessed between); nothing outside the source folder "
         "is ever read (when nothing inside has those parts, the picture is missing: `S033`).",
         "write the path relative to the card's file, as the message gives it",
         md(_CAT + "![a cat](/home/me/notes/cards_src/cat.png)\n", "", "check", _PNG_FILE),
         md(_CAT + "![a cat](cat.png)\n", "", "check", _PNG_FILE)),
    Code("S039", WARNING, "text under a heading above the cards' level, or before the first heading, belongs to no card",
         "Cards start at `card_heading` headings (`##` unless set). Text under a heading of a higher "
         "level (a `#` title, or a `##` part when the questions are `###`), before the next heading, "
         "is in no card: no deck and no PDF show it; so is text before a file's first heading (a question "
         "written above a heading that only says 'Explanation'). It is said, with its lines and how many "
         "display formulas it holds, instead of being dropped in silence.",
         "give the text a heading of the cards' level to make it a card, or move it into a card",
         md("# Arithmetic\n\nA worked example:\n\n$$2 + 2 = 4$$\n\n" + _CARD),
         md("# Arithmetic\n\n" + _CARD + "\nA worked example:\n\n$$2 + 2 = 4$$\n")),
    Code("S040", WARNING, "a percent sign after a number in a formula starts a TeX comment",
         "In TeX, and so in Anki's MathJax and in the PDF, `%` starts a comment that runs to the end of "
         "the line. `$$\\frac{3}{4} = 75%$$` is shown as `3/4 = 75`, and anything after the `%` on that "
         "line is gone. The checker does not read such a formula.",
         "write `75\\%` for a percent sign",
         md("## What share is three of four? {#share}\n\n$$\\frac{3}{4} = 75%$$\n"),
         md("## What share is three of four? {#share}\n\n$$\\frac{3}{4} = 75\\%$$\n")),
)

_SUM = "## The sum {#sum}\n\n$$s = a + b$$\n\n"

MATH = (
    Code("M001", ERROR, "a claim or a marked formula cannot be read",
         "Every line of a check block is a claim, and a display formula ending in `% check` must be "
         "one too. When its LaTeX cannot be read (an unclosed brace, an unknown command, a number too "
         "large to check), the claim is not checked, so a mistake in it would go unnoticed. An "
         "unmarked display formula that cannot be read is only counted in the summary.",
         "fix the LaTeX where the caret points; the hint names what was expected",
         md(_check("\\frac{1}{2 = 0.5\n")), md(_check("\\frac{1}{2} = 0.5\n"))),
    Code("M003", WARNING, "the checker failed on a card's formulas",
         "An unexpected error inside the checker is caught at the card, so one card cannot stop the "
         "run; that card's formulas are left unchecked. It is a bug in ankigen.",
         "report it with the card's source", None, None,
         no_example="only a bug in ankigen causes it; a source that produced it would be fixed in ankigen"),
)

CHECKER = (
    Code("C001", ERROR, "a claim does not hold",
         "The claim was decided false: symbolically, exactly, or by a counterexample at sampled "
         "points. The notes show both sides, the counterexample when symbols were free, and the "
         "definitions the claim used, so the wrong side can be found.",
         "correct the formula or the numbers; the notes show where the two sides differ",
         md(_check("2 + 2 = 5\n")), md(_check("2 + 2 = 4\n"))),
    Code("C002", ERROR, "a claim could not be decided",
         "The checker's work is counted, not timed, so the same claim is decided the same way on every "
         "machine. A claim beyond that budget, one whose sides are real numbers at too few sampled "
         "points, or one that holds only under a condition the card does not state (a series that "
         "converges for `\\gamma < 1`: the message names the condition) is left undecided rather than guessed.",
         "simplify the claim, or bind its symbols to numbers with `where`",
         md(_check("\\sqrt{-1 - x^2} = 0\n")), md(_check("\\sqrt{1 + x^2} \\ge 1\n")),
         severity_note="a warning for display math not marked `% check`: ankigen checks that unasked, while a "
                       "check-block line or a marked formula was written to be checked",
         other_bad=md("## A geometric series {#geometric}\n\nIts sum, without the condition it needs.\n\n"
                      "$$\\sum_{k=0}^{\\infty} \\gamma^k = \\frac{1}{1 - \\gamma}$$\n")),
    Code("C003", ERROR, "`use` names an unknown card id",
         "`use other-card` in a check block brings in the definitions of another card. An id that no "
         "card has is usually a typo; the hint suggests the closest id.",
         "write the id of an existing card (its `{#id}`)",
         md(_SUM + _check("use summ\ns = 5 where a = 2, b = 3\n"), also=("C001", "C004")),
         md(_SUM + _check("use sum\ns = 5 where a = 2, b = 3\n"))),
    Code("C004", WARNING, "`where` binds a symbol the claim does not use",
         "A `where` binding that the claim never mentions is almost always a misspelt symbol "
         "(`C_{im}` for `C_{in}`), which leaves the intended symbol free.",
         "spell the symbol as the claim does, or drop the binding",
         md(_check("K^2 C_{in} > 0 where K = 3, C_{im} = 3\n")),
         md(_check("K^2 C_{in} > 0 where K = 3, C_{in} = 3\n"))),
    Code("C005", ERROR, "circular definitions",
         "A card's definitions (display formulas such as `$$a = b + 1$$`) are substituted into its "
         "claims, and so are those of the cards it `use`s. When a symbol is defined through itself across "
         "cards, there is no value to substitute. (Two formulas on one card that define each other, "
         "such as a quantizer and its inverse, are read as a relation to check instead.)",
         "define each symbol in terms of others only; the message names the symbols and their lines",
         md("## First {#first}\n\nIt defines a.\n\n$$a = b + 1$$\n\n"
            "## Second {#second}\n\nIt defines b through a.\n\n$$b = a - 1$$\n\n```check\nuse first\na = 2\n```\n"),
         md("## First {#first}\n\nIt defines a.\n\n$$a = b + 1$$\n\n"
            "## Second {#second}\n\nIt defines b.\n\n$$b = 1$$\n\n```check\nuse first\na = 2\n```\n")),
    Code("C006", WARNING, "a claim fails as read, but holds under another reading",
         "Some notation means different things to different authors: `x^{(2)}` may be a power or a "
         "label, `f(a + b)` a function or a product. The claim fails as ankigen read it but holds "
         "under another reading, so it is reported as ambiguous rather than wrong; the hint says how "
         "to write what was meant.",
         "write the notation unambiguously, as the hint suggests",
         md("## Powers {#powers}\n\nPowers add.\n\n$$x^{(2)} x^{(3)} = x^{(5)} % check$$\n"),
         md("## Powers {#powers}\n\nPowers add.\n\n$$x^{2} x^{3} = x^{5} % check$$\n")),
    Code("C007", WARNING, "a claim was stopped by the wall-clock guard",
         "Verdicts come from counted work (see C002); the clock only guards against a claim that hangs. "
         "Reaching `check_timeout` means the machine was too slow or too busy, not that the claim is "
         "wrong, so it is a warning.",
         "raise `check_timeout` in `[tool.ankigen]`, or build on a less busy machine", None, None,
         no_example="the guard meets only a machine that is too slow or busy; the counted budget decides "
                    "every source long before it, so no source reaches it reliably"),
    Code("C008", ERROR, "a list in `where` is shorter than the claim needs",
         "`where C = [1, 2, 3]` gives values to `C_1`, `C_2`, `C_3`. A claim that uses `C_4` has no "
         "value for it, so it cannot be checked.",
         "give the list a value for every index the claim uses",
         md(_check("\\sum_{l=1}^{4} C_l = 10 where C = [1, 2, 3]\n")),
         md(_check("\\sum_{l=1}^{4} C_l = 10 where C = [1, 2, 3, 4]\n"))),
    Code("C009", WARNING, "a relation that may not be meant as a claim does not hold",
         "Whether a formula is a claim is decided from its form, never from whether it holds. A lone "
         "relation between symbols the card does not define, with the same symbols on both sides, has the "
         "form of an identity (`(a + b)^2 = a^2 + 2ab + b^2`), so it is checked; but such a form can also "
         "be an equation to solve. When it fails, that doubt makes it a warning rather than an error, and "
         "the message says why it was read as a claim.",
         "correct it if it is meant as an identity; mark it `% nocheck` if it is an equation or an example, "
         "or `% check` to make a failure an error",
         md("## A square {#square}\n\nExpanded.\n\n$$(a + b)^2 = a^2 + b^2$$\n"),
         md("## A square {#square}\n\nExpanded.\n\n$$(a + b)^2 = a^2 + 2ab + b^2$$\n")),
    Code("C010", WARNING, "a symbol used once looks like a typo of another",
         "A name written in one formula only, defined nowhere, and one index or one letter away from a "
         "name the card defines or uses elsewhere (`M_{02}` beside `M_{01}`) is most often a typo. It makes "
         "a wrong step an equation between different unknowns, which is not a claim, so the checker "
         "reports the name itself where it turned a claim into a statement or a failure, and only when "
         "the claim holds with the other name in its place.",
         "correct the symbol to the one the hint names, or define it if it is meant",
         md("## Entries {#entries}\n\nTwo entries of M.\n\n$$M_{01} = a b$$\n\n$$M_{10} = b c$$\n\n"
            "$$M_{02} + M_{10} = b (a + c)$$\n"),
         md("## Entries {#entries}\n\nTwo entries of M.\n\n$$M_{01} = a b$$\n\n$$M_{10} = b c$$\n\n"
            "$$M_{01} + M_{10} = b (a + c)$$\n")),
    Code("C011", ERROR, "shapes do not match",
         "Vectors and matrices have shapes: the card declares them (`\\mathbf{W} \\in \\mathbb{R}^{m \\times n}`) "
         "or their use fixes them. A product whose inner sizes differ, a sum of different shapes, or a "
         "claim that an expression lies in a space of another shape is wrong whatever the values, so it is "
         "an error wherever it appears: in a claim or in a definition. The message names both shapes.",
         "check the order of the factors, a missing transpose, and the declared shapes",
         md("## A layer {#layer}\n\nLet $\\mathbf{W} \\in \\mathbb{R}^{m \\times n}$ and "
            "$\\mathbf{x} \\in \\mathbb{R}^{n}$.\n\n$$\\mathbf{W}^\\top \\mathbf{x} \\in \\mathbb{R}^{m}$$\n"),
         md("## A layer {#layer}\n\nLet $\\mathbf{W} \\in \\mathbb{R}^{m \\times n}$ and "
            "$\\mathbf{x} \\in \\mathbb{R}^{n}$.\n\n$$\\mathbf{W} \\mathbf{x} \\in \\mathbb{R}^{m}$$\n"),
         severity_note="a warning where the shapes fit only if an undeclared vector had one entry (a column "
                       "times a column: a transpose lost), since its size is not written down",
         other_bad=md("## A distance {#distance}\n\nSquared.\n\n"
                      "$$\\|\\mathbf{u} - \\mathbf{v}\\|^2 = (\\mathbf{u} - \\mathbf{v})(\\mathbf{u} - \\mathbf{v})$$\n")),
)

OUTPUTS = (
    Code("O002", ERROR, "the PDF font is not installed",
         "The PDF is typeset in `pdf_font` (Noto Serif CJK SC unless set), which must be installed. "
         "Without it, Chinese text could not be printed, so the PDF is not written; the Anki deck still is.",
         "install fonts-noto-cjk, set `pdf_font` to an installed font, or build with `--no-pdf`",
         md(_CARD, 'pdf_font = "No Such Font"\n', "build"), md(_CARD, "", "build")),
    Code("O003", WARNING, "no installed font has some characters",
         "Characters that no installed font covers (named as `U+XXXX`) print as a box in the PDF. The "
         "cards in Anki are not affected: the phone or computer showing them uses its own fonts. "
         "Whether it appears depends on the fonts of the machine that builds.",
         "install a font that covers them (fonts-noto-color-emoji for emoji), or set `pdf_font`",
         md("## What is this sign? {#glyph}\n\n𓀀, an Egyptian hieroglyph.\n", "", "build"),
         md("## What is this sign? {#glyph}\n\nAn Egyptian hieroglyph of a seated man.\n", "", "build")),
    Code("O004", WARNING, "a formula is printed as its LaTeX source",
         "A formula is typeset as Typst math, or else drawn as an image. When neither works, the PDF "
         "shows its LaTeX source in monospace rather than nothing; the message says why it could not "
         "be drawn.",
         "simplify the formula; if it is valid LaTeX, please report it",
         md("## An empty operator {#op}\n\nIt has no name.\n\n$$\\mathop{\\text{}}$$\n", "", "build"),
         md("## An empty operator {#op}\n\nIt has no name.\n\n$$\\mathop{\\text{op}}$$\n", "", "build")),
    Code("O005", WARNING, "an image cannot be drawn in the PDF",
         "The image passed the checks of S034 by its name and first bytes, but Typst cannot decode it. "
         "It is left out of the PDF; Anki may still show it.",
         "export the image again, e.g. as PNG",
         Example((File(SOURCE, _CAT + "![a cat](cat.png)\n"),
                  File("cards_src/cat.png", "", b"\x89PNG\r\n\x1a\nno picture follows",
                       note="the eight bytes every PNG starts with, then no picture")), command="build"),
         md(_CAT + "![a cat](cat.png)\n", "", "build", _PNG_FILE)),
    Code("O010", WARNING, "an answer continues on further cut-out cards",
         "A cut-out card of the PDF holds a fixed amount; a longer answer continues on the next cards, "
         "which is harder to study from. A block taller than a card is divided (code by lines, a table by "
         "rows under its header, a list by items, a paragraph by sentences); one that cannot be (a formula "
         "or an image) is printed only on the study sheet, with a pointer on the card, and the message says so.",
         "shorten the answer, or choose fewer, larger cards per page (`--cards-per-page`)",
         md("## A long answer {#long}\n\n"
            + "\n\n".join(f"Point {n}: " + "a few more words " * 20 for n in range(1, 11)) + "\n", "", "build"),
         md("## A short answer {#short}\n\nPoint 1: a few words.\n", "", "build")),
    Code("O011", WARNING, "an answer is too long to print whole",
         "The study sheet prints at most 200,000 characters of one answer (some 50 pages): Typst's time and "
         "memory grow with the text, and a data dump or a pasted log would take minutes and gigabytes to "
         "typeset. The first part is printed (a table or a list is cut between rows or items), then a line "
         "saying that the rest is in Anki, where the note is whole.",
         "divide the answer into several cards, or keep the long part (a data table, a log) out of the notes",
         Example((File(SOURCE, "## All the squares {#squares}\n\n| n | n² |\n|---|---|\n| 1 | 1 |\n| 2 | 4 |\n"
                             "…\n| 15000 | 225000000 |\n",
                       ("## All the squares {#squares}\n\n| n | n² |\n|---|---|\n"
                        + "".join(f"| {n} | {n * n} |\n" for n in range(1, 15001))).encode("utf-8"),
                       note="a table of 15,000 rows"),), command="build", also=("O010",)),
         md("## The first squares {#squares}\n\n| n | n² |\n|---|---|\n"
            + "".join(f"| {n} | {n * n} |\n" for n in range(1, 11)), "", "build")),
    Code("O020", ERROR, "the PDF could not be typeset",
         "Typst refused the document outside any single card, or still refused it after the refused "
         "cards were printed plain. The PDF is not written; the Anki deck is.",
         "build with `--no-pdf` to get the deck meanwhile, and please report it", None, None,
         no_example="only a bug in ankigen's Typst markup causes it: ankigen escapes all text from sources"),
    Code("O021", WARNING, "Typst refused a formula's translation",
         "ankigen translates LaTeX to Typst math. When Typst refuses the translation, the formula is "
         "drawn as an image instead, and the translation is a bug to report.",
         "please report it with the formula", None, None,
         no_example="only a bug in ankigen's LaTeX-to-Typst translation causes it; a formula known to cause it "
                    "is fixed in ankigen"),
    Code("O022", WARNING, "Typst refused a card, so it is printed as plain text",
         "When Typst refuses the markup of one card, that card is printed as plain text so the rest of "
         "the PDF is written; Typst's message is given.",
         "please report it with the card", None, None,
         no_example="only a bug in ankigen's Typst markup causes it: ankigen escapes all text from sources"),
)

_TWO = _CARD + "\n## What is 3 + 3? {#three-plus-three}\n\nSix.\n"
BUILD = (
    Code("B001", WARNING, "a removed card cannot be tagged, because the last package is gone",
         "When a card leaves the sources, the next package keeps its note tagged `ankigen::removed`, "
         "so it can be found and deleted in Anki. Its fields come from the last package; if that file "
         "is gone, the note cannot be tagged, and in Anki it simply stays as it was.",
         "keep the output folder (`dist/`) between builds",
         Example((File(SOURCE, _CARD),), command="build", first=md(_TWO, "", "build"), remove=("dist",)),
         Example((File(SOURCE, _CARD),), command="build", first=md(_TWO, "", "build"))),
    Code("B002", ERROR, "an output cannot be written",
         "The file system refused to write the package, the PDF or the lock: a read-only or full disk, "
         "a folder you may not write, a file where a folder should be. The message gives the path and "
         "the system's reason. Nothing is replaced: the outputs of one build are written to temporary "
         "files and renamed together only once all of them are written, so the previous set stays "
         "as it was. The build exits 2, as for a configuration problem: the sources are not at fault.",
         "choose a writable folder (`--out`, or the `out`, `lock` and `cache` settings), or free some space",
         md(_CARD, "", "build", File("dist", "a file, where the output folder should be\n")),
         md(_CARD, "", "build")),
    Code("B003", WARNING, "a card changed between basic and cloze, which an import cannot apply",
         "A note's type is fixed once it is in a collection: Anki imports a note whose type changed as "
         "*conflicting* and skips it, so the edit would never arrive, while the build would report an "
         "update. The card is named with the type it had and the one it has now. The lock records the "
         "type each note was first built with, so this is said on every build until the card is "
         "turned back or given a new id, also when the last package is gone.",
         "keep the card's kind, or give it a new id (it becomes a new note, and the old one is tagged "
         "`ankigen::removed` with its history)",
         Example((File(SOURCE, "## What is 2 + 2? {#two-plus-two}\n\n{{c1::Four}}.\n"),), command="build",
                 first=md(_CARD, "", "build")),
         Example((File(SOURCE, "## What is 2 + 2? {#two-plus-two}\n\n{{c1::Four}}.\n"),), command="build",
                 first=md("## What is 2 + 2? {#two-plus-two}\n\n{{c1::4}}.\n", "", "build"))),
    Code("B004", WARNING, "a card moved to another deck, where an import will not move it",
         "An import updates a note in place but never moves its cards between decks, so a card whose "
         "deck changed (moved to another file or folder, or given another `deck:`) stays in its old "
         "deck in Anki while the report says it was updated.",
         "move its cards once in Anki's browser (Change Deck)",
         Example((File("cards_src/other/notes.md", _CARD),), command="build", first=md(_CARD, "", "build")),
         Example((File(SOURCE, _CARD.replace("Four", "4")),), command="build", first=md(_CARD, "", "build"))),
)

GROUPS = (
    ("S", "Sources", "Problems in the source files themselves: reading them, front matter, the Markdown, card "
                     "headings and ids, and images. `ankigen check` and `ankigen build` both report them.", SOURCES),
    ("M", "Reading formulas", "Formulas the checker could not read, or failed on.", MATH),
    ("C", "Checking claims", "Verdicts on claims: check-block lines, and display formulas that state a claim.",
     CHECKER),
    ("O", "The PDF", "Problems typesetting the printable PDF. Only `ankigen build` (without `--no-pdf`) "
                     "reports them.", OUTPUTS),
    ("B", "Between builds", "What a build found about the last one. Only `ankigen build` reports them.", BUILD),
)

CODES = {c.code: c for _, _, _, group in GROUPS for c in group}


def sarif_rule(code: str) -> dict:
    """A code as a SARIF reportingDescriptor: its summary, explanation and help, and its page."""
    known = CODES.get(code)
    if known is None:
        return {"id": code}
    level = "error" if known.severity is Severity.ERROR else "warning"
    page = f"docs/diagnostics.md#{code.lower()}"
    return {"id": code, "shortDescription": {"text": known.summary}, "fullDescription": {"text": known.explanation},
            "help": {"text": f"{known.hint} ({page})", "markdown": f"{known.hint}. See [{code}]({page})."},
            "defaultConfiguration": {"level": level}}
