"""Write docs/diagnostics.md, the reference of every diagnostic code, from ankigen/codes.py.

    .venv/bin/python scripts/diagnostics_page.py > docs/diagnostics.md

tests/test_codes.py fails when the page differs from what this writes.
"""

from __future__ import annotations

import re
import sys

from ankigen.codes import GROUPS, Code, Example, File
from ankigen.diagnostics import format_text
from ankigen.model import Diagnostic, Severity, Span

COMMAND = ".venv/bin/python scripts/diagnostics_page.py > docs/diagnostics.md"


def _fence(text: str, lang: str) -> str:
    # Longer than any run of backticks inside, so an example's own code fence stays in the example.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text.rstrip(chr(10))}\n{ticks}"


def _visible(text: str) -> str:
    """Control characters as their Unicode pictures (U+0007 as ␇): the page must show what is there."""
    return re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: chr(0x2400 + ord(m.group())), text)


def _file(f: File) -> list[str]:
    label = f"`{f.path}`" + (f" ({f.note})" if f.note else "")
    if not f.text:
        return [label]
    lang = "markdown" if f.path.endswith(".md") else "text"
    return [label + ":", "", _fence(_visible(f.text), lang)]


def _files(example: Example) -> list[str]:
    out: list[str] = []
    if example.settings:
        out += ["`pyproject.toml`:", "", _fence("[tool.ankigen]\n" + example.settings, "toml"), ""]
    for f in example.files:
        out += _file(f) + [""]
    return out


def _example(title: str, example: Example) -> list[str]:
    out = [f"**{title}**", ""]
    if example.first is not None:
        out += [f"Run `ankigen {example.first.command}` with:", ""] + _files(example.first)
        removed = ", ".join(f"`{p}/`" for p in example.remove)
        out += [(f"then delete {removed}, change" if removed else "then change") + " the sources to:", ""]
    out += _files(example)
    out += [f"and run `ankigen {example.command}`."]
    if example.also:
        links = ", ".join(f"[{c}](#{c.lower()})" for c in example.also)
        out += ["", f"The same run also reports {links}: they follow from the same mistake."]
    return out + [""]


def _section(c: Code) -> list[str]:
    severity = f"**{c.severity.value}**"
    if c.severity_note:
        severity += f" ({c.severity_note})"
    out = [f"### {c.code}", "", f"{severity}: {c.summary}.", "", c.explanation, "", f"**What to do:** {c.hint}.", ""]
    if c.bad is None:
        return out + [f"*No example:* {c.no_example}.", ""]
    out += _example("Gives it:", c.bad)
    if c.other_bad is not None:
        other = "warning" if c.severity is Severity.ERROR else "error"
        out += _example(f"Gives it as a {other}:", c.other_bad)
    return out + _example("Fixed:", c.fixed)


def _sample() -> str:
    """What a diagnostic looks like, printed by the real printer."""
    line = "## What is 3 + 3? {#two-plus-two}"
    d = Diagnostic(Span("cards_src/notes.md", 5, 1, len(line)), Severity.ERROR, "S023",
                   "duplicate card id 'two-plus-two'",
                   "ids are unique across the whole source tree; rename one of them", line,
                   ("first used at cards_src/notes.md:1",))
    return format_text([d]).rstrip("\n")


def page() -> str:
    out = [
        f"<!-- Generated from ankigen/codes.py by `{COMMAND}`; do not edit by hand. -->",
        "",
        "# Diagnostic codes",
        "",
        "Every problem ankigen finds is reported as `path:line:col: severity[CODE]: message`, with the "
        "source line, notes, and a hint on what to do:",
        "",
        _fence(_sample(), "text"),
        "",
        "An **error** makes `ankigen check` and `ankigen build` exit with status 1. A **warning** is "
        "reported and the command succeeds, unless `--strict` (or `strict = true` in `[tool.ankigen]`) "
        "counts warnings as errors. `--format json` gives the same diagnostics as JSON, each with its "
        "`code` and `severity`.",
        "",
        "Each code below has an example project that gives it and a fixed one that does not; the "
        "examples are run by ankigen's tests, so they show what ankigen really does. The Markdown goes "
        "in the default source folder, `cards_src/`.",
        "",
        "| Code | Severity | Summary |",
        "|---|---|---|",
    ]
    for _, _, _, group in GROUPS:
        for c in group:
            severity = c.severity.value + (" or warning" if c.severity_note and c.severity is Severity.ERROR
                                           else " or error" if c.severity_note else "")
            out.append(f"| [{c.code}](#{c.code.lower()}) | {severity} | {c.summary} |")
    out.append("")
    for prefix, title, intro, group in GROUPS:
        out += [f"## {title} ({prefix})", "", intro, ""]
        for c in group:
            out += _section(c)
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(page())
