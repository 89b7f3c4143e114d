"""The plain data passed between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


@dataclass(frozen=True)
class Span:
    """A place in a source file: 1-based line and column, and how many characters it covers."""

    path: str
    line: int
    col: int = 1
    length: int = 1


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    span: Span
    severity: Severity
    code: str
    message: str
    hint: str | None = None
    source_line: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceFile:
    """A decoded source: `rel` is the path shown in diagnostics, `root` the source tree it lies in."""

    path: Path
    rel: str
    root: Path
    text: str


@dataclass(frozen=True)
class MediaFile:
    """A local file packed into the deck under a content-hashed name."""

    path: Path
    name: str


@dataclass(frozen=True)
class Formula:
    """A display formula as written (LaTeX without delimiters), where it starts."""

    latex: str
    span: Span
    section: int = 0  # which sub-heading of the card it is under (0: none): definitions are scoped by it
    lead: str = ""  # the end of the prose just before it ("… is defined by"): how it is introduced
    near: tuple[str, ...] = ()  # inline formulas of the sentences around it: the conditions it is stated under
    heading: str = ""  # the sub-heading (or the question) it stands under: what it is about
    tail: str = ""  # the first words of the prose right after it ("… because A is symmetric")


@dataclass(frozen=True)
class CheckLine:
    """One line of a ```check block, comments and all."""

    text: str
    span: Span
    section: int = 0


@dataclass(frozen=True)
class Card:
    id: str | None
    question: str  # heading text, Markdown, id and tags removed
    front_html: str
    back_html: str
    deck: str
    tags: tuple[str, ...]
    span: Span  # the heading
    formulas: tuple[Formula, ...] = ()
    checks: tuple[CheckLine, ...] = ()
    media: tuple[MediaFile, ...] = ()
    front_extra_md: str = ""  # Markdown of the front below the heading
    back_md: str = ""  # Markdown of the answer
    end_line: int = 0  # last source line of the card
    reverse: bool = False  # also ask the answer → question card
    inline: tuple[Formula, ...] = ()  # inline equations: base cases and symbolic definitions, never claims
    check_display: bool = True  # `check: off` turns display-math claims off; check blocks still count
    twin: int = 0  # without an id: how many cards before it have the same deck and question (S024)


@dataclass(frozen=True)
class Verdict:
    """How a claim was decided; the values are printed forms, so a verdict can be cached as text."""

    holds: bool | None  # None: could not be decided
    method: str  # exact | symbolic | sampled | undecided | timeout | ambiguous | unclaimed
    detail: str = ""
    counterexample: tuple[tuple[str, str], ...] = ()
    lhs_value: str = ""
    rhs_value: str = ""


@dataclass(frozen=True)
class Note:
    """A card as Anki will store it: the fields of the note type, identity and timestamps."""

    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    content_hash: str
    mtime: int = 0
    kind: str = "basic"  # the note type: basic or cloze


@dataclass(frozen=True)
class Summary:
    cards: int = 0
    claims: int = 0
    failed: int = 0
    errors: int = 0
    warnings: int = 0
    extra: dict = field(default_factory=dict)
