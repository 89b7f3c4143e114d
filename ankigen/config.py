"""Settings from `[tool.ankigen]` in the nearest pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

import click

DEFAULT_ROOT_DECK = "ankigen"
LANGUAGES = ("zh", "en")  # of what the learner reads that ankigen writes (labels.py)
ON_ERROR = ("keep", "stop")  # what a build does with a card that has an error
FOOTER_PARTS = ("checks", "source")  # what card_footer may show, in the order it shows them


class ConfigError(click.ClickException):
    """A configuration problem: exit code 2, like click's usage errors."""

    exit_code = 2


@dataclass(frozen=True)
class Config:
    root_deck: str = DEFAULT_ROOT_DECK
    # Mixed into every GUID so two decks that both use id `conv-output-size` stay apart in one
    # collection. Defaults to the root deck; set it explicitly before renaming the root deck.
    namespace: str = ""
    src: str = "cards_src"
    out: str = "dist"
    # The build manifest that keeps note mtimes stable. Empty: `ankigen.lock` beside the sources.
    lock: str = ""
    strict: bool = False
    # A card with an error: "keep" leaves it out of this build (its last good note is packaged
    # unchanged) and writes the rest of the deck; "stop" writes nothing while any error is left.
    on_error: str = "keep"
    # Verdicts of decided claims and drawn formulas, by content; empty disables the cache.
    cache: str = ".ankigen-cache"
    pdf: bool = True
    paper: str = "a4"  # a4 or letter
    cards_per_page: str = "2x4"  # columns x rows of the cut-out cards
    pdf_font: str = "Noto Serif CJK SC"  # the CJK font family of the PDF
    # Under each answer: "checks" (how many formulas were checked) and "source" (file#id, an
    # author's detail). true means ["checks"], false nothing.
    card_footer: tuple[str, ...] = ("checks",)
    # What the learner reads that ankigen writes (footer, reversed prompt, PDF labels): zh, en, or
    # auto, which picks by the cards' prose (labels.deck_language).
    language: str = "auto"
    # A build holds every card in memory (about 1.3 GB per 100,000 without the PDF): past this
    # many, it stops at once with S029 instead of running for an hour and out of memory.
    max_cards: int = 100_000
    # Display-math claims on (check blocks are always checked); `check: off` in front matter per file.
    check: bool = True
    # A wall-clock guard for one claim, in seconds: only a claim that hangs meets it (C007, the
    # machine's fault). Verdicts come from counted work, never from the clock.
    check_timeout: int = 120
    # the heading level that starts a card: 1 to 4, or 0 ("auto": per file, the shallowest level below
    # the title that it uses); front matter sets it per file
    card_heading: int = 2
    # What `ankigen check` reports, by code or prefix (C, S0, C001), as ruff's select and ignore.
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    project_dir: Path = Path(".")

    @property
    def id_namespace(self) -> str:
        return self.namespace or self.root_deck

    def resolve(self, path: str | Path) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.project_dir / p


_KEYS = {f.name: f for f in fields(Config) if f.name != "project_dir"}


def setting_line(pyproject: Path, key: str) -> int | None:
    """The line of `key = …` in [tool.ankigen], or None."""
    try:
        lines = pyproject.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    table = ""
    for n, line in enumerate(lines, start=1):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$", line)
        if header:
            table = header.group(1).strip()
        elif table == "tool.ankigen" and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return n
    return None


def setting_place(pyproject: Path, key: str) -> str:
    """`path:line` of `key = …` in [tool.ankigen], for messages; the path alone if it is not found."""
    line = setting_line(pyproject, key)
    return f"{pyproject}:{line}" if line else str(pyproject)


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def configured(start: Path | None = None) -> bool:
    """Whether a pyproject.toml at or above `start` has a [tool.ankigen] table."""
    pyproject = find_pyproject((start or Path.cwd()).resolve())
    if pyproject is None:
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return True  # load_config says what is wrong with it
    return "ankigen" in data.get("tool", {})


