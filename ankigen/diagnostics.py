"""Collecting diagnostics and printing them the way ruff does."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ankigen.model import Diagnostic, Severity, Span, Summary


class Sink:
    """Where stages put what they found wrong; content problems are never raised."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, span: Span, code: str, message: str, hint: str | None = None,
              source_line: str | None = None, notes: Iterable[str] = ()) -> None:
        self.items.append(Diagnostic(span, Severity.ERROR, code, message, hint, source_line, tuple(notes)))

    def warning(self, span: Span, code: str, message: str, hint: str | None = None,
                source_line: str | None = None, notes: Iterable[str] = ()) -> None:
        self.items.append(Diagnostic(span, Severity.WARNING, code, message, hint, source_line, tuple(notes)))

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.items)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.span.path, d.span.line, d.span.col, d.code))


def diagnostic_row(d: Diagnostic) -> list:
    """A diagnostic as plain JSON data, for the caches that replay diagnostics."""
    s = d.span
    return [[s.path, s.line, s.col, s.length], d.severity.value, d.code, d.message, d.hint, d.source_line,
            list(d.notes)]


def diagnostic_from_row(row: list) -> Diagnostic:
    span, severity, code, message, hint, line, notes = row
    return Diagnostic(Span(*span), Severity(severity), code, message, hint, line, tuple(notes))


def _caret_line(d: Diagnostic) -> list[str]:
    if d.source_line is None:
        return []
    text = d.source_line.rstrip("\n")
    if len(text) > 200:  # a 10 MB line must not flood the terminal
        start = max(0, d.span.col - 60)
        text = ("…" if start else "") + text[start:start + 160] + "…"
        col = d.span.col - start + (1 if start else 0)
    else:
        col = d.span.col
    gutter = f"{d.span.line:>4} | "
    pad = " " * (len(gutter) - 2) + "| "
    width = max(1, min(d.span.length, max(1, len(text) - col + 1)))
    return [gutter + text, pad + _display_pad(text[:col - 1]) + "^" * _display_width(text[col - 1:col - 1 + width])]


def _display_width(s: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s) or 1


def _display_pad(prefix: str) -> str:
    return "".join("\t" if ch == "\t" else " " * _display_width(ch) for ch in prefix)


_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "caret": "\x1b[1;34m", "help": "\x1b[36m",
            "bold": "\x1b[1m"}


def format_text(diags: Iterable[Diagnostic], color: bool = False) -> str:
    """Render diagnostics as `path:line:col: error[CODE]: message` blocks (ANSI colours if asked)."""
    def paint(kind: str, text: str) -> str:
        return f"{_COLOURS[kind]}{text}\x1b[0m" if color else text

    out: list[str] = []
    for d in diags:
        out.append(paint("bold", f"{d.span.path}:{d.span.line}:{d.span.col}:") + " "
                   + paint(d.severity.value, f"{d.severity.value}[{d.code}]") + f": {d.message}")
        caret = _caret_line(d)
        out.extend(caret[:1] + [paint("caret", line) for line in caret[1:]])
        out.extend(f"  = note: {n}" for n in d.notes)
        if d.hint:
            out.append(f"  = {paint('help', 'help')}: {d.hint}")
        out.append("")
    return "\n".join(out)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def format_summary(s: Summary) -> str:
    parts = [_count(s.cards, "card"), f"{_count(s.claims, 'claim')} checked"]
    if s.failed:
        parts.append(f"{s.failed} failed")
    if s.claims:
        how = [f"{s.extra.get(k, 0)} {label}" for k, label in
               (("proven", "proven symbolically"), ("sampled", "by sampling"), ("exact", "exactly")) if s.extra.get(k)]
        if how:
            parts[-1] += f" ({', '.join(how)})"
    if s.extra.get("undecided"):
        parts.append(f"{s.extra['undecided']} undecided")
    if s.extra.get("statements"):
        parts.append(_count(s.extra["statements"], "statement") + " not claimed")
    if s.extra.get("unreadable"):
        parts.append(_count(s.extra["unreadable"], "formula") + " not read")
    head = ", ".join(parts)
    if s.errors or s.warnings:
        return f"{head}. Found {_count(s.errors, 'error')} and {_count(s.warnings, 'warning')}."
    return f"{head}. All checks passed."


def format_json(diags: Iterable[Diagnostic], s: Summary, more: dict | None = None) -> str:
    """The machine form promised in the README; `more` adds what a build did."""
    payload = {
        "summary": {"cards": s.cards, "claims": s.claims, "failed": s.failed,
                    "errors": s.errors, "warnings": s.warnings, **s.extra},
        "diagnostics": [
            {"path": d.span.path, "line": d.span.line, "col": d.span.col,
             "severity": d.severity.value, "code": d.code, "message": d.message,
             **({"hint": d.hint} if d.hint else {}), **({"notes": list(d.notes)} if d.notes else {})}
            for d in diags
        ],
        **(more or {}),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _workflow_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _workflow_property(text: str) -> str:
    return _workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one `::error` or `::warning` per diagnostic, located at its
    file, line and columns and titled with its code, so it shows on the pull request's changed line."""
    out = []
    for d in diags:
        level = "error" if d.severity is Severity.ERROR else "warning"
        where = (f"file={_workflow_property(d.span.path)},line={d.span.line},endLine={d.span.line},"
                 f"col={d.span.col},endColumn={d.span.col + max(1, d.span.length) - 1},"
                 f"title={_workflow_property('ankigen ' + d.code)}")
        body = "\n".join([d.message, *(f"note: {n}" for n in d.notes), *([f"help: {d.hint}"] if d.hint else [])])
        out.append(f"::{level} {where}::{_workflow_data(body)}")
    return "\n".join(out)


def selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether a code is reported under `--select`/`--ignore` (codes or prefixes: `C`, `S0`, `C009`),
    as ruff decides: the longest prefix that matches wins, ignore over select at equal length; with
    no select, everything not ignored."""
    select, ignore = set(select), set(ignore)
    matches = [(len(p), p in ignore) for p in select | ignore if code.startswith(p)]
    if not matches:
        return not select
    return not max(matches)[1]


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _sarif_level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _sarif_result(d: Diagnostic, index: int) -> dict:
    text = "\n".join([d.message, *(f"note: {n}" for n in d.notes), *([f"help: {d.hint}"] if d.hint else [])])
    region = {"startLine": d.span.line, "startColumn": d.span.col, "endLine": d.span.line,
              "endColumn": d.span.col + max(1, d.span.length)}
    return {"ruleId": d.code, "ruleIndex": index, "level": _sarif_level(d.severity), "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": d.span.path.replace("\\", "/")},
                                                "region": region}}]}


def format_sarif(diags: Iterable[Diagnostic], version: str, rule) -> str:
    """SARIF 2.1.0, the format code-scanning tools read: one run of ankigen whose rules are the codes
    found (`rule(code)` describes one, from the diagnostics registry), one result per diagnostic."""
    diags = list(diags)
    codes = sorted({d.code for d in diags})
    index = {code: n for n, code in enumerate(codes)}
    run = {"tool": {"driver": {"name": "ankigen", "version": version, "semanticVersion": version,
                               "rules": [rule(code) for code in codes]}},
           "results": [_sarif_result(d, index[d.code]) for d in diags]}
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, ensure_ascii=False, indent=2)