def load_config(start: Path | None = None) -> Config:
    """Read `[tool.ankigen]` from the nearest pyproject.toml; defaults when there is none."""
    start = (start or Path.cwd()).resolve()
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Config(project_dir=start)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read TOML: {exc}") from None
    table = data.get("tool", {}).get("ankigen", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.ankigen] must be a table")
    values: dict[str, object] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        spec = _KEYS.get(name)
        if spec is None:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{setting_place(pyproject, key)}: unknown setting '{key}' in [tool.ankigen] "
                              f"(known: {known})")
        expected = bool if spec.type in ("bool", bool) else int if spec.type in ("int", int) else str
        if name == "check" and value in ("on", "off"):
            value = value == "on"
        if name == "card_footer":
            values[name] = _footer_parts(value, setting_place(pyproject, key))
            continue
        if name == "card_heading" and value == "auto":
            values[name] = 0
            continue
        if name in ("select", "ignore"):
            values[name] = _code_list(value, key, setting_place(pyproject, key))
            continue
        if not isinstance(value, expected) or (expected is int and (isinstance(value, bool) or value < 1)):
            kind = "positive integer" if expected is int else expected.__name__
            raise ConfigError(f"{setting_place(pyproject, key)}: [tool.ankigen] {key} must be a {kind}")
        values[name] = value
    config = replace(Config(project_dir=pyproject.parent), **values)
    if not 0 <= config.card_heading <= 4:
        raise ConfigError(f"{setting_place(pyproject, 'card_heading')}: [tool.ankigen] card_heading must be 1, 2, 3, "
                          "4 or \"auto\"")
    if config.language not in ("auto", *LANGUAGES):
        raise ConfigError(f"{setting_place(pyproject, 'language')}: [tool.ankigen] language must be one of "
                          f"auto, {', '.join(LANGUAGES)}, not {config.language!r} (auto: zh when most of the "
                          "cards' text is Chinese, else en)")
    if config.on_error not in ON_ERROR:
        raise ConfigError(f"{setting_place(pyproject, 'on_error')}: [tool.ankigen] on_error must be one of "
                          f"{', '.join(ON_ERROR)}, not {config.on_error!r} (keep: a card with an error keeps its "
                          "last good version and the rest of the deck is written; stop: nothing is written)")
    if not all(part.strip() for part in config.root_deck.split("::")):
        raise ConfigError(f"{setting_place(pyproject, 'root_deck')}: root_deck must be a deck name such as 'My deck' "
                          "or 'A::B'")
    return config


_CODE_PREFIX = re.compile(r"[A-Z][0-9]{0,3}")


def _code_list(value: object, key: str, place: str) -> tuple[str, ...]:
    """select or ignore: a list of codes or prefixes ("C", "S0", "C001")."""
    if isinstance(value, list) and all(isinstance(c, str) and _CODE_PREFIX.fullmatch(c.strip().upper())
                                       for c in value):
        return tuple(c.strip().upper() for c in value)
    raise ConfigError(f"{place}: [tool.ankigen] {key} must be a list of codes or prefixes such as "
                      f"[\"C\", \"S0\", \"C009\"], not {value!r}")


def _footer_parts(value: object, place: str) -> tuple[str, ...]:
    """card_footer as the parts it shows: true is ["checks"], false none, a list those it names."""
    if value is True:
        return ("checks",)
    if value is False:
        return ()
    if isinstance(value, list) and all(isinstance(p, str) for p in value) and set(value) <= set(FOOTER_PARTS):
        return tuple(p for p in FOOTER_PARTS if p in value)
    raise ConfigError(f"{place}: [tool.ankigen] card_footer must be true, false or a list of "
                      f"{', '.join(repr(p) for p in FOOTER_PARTS)} (such as [\"checks\", \"source\"]), "
                      f"not {value!r}")
