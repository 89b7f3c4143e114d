r"""Run `ankigen check` over folders of other people's Markdown notes and tabulate what happened.

    .venv/bin/python bench/corpus.py DIR [DIR …] [--heading auto|1|2|3|4] [--show C001] [--plant 30]
        [--plant-save FILE | --plant-from FILE] [--json FILE] [--keep DIR] [--only SUB]

Each DIR (a fetched repository of notes, say) is copied into a temporary project: only its
`*.md` files, each given the `card_heading` its own headings suggest (the shallowest level below
1 that it uses) unless --heading says otherwise. The real CLI runs on the copy in a fresh
process, so a crash is exit code 2, exactly as a user would meet it. Printed per folder: files,
cards, display formulas, claims and their verdicts, definitions, statements, unreadable formulas by
the construct that stopped them, the share of display formulas read with an exact meaning,
diagnostics by code, time and peak memory.

--plant N plants one realistic mistake in each of N claims that hold (at most one within 15 lines,
none on a line the checker already reports) and checks that each is then reported at its own line
by a checker diagnostic (any C… code, error or warning): the checker's recall on real notes. The
kind is the one planted least so far among those the claim's text allows: `digit` (its last
digit made one more), `sign` (a '+' or '-' flipped), `factor` (a numeric fraction's denominator or
the right side's leading number made one more, or a factor 2 put before the right side), `exponent`
(`^2` to `^3`, `^{-1}` to `^{-2}`, `^{n}` to `^{n+1}`) and `transpose` (a `^T` or `^\top` taken
away, or one added to a bold or capital factor, in claims that have one). Subscripts that name a
symbol (`x_{n-1}`), superscripts that label one (`x^{(i)}`, `f^{\prime}`), `\text{…}` and `% comments`
are left alone: a change there renames a symbol, which is no mistake in the mathematics. Each edit is
printed with whether it was found; found/planted is given by kind. An edit that leaves the value of
its side unchanged (`(1-1)^2` to `(1-1)^3`, the limit of `(1-1/n)^n` to that of `(1-1/n)^{n+1}`: the
side before and after checked as one identity, `% check`) is no mistake: it is printed as
EQUIVALENT and left out of found/planted (the row's `equivalent`).
--plant-save FILE writes the planted edits (path, line, kind, original and new line, by folder) as
JSON; --plant-from FILE plants exactly those instead of choosing, so that two versions of ankigen
meet the same mistakes (an edit whose original line is no longer there is skipped and named):

    PYTHONPATH=/tmp/baseline .venv/bin/python bench/corpus.py .corpus/lil-log --only _posts \
        --plant 60 --plant-save /tmp/plants-lil-log.json
    .venv/bin/python bench/corpus.py .corpus/lil-log --only _posts --plant-from /tmp/plants-lil-log.json

--show CODE prints every diagnostic of that code, to read false alarms.

--build also runs `ankigen build` (image files are copied too, keeping their relative paths),
imports the .apkg into a fresh collection of the official `anki` package and scans every field
of every note for what a learner would see wrongly: an HTML tag or comment shown as text, an
`<img>` whose file is not in the collection's media folder, TeX delimiters or commands outside
MathJax (also `$ x $` with spaces, which is not math), Obsidian links and embeds, Markdown
image syntax left as text, d2l roles (`:label:`), cloze markup in a basic note, and a front that
shows more text than the back (a '---' divider inside a card read as the end of the front). Printed per folder: exit codes of check and build, whether the
.apkg and the PDF were written, notes imported, problems by kind (--examples N shows some), and
wall time and peak memory per build stage (ANKIGEN_TIMINGS; peak memory of the whole build is
the largest sum over ankigen and its Typst workers, sampled from /proc).
--check-off sets `check = false` (for notes whose formulas are statements, not claims).
--drop-errors deletes the files with errors from the copy and builds again, so that the import
scan still covers the rest of a folder with a few broken files. --only SUB (repeatable) takes only
those subfolders of each DIR, keeping their paths (so `../img` links still resolve).

    .venv/bin/python bench/corpus.py --build .corpus/pumpkin-book/docs .corpus/Md2Anki/examples

Fetched notes never enter the repository: keep them in a git-ignored folder such as .corpus/.
"""

from __future__ import annotations

import argparse
import collections
import html
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import measured  # noqa: E402  (bench/run.py: a command's time and peak memory)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}
STAGES = ("fingerprint", "read", "parse", "check", "apkg", "pdf", "pdf (waiting)")
_HEADING = re.compile(r"^(#{1,6})\s", re.M)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def card_heading(text: str) -> int:
    """The shallowest heading level below 1 that the file uses (2 when it uses none)."""
    levels = {len(m.group(1)) for m in _HEADING.finditer(_FENCE.sub("", text))}
    below = sorted(level for level in levels if 1 < level <= 4)
    return below[0] if below else 2


def with_heading(text: str, level: int) -> str:
    """The file with `card_heading: level` in its front matter (added when it has none)."""
    if level == 2:
        return text
    body = text.lstrip("\ufeff")
    if body.startswith("---\n"):
        return f"---\ncard_heading: {level}\n" + body[4:]
    return f"---\ncard_heading: {level}\n---\n" + body


def promoted(text: str, level: int) -> str:
    """For ankigen versions without card_heading: level-N headings become '## ', shallower ones '# '."""
    if level <= 2:
        return text

    def swap(m: re.Match) -> str:
        n = len(m.group(1))
        return "## " if n == level else "# " if n < level else m.group(0)
    return _HEADING.sub(swap, text)


def wanted(rel: Path, only: list[str] | None) -> bool:
    """Whether a path relative to the folder is taken: not hidden, and under one of `only` if given."""
    if any(part.startswith(".") for part in rel.parts):
        return False
    return not only or any(rel.as_posix() == o or rel.as_posix().startswith(o.rstrip("/") + "/") for o in only)


def copy_images(src: Path, cards: Path, only: list[str] | None = None) -> int:
    """Copy the image files of src into cards, keeping their relative paths; how many."""
    n = 0
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.suffix.lower() not in IMAGE_SUFFIXES or not wanted(rel, only):
            continue
        if path.is_file() and not path.is_symlink():
            (cards / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, cards / rel)
            n += 1
    return n


def make_project(src: Path, dest: Path, heading: str, legacy: bool = False,
                 images: bool = False, check_off: bool = False, only: list[str] | None = None) -> int:
    """Copy the Markdown of src (and its images) into dest/cards_src with a pyproject; the number of files."""
    cards = dest / "cards_src"
    n = 0
    for path in sorted(src.rglob("*.md")):
        if not wanted(path.relative_to(src), only):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            text = None
        target = cards / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copyfile(path, target)
        else:
            level = card_heading(text) if heading == "auto" else int(heading)
            target.write_text(promoted(text, level) if legacy else with_heading(text, level), encoding="utf-8")
        n += 1
    if images:
        copy_images(src, cards, only)
    settings = '[tool.ankigen]\nroot_deck = "corpus"\ncache = ""\n' + ("" if legacy else "check_timeout = 600\n")
    if check_off:
        settings += "check = false\n"
    (dest / "pyproject.toml").write_text(settings, encoding="utf-8")
    return n


def run_check(project: Path) -> tuple[int, dict | None, float, float, str]:
    """The CLI's exit code, its JSON, seconds, peak MB of the child, and its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ankigen", "check", "--claims", "--format", "json"],
                          cwd=project, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        data = None
    return proc.returncode, data, seconds, peak, proc.stderr


def table(name: str, files: int, rc: int, data: dict | None, seconds: float, peak: float, stderr: str) -> dict:
    """One folder's check row. `formulas` counts the display formulas as the checker lists them (one per
    claim, with those not claimed, plus every formula without a claim), and `read_share` is the part of them
    read with an exact meaning: claims (decided or not), definitions and statements, not unreadable ones."""
    row = {"name": name, "files": files, "exit": rc, "seconds": round(seconds, 1), "peak_mb": round(peak)}
    if rc == 2 or data is None:
        row["crash"] = stderr.strip().splitlines()[-3:] if stderr.strip() else ["no output"]
    if data is None or "summary" not in data:  # no file matched `--only`: nothing was checked
        return row
    s = data["summary"]
    claims = collections.Counter(c["status"] for c in data.get("claims", []))
    formulas = collections.Counter(f["status"] for f in data.get("formulas", []))
    constructs = collections.Counter(f.get("construct", "?") for f in data.get("formulas", [])
                                     if f["status"] == "unreadable")
    codes = collections.Counter(d["code"] for d in data["diagnostics"])
    holds = claims["holds"] if "claims" in data else s["claims"] - s["failed"] - s.get("undecided", 0)
    display = len(data.get("claims", [])) + len(data.get("formulas", []))
    read = len(data.get("claims", [])) + formulas["definition"] + formulas["statement"]
    row.update(cards=s["cards"], formulas=display, claims=s["claims"], holds=holds, fails=s["failed"],
               ambiguous=claims["ambiguous"], undecided=claims["undecided"],
               unclaimed=claims["not claimed"], definitions=formulas["definition"],
               statements=formulas["statement"], unreadable=formulas["unreadable"],
               read_share=round(read / display, 3) if display else None,
               constructs=dict(constructs.most_common(12)), codes=dict(sorted(codes.items())))
    return row


PLANT_KINDS = ("transpose", "exponent", "sign", "factor", "digit")  # ties go to the rarer kinds first
_RELATION = re.compile(r"<=|>=|(?<![<>!:\\])=|(?<![\\-])<(?![-=])|(?<![-\\])>|"
                       r"\\(?:leq?|geq?|neq?|approx|equiv|leqslant|geqslant)(?![A-Za-z])")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+\*?|.)")
_BOUNDED = {"\\sum", "\\prod", "\\int", "\\iint", "\\iiint", "\\oint", "\\lim", "\\log", "\\max", "\\min", "\\sup",
            "\\inf", "\\limsup", "\\liminf", "\\bigcup", "\\bigcap", "\\coprod", "\\argmax", "\\argmin"}
_TEXT_ARGUMENT = re.compile(r"\\(?:text[a-z]*|mathrm|operatorname\*?|mbox|hbox|tag\*?|label|begin|end|color|"
                            r"[hv]space\*?|ref|eqref)\s*\{")
_SPACING = re.compile(r"\s|&|\\[,;:! ]|\\q?quad(?![A-Za-z])")
_LABEL = re.compile(r"\{?\s*(?:\(|\[|<|\\langle|\\prime|\\ast|\\star|\\circ|\\dagger|\*|')")
_TRANSPOSE = {"T", "\\top", "\\intercal", "\\mathrm{T}", "\\mathsf{T}", "\\rmT", "\\mathrmT", "\\mathsfT",
              "\\textsf{T}", "\\textrm{T}"}
_POWER_BASES = re.compile(r"(?:\\(?:gamma|lambda|beta|alpha|rho|delta|epsilon|varepsilon)|\b[0-9e])\s*$")
_FACTOR = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathbfit)\s*\{\s*\\?[A-Za-z]+\s*\}|(?<![\\A-Za-z])[A-Z](?![A-Za-z])")
_NUMERIC_FRAC = re.compile(r"\\[dt]?frac\s*(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))")


def group_end(line: str, i: int) -> int:
    """Index just past the group opened by the '{' at i (the end of the line when it is not closed)."""
    depth = 0
    for j in range(i, len(line)):
        if line[j] == "{" and line[j - 1:j] != "\\":
            depth += 1
        elif line[j] == "}" and line[j - 1:j] != "\\":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(line)


def argument(line: str, i: int) -> tuple[int, int]:
    """(start, end) of the TeX argument at or after i (spaces skipped): a group, a command or one character."""
    while i < len(line) and line[i] == " ":
        i += 1
    if i >= len(line):
        return i, i
    if line[i] == "{":
        return i, group_end(line, i)
    m = _COMMAND.match(line, i)
    return (i, m.end()) if m else (i, i + 1)


def base_before(line: str, i: int) -> str:
    """The command just before position i (for the '_' or '^' at i), or '' when the base is no command."""
    m = re.search(r"(\\[A-Za-z]+)\s*(?:\\limits|\\nolimits)?\s*(?:[_^](?:\{[^{}]*\}|\\?[A-Za-z0-9]))?\s*$", line[:i])
    return m.group(1) if m else ""


def fixed_places(line: str) -> list[bool]:
    """For each character of a source line, whether a planted mistake must leave it alone: a `% comment`,
    the argument of a text command (`\\text{…}`, `\\tag{…}`), a subscript that only names a symbol (`x_{n-1}`,
    `w_1`; the bounds of `\\sum`, `\\int`, `\\log` are mathematics) and a superscript that only labels one
    (`x^{(i)}`, `a^{[l]}`, `f^{\\prime}`, `x^*`): a change there renames a symbol, which reads as new."""
    fixed = [False] * len(line)

    def fix(a: int, b: int) -> None:
        fixed[a:b] = [True] * (b - a)
    comment = re.search(r"(?<!\\)%", line)
    if comment:
        fix(comment.start(), len(line))
    for m in _TEXT_ARGUMENT.finditer(line):
        fix(m.start(), group_end(line, m.end() - 1))
    for i, ch in enumerate(line):
        if ch not in "_^" or line[i - 1:i] == "\\":
            continue
        a, b = argument(line, i + 1)
        if ch == "_" and base_before(line, i) not in _BOUNDED or ch == "^" and _LABEL.match(line, a):
            fix(i, b)
    return fixed


def normalised(tex: str) -> str:
    """TeX without white space, alignment marks and spacing commands: how a claim's text is compared to its line."""
    return _SPACING.sub("", tex)


def top_relations(line: str, start: int, end: int) -> list[re.Match]:
    """The relations of line[start:end] outside braces."""
    found, depth, i = [], 0, start
    while i < end:
        if line[i] == "\\" and i + 1 < end and line[i + 1] in "{}":
            i += 2
            continue
        depth += line[i] == "{"
        depth -= line[i] == "}"
        m = _RELATION.match(line, i) if depth == 0 else None
        if m:
            found.append(m)
            i = m.end()
        else:
            i += 1
    return found


def claim_region(line: str, col: int, text: str) -> tuple[int, int] | None:
    """(start, end) of the part of a source line that belongs to a claim reported at `col`: from col to the
    second relation (a claim inside a chain is reported at its relation, its left side on an earlier line),
    the end of the formula or a line break, shortened until it is part of the claim's text. None when the
    claim cannot be found on its line (a claim assembled from several lines, a `where` binding)."""
    start = col - 1
    stop = re.compile(r"\$|\\\\|(?<!\\)%|\\tag\b|\\end\{").search(line, start)
    end = stop.start() if stop else len(line)
    if stop and stop.start() == start:
        return None
    rels = top_relations(line, start, end)
    if len(rels) >= 2:
        end = rels[1].start()
    want = normalised(text)
    begin = rels[0].end() if rels and rels[0].start() == start else start
    while end > begin and normalised(line[begin:end]) not in want:
        end -= 1
    return (start, end) if end - begin > 0 and normalised(line[begin:end]) else None


def _free(fixed: list[bool], a: int, b: int) -> bool:
    return not any(fixed[a:max(b, a + 1)])


def digit_edit(line: str, a: int, b: int, fixed: list[bool]) -> tuple[int, int, str] | None:
    """The last digit of the claim made one more (9 becomes 8): today's numeric mistake."""
    digits = [i for i in range(a, b) if line[i].isdigit() and not fixed[i]]
    if not digits:
        return None
    at = digits[-1]
    return at, at + 1, "8" if line[at] == "9" else str(int(line[at]) + 1)


def sign_edit(line: str, a: int, b: int, fixed: list[bool]) -> tuple[int, int, str] | None:
    """The last '+' or '-' of the claim flipped (not one of '->', '--', '++', nor one in a label); a leading
    minus (`= -x`) is dropped, as a writer would lose it, rather than written as `+x`."""
    signs = [i for i in range(a, b) if line[i] in "+-" and not fixed[i] and line[i - 1:i] not in ("\\", "+", "-")
             and line[i + 1:i + 2] not in ("+", "-", ">")]
    if not signs:
        return None
    at = signs[-1]
    unary = re.search(r"(?:^|[=<>({\[&]|\\left[(\[.]|\\[lg]eq?)\s*$", line[a:at])
    return at, at + 1, "" if unary and line[at] == "-" else "-" if line[at] == "+" else "+"


def factor_edit(line: str, a: int, b: int, fixed: list[bool]) -> tuple[int, int, str] | None:
    """A numeric fraction's denominator made one more (`\\frac{1}{2}` to `\\frac{1}{3}`); else the first term
    after the claim's relation given a factor 2 (`= x^2` to `= 2x^2`), or its leading number made one more."""
    for m in _NUMERIC_FRAC.finditer(line, a, b):
        g = 3 if m.group(3) else 4
        if _free(fixed, m.start(), m.end()):
            return m.start(g), m.end(g), str(int(m.group(g)) + 1)
    rels = top_relations(line, a, b)
    if not rels:
        return None
    i = rels[0].end()
    while i < b and line[i] in " &":
        i += 1
    if i < b and line[i] in "+-":
        i += 1
        while i < b and line[i] == " ":
            i += 1
    if i >= b or fixed[i]:
        return None
    number = re.match(r"\d+", line[i:b])
    if number:
        return i, i + number.end(), str(int(number.group()) + 1)
    cmd = _COMMAND.match(line, i)
    if line[i] in ")]}|,.;:=<>^_!'" or cmd and cmd.group() in ("\\cdot", "\\times", "\\right", "\\cdots", "\\ldots",
                                                               "\\dots", "\\quad", "\\qquad", "\\\\", "\\end"):
        return None
    return i, i, "2"


def exponent_edit(line: str, a: int, b: int, fixed: list[bool]) -> tuple[int, int, str] | None:
    """The last power of the claim changed: an integer made one more in size (`^2` to `^3`, `^{-1}` to
    `^{-2}`), anything else given one more (`^{n}` to `^{n+1}`, `^{n-1}` to `^{n}`); not the bounds of
    `\\sum`, not a transpose."""
    for i in reversed(range(a, b)):
        if line[i] != "^" or fixed[i] or line[i - 1:i] == "\\" or base_before(line, i) in _BOUNDED:
            continue
        s, e = argument(line, i + 1)
        if e > b or not _free(fixed, s, e):
            continue
        inner = line[s + 1:e - 1] if line[s:s + 1] == "{" else line[s:e]
        if normalised(inner) in _TRANSPOSE or normalised(inner) in ("", "-T", "-\\top", "H", "\\circ", "c"):
            continue
        number = re.fullmatch(r"\s*(-?)\s*(\d+)\s*", inner)
        if number:
            power = number.group(1) + str(int(number.group(2)) + 1)
            return s, e, power if len(power) == 1 and line[s] != "{" else "{" + power + "}"
        less = re.fullmatch(r"(.+?)\s*-\s*1\s*", inner)
        return s, e, "{" + (less.group(1) if less else inner + "+1") + "}"
    return None


def transpose_edit(line: str, a: int, b: int, fixed: list[bool], add: bool) -> tuple[int, int, str] | None:
    """A transpose taken away (`\\mathbf{x}^T\\mathbf{y}` to `\\mathbf{x}\\mathbf{y}`), or with `add` one put on
    a bold or capital factor that has none, written as the claim writes its own; only in claims with one."""
    found, scripts = [], set()
    for i, ch in enumerate(line):
        if ch in "^_" and line[i - 1:i] != "\\":
            scripts.update(range(i, argument(line, i + 1)[1]))
    for i in range(a, b):
        if line[i] != "^" or fixed[i] or line[i - 1:i] == "\\":
            continue
        s, e = argument(line, i + 1)
        inner = line[s + 1:e - 1] if line[s:s + 1] == "{" else line[s:e]
        if e <= b and normalised(inner) in _TRANSPOSE and not (inner.strip() == "T" and _POWER_BASES.search(line[:i])):
            found.append((i, e))
    if not found:
        return None
    if add:
        mark = line[found[0][0]:found[0][1]]
        for m in _FACTOR.finditer(line, a, b):
            after = line[m.end():m.end() + 1]
            if after not in ("^", "_", "'", "(") and m.start() not in scripts and _free(fixed, m.start(), m.end()):
                return m.end(), m.end(), mark
    i, e = found[-1]
    return i, e, ""


_ZERO = re.compile(r"(?:\\cdot|\\times|\*)\s*(0)(?![\d.])|(?<![\d.\w])(0)\s*(?:\\cdot|\\times|\*|\^)")


def fix_zero_terms(line: str, a: int, b: int, fixed: list[bool]) -> None:
    """Mark as fixed the terms of line[a:b] (split at '+', '-' and relations outside brackets; a sign
    belongs to the term after it) that have a factor 0 (`2 \\times 0`, `0 \\cdot (1-x)`, `-0^2`): a
    mistake there changes nothing. The zero itself stays free: making it 1 is a mistake."""
    cuts, depth = [a], 0
    relations = {m.start() for m in top_relations(line, a, b)} | {m.end() for m in top_relations(line, a, b)}
    for i in range(a, b):
        depth += line[i] in "{([" and line[i - 1:i] != "\\"
        depth -= line[i] in "})]" and line[i - 1:i] != "\\"
        if depth == 0 and (line[i] in "+-" and line[i - 1:i] not in ("^", "_", "\\") or i in relations):
            cuts.append(i)
    cuts.append(b)
    for start, end in zip(cuts, cuts[1:]):
        zeros = [m.start(1) if m.group(1) else m.start(2) for m in _ZERO.finditer(line, start, end)]
        if zeros:
            fixed[start:end] = [i not in zeros for i in range(start, end)]


def plant_edits(line: str, region: tuple[int, int], transposes: int) -> dict[str, tuple[int, int, str]]:
    """Every kind of mistake that can be planted in the claim at `region` of a source line, one edit each."""
    a, b = region
    fixed = fixed_places(line)
    fix_zero_terms(line, a, b, fixed)
    edits = {"digit": digit_edit(line, a, b, fixed), "sign": sign_edit(line, a, b, fixed),
             "factor": factor_edit(line, a, b, fixed), "exponent": exponent_edit(line, a, b, fixed),
             "transpose": transpose_edit(line, a, b, fixed, add=transposes % 2 == 1)}
    return {kind: edit for kind, edit in edits.items() if edit and line[edit[0]:edit[1]] != edit[2]}


def display_block(text: str, line: int) -> tuple[int, int]:
    """(first, last) line of the `$$…$$` formula around a line of the file, or (line, line) outside one."""
    for m in re.finditer(r"\$\$.*?\$\$", text, re.S):
        first = text.count("\n", 0, m.start()) + 1
        if first > line:
            break
        last = first + m.group().count("\n")
        if line <= last:
            return first, last
    return line, line


def equality(text: str) -> bool:
    """Whether a claim's relations are all equalities: an inequality may stay true when a number in it changes."""
    return all(m.group() in ("=", "\\approx", "\\equiv") for m in top_relations(text, 0, len(text)))


def claim_text(c: dict) -> str:
    """A claim's text from `check --claims --format json` (the key is 'claim', or 'text')."""
    return c.get("claim", c.get("text", ""))


def plant(project: Path, data: dict, limit: int) -> list[dict]:
    """Plant one mistake in each of up to `limit` claims that hold, of the kind planted least so far among
    those its text allows (at most one per `$$…$$` formula, and within 15 lines outside one, as two in one
    chain may cancel out; none on a line that already has a checker diagnostic, so that a report there
    means the mistake was found).
    Each edit: path, line, kind, original and new line, as --plant-save writes it."""
    flagged = {(d["path"], d["line"]) for d in data.get("diagnostics", []) if d["code"].startswith("C")}
    planted: list[dict] = []
    counts = collections.Counter()
    used: set[tuple[str, int]] = set()  # (path, first line) of the display formulas planted in
    for c in data.get("claims", []):
        if len(planted) >= limit:
            break
        if c["status"] != "holds" or (c["path"], c["line"]) in flagged or not equality(claim_text(c)):
            continue
        path = project / c["path"]
        text = path.read_text(encoding="utf-8")
        block = display_block(text, c["line"])
        if (c["path"], block[0]) in used or block[0] == block[1] and any(
                p["path"] == c["path"] and abs(p["line"] - c["line"]) < 15 for p in planted):
            continue
        lines = text.split("\n")
        line = lines[c["line"] - 1]
        region = claim_region(line, c["col"], claim_text(c))
        edits = plant_edits(line, region, counts["transpose"]) if region else {}
        if not edits:
            counts["no place" if region else "not on its line"] += 1
            continue
        kind = min(edits, key=lambda k: (counts[k], PLANT_KINDS.index(k)))
        a, b, new = edits[kind]
        edit = {"path": c["path"], "line": c["line"], "kind": kind, "original": line,
                "new": line[:a] + new + line[b:]}
        apply_edit(project, edit)
        counts[kind] += 1
        planted.append(edit)
        used.add((c["path"], block[0]))
    if counts["no place"] or counts["not on its line"]:
        print(f"planting skipped {counts['not on its line']} claims that hold whose text was not found on their "
              f"line and {counts['no place']} with no place for a mistake")
    return planted


def apply_edit(project: Path, edit: dict) -> bool:
    """Put one planted edit into the copy; False (nothing changed) when its line is no longer the original."""
    path = project / edit["path"]
    if not path.is_file():
        return False
    lines = path.read_text(encoding="utf-8").split("\n")
    if len(lines) < edit["line"] or lines[edit["line"] - 1] != edit["original"]:
        return False
    lines[edit["line"] - 1] = edit["new"]
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


def replant(project: Path, edits: list[dict], name: str) -> list[dict]:
    """Apply saved edits exactly (--plant-from), so two versions of ankigen meet the same mistakes; an edit
    whose original line is not in the copy is skipped and named."""
    applied = []
    for edit in edits:
        if apply_edit(project, edit):
            applied.append(edit)
        else:
            print(f"skipped saved mistake {name}/{edit['path']}:{edit['line']}: its line is no longer the original")
    return applied


def changed_part(edit: dict, width: int = 40) -> tuple[str, str]:
    """The original and the new line around their difference, to print an edit briefly."""
    old, new = edit["original"], edit["new"]
    a = next((i for i, (x, y) in enumerate(zip(old, new)) if x != y), min(len(old), len(new)))
    b = 0
    while b < min(len(old), len(new)) - a and old[len(old) - 1 - b] == new[len(new) - 1 - b]:
        b += 1
    lo = max(0, a - width)
    return old[lo:len(old) - b + width].strip(), new[lo:len(new) - b + width].strip()


def run_build(project: Path) -> dict:
    """`ankigen build --format json` in a fresh process: exit code, JSON, seconds, peak MB of the
    process tree (ankigen and its Typst workers), the per-stage timings and the stderr."""
    env = {**os.environ, "ANKIGEN_TIMINGS": "1"}
    cmd = [sys.executable, "-m", "ankigen", "build", "--format", "json"]
    returncode, out, err, seconds, peak_mb = measured(cmd, project, env, interval=0.05)
    try:
        data = json.loads(out)
    except ValueError:
        data = None
    stages = {}
    for line in err.splitlines():
        if line.startswith("ANKIGEN_TIMINGS "):
            stages = {r["stage"]: r for r in json.loads(line.split(" ", 1)[1])}
    peak_mb = max([peak_mb, *(r["peak_mb"] for r in stages.values())])
    return {"exit": returncode, "data": data, "seconds": seconds, "peak_mb": peak_mb,
            "stages": stages, "stderr": err}


_TAGS = ("img|br|hr|div|span|p|a|b|i|u|s|em|strong|sup|sub|font|center|table|tr|td|th|thead|tbody|ul|ol|li|"
         "pre|code|kbd|mark|ins|del|details|summary|iframe|video|audio|source|figure|figcaption|small|big|"
         "script|style|h[1-6]|blockquote|dl|dt|dd|ruby|rt|svg|math|object|embed")
_FIELD_CHECKS = {
    "escaped_html_tag": re.compile(rf"&lt;/?(?:{_TAGS})(?:[\s/]|&gt;)", re.I),
    "html_comment": re.compile(r"&lt;!--|<!--"),
    "raw_tex": re.compile(r"\$\$|\$[^$\s\d<](?:[^$<\n]{0,200}?[^\s\\])?\$|\\(?:begin|end)\{|"
                          r"\\(?:frac|sum|int|prod|alpha|beta|theta|lambda|sigma|mathbf|mathrm|left|right|sqrt|"
                          r"cdot|times|partial|nabla|infty|leq|geq|le|ge|hat|bar|vec|text)(?![A-Za-z])"),
    "spaced_dollar_math": re.compile(r"\$ [^$<\n]{0,200}?[A-Za-z\\_^{}][^$<\n]{0,200}? \$"),
    "obsidian_embed": re.compile(r"!\[\[[^\]\n]+\]\]"),
    "obsidian_link": re.compile(r"(?<!!)\[\[[^\]\n]+\]\]"),
    "markdown_image_as_text": re.compile(r"!\[[^\]\n]*\]\([^)\s]+\)"),
    "d2l_role": re.compile(r":(?:label|eqlabel|numref|eqref|cite|width|begin_tab|end_tab|ref):"),
}
_MATH = re.compile(r"\\\((?:.|\n)*?\\\)|\\\[(?:.|\n)*?\\\]")
_CODE = re.compile(r"<(pre|code)\b[^>]*>(?:.|\n)*?</\1>", re.I)
_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]*)\"", re.I)


def field_problems(value: str, media: set[str], cloze: bool) -> list[tuple[str, str]]:
    """(kind, excerpt) for everything a learner would see wrongly in one field's HTML."""
    found = []
    for m in _IMG.finditer(value):
        src = html.unescape(m.group(1))
        if re.match(r"[a-z][a-z0-9+.-]*:", src, re.I):
            found.append(("remote_image", src[:80]))
        elif src not in media:
            found.append(("missing_media", src[:80]))
    if not cloze and re.search(r"\{\{c\d+::", value):
        found.append(("cloze_in_basic_note", value[:80]))
    text = _CODE.sub(" ", value)
    for kind in ("escaped_html_tag", "html_comment"):
        found += [(kind, text[max(0, m.start() - 20):m.end() + 40]) for m in _FIELD_CHECKS[kind].finditer(text)]
    prose = _MATH.sub(" ", text)
    for kind in ("raw_tex", "spaced_dollar_math", "obsidian_embed", "obsidian_link", "markdown_image_as_text",
                 "d2l_role"):
        found += [(kind, prose[max(0, m.start() - 20):m.end() + 40]) for m in _FIELD_CHECKS[kind].finditer(prose)]
    return found


def answer_on_front(note) -> bool:
    """Whether the text shown on the front under the question is longer than the answer: a '---'
    used as a divider inside a card, read as the end of the front."""
    if "Front" not in note:
        return False
    extra = visible(re.sub(r'<div class="question">.*?</div>', "", note["Front"], count=1, flags=re.S))
    return bool(extra) and len(extra) > len(visible(note["Back"]))


def visible(field: str) -> str:
    """A field's text without tags and white space, to compare lengths."""
    return re.sub(r"<[^>]+>|\s", "", field)


def scan_apkg(apkg: Path) -> dict:
    """Import apkg into a fresh Anki collection; notes, import log sizes and field problems by kind."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory(prefix="ankigen-corpus-anki-") as tmp:
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
            log = col.import_anki_package(request).log
            media = set(os.listdir(col.media.dir()))
            problems: dict[str, list[str]] = collections.defaultdict(list)
            notes = 0
            for nid in col.find_notes(""):
                note = col.get_note(nid)
                notes += 1
                cloze = note.note_type()["type"] == 1
                where = note["Source"] if "Source" in note else str(nid)
                if answer_on_front(note):
                    problems["answer_on_front"].append(f"{where} [Front]")
                for name in note.keys():
                    if name in ("Source", "Id", "Checks"):
                        continue
                    for kind, excerpt in field_problems(note[name], media, cloze):
                        problems[kind].append(f"{where} [{name}] {excerpt!r}")
            return {"notes": notes, "new": len(log.new), "conflicting": len(log.conflicting),
                    "media": len(media), "problems": dict(problems)}
        finally:
            col.close()


def build_row(name: str, files: int, check_rc: int, build: dict, scan: dict | None, project: Path) -> dict:
    """One folder's build: exits, outputs written, diagnostics by code, stages, import problems."""
    data = build["data"]
    row = {"name": name, "files": files, "check_exit": check_rc, "build_exit": build["exit"],
           "apkg": bool(list((project / "dist").glob("*.apkg"))), "pdf": bool(list((project / "dist").glob("*.pdf"))),
           "seconds": round(build["seconds"], 1), "peak_mb": round(build["peak_mb"]),
           "stages": {k: (v["seconds"], round(v["peak_mb"])) for k, v in build["stages"].items()}}
    if data is None:
        row["crash"] = build["stderr"].strip().splitlines()[-3:] or ["no output"]
    else:
        row["cards"] = data["summary"]["cards"]
        row["codes"] = dict(sorted(collections.Counter(
            d["code"] + ("!" if d["severity"] == "error" else "") for d in data["diagnostics"]).items()))
    internal = [l for l in build["stderr"].splitlines() if "Traceback" in l or "internal" in l.lower()]
    if internal:
        row["internal"] = internal[:3]
    if scan is not None:
        row["notes"] = scan["notes"]
        row["conflicting"] = scan["conflicting"]
        row["problems"] = {k: len(v) for k, v in sorted(scan["problems"].items())}
    return row


def folder_name(src: Path) -> str:
    """The folder's path under .corpus/ when it is there (several repositories have a docs/), else its name."""
    try:
        return src.resolve().relative_to(ROOT / ".corpus").as_posix()
    except ValueError:
        return src.name


def show(name: str, data: dict | None, codes: list[str]) -> None:
    """Print every diagnostic of the given codes."""
    for d in (data or {}).get("diagnostics", []):
        if d["code"] in codes:
            print(f"{name}/{d['path']}:{d['line']}:{d['col']}: {d['code']}: {d['message']}")
            for note in d.get("notes", []):
                print(f"    note: {note}")


_SIDE_STOP = re.compile(r"\$|\\\\|(?<!\\)%|(?<!\\)&|\\tag\b|\\(?:begin|end)\{[^}]*\}|\\q?quad\b")


_BARE_DERIVATIVE = re.compile(r"\\frac\s*\{\s*(?:d|\\partial)\s*(?:\^\s*\{?\s*\d\s*\}?)?\s*\\?[A-Za-z]+\s*(?:_\s*\{?[^{}]*\}?)?\s*\}")


def changed_side(edit: dict) -> tuple[str, str] | None:
    """The side of the planted relation that the edit changed, before and after: the text between the
    top-level relations around it (`\\sqrt{(1-1)^2 + 4}` of `\\sqrt{(1-1)^2 + 4} = 2`). None when the
    edit touches a relation or its side cannot be cut out of the line."""
    old, new = edit["original"], edit["new"]
    a = next((i for i, (x, y) in enumerate(zip(old, new)) if x != y), min(len(old), len(new)))
    tail = 0
    while tail < min(len(old), len(new)) - a and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    sides = []
    for line, b in ((old, len(old) - tail), (new, len(new) - tail)):
        stops = list(_SIDE_STOP.finditer(line))
        lo = max((m.end() for m in stops if m.end() <= a), default=0)
        hi = min((m.start() for m in stops if m.start() >= b), default=len(line))
        if lo > a or hi < b:
            return None
        rels = top_relations(line, lo, hi)
        if any(m.start() < b and m.end() > a for m in rels):
            return None
        left = max((m.end() for m in rels if m.end() <= a), default=lo)
        right = min((m.start() for m in rels if m.start() >= b), default=hi)
        side = line[left:right].strip().rstrip(",.;，。")
        if not side or side.count("{") != side.count("}"):
            return None
        sides.append(side)
    return sides[0], sides[1]


def equivalent_edits(planted: list[dict]) -> set[int]:
    """The planted edits that change nothing the mathematics says: the changed side, before and after,
    checked as one identity (`(1-1)^2` and `(1-1)^3` are both 0; the limit of (1-1/n)^{n+1} is that of
    (1-1/n)^n). They are no mistake to find; they are printed, and left out of found/planted."""
    pairs = {k: changed_side(edit) for k, edit in enumerate(planted)}
    # a derivative of a bare letter (`\\frac{d^2f}{dx_i dx_j}`) may be read as 0 on both sides: no proof of sameness
    pairs = {k: p for k, p in pairs.items() if p and p[0] != p[1] and not any(_BARE_DERIVATIVE.search(x) for x in p)}
    if not pairs:
        return set()
    with tempfile.TemporaryDirectory(prefix="ankigen-equivalent-") as tmp:
        project = Path(tmp)
        (project / "cards_src").mkdir()
        (project / "pyproject.toml").write_text('[tool.ankigen]\ncache = ""\n', encoding="utf-8")
        cards = [f"## edit {k}\n\n$$\n{old} = {new} % check\n$$\n" for k, (old, new) in pairs.items()]
        (project / "cards_src" / "edits.md").write_text("\n".join(cards), encoding="utf-8")
        _, data, _, _, _ = run_check(project)
    lines = {4 + 6 * n: k for n, k in enumerate(pairs)}  # each card is six lines; its formula's is the fourth
    holding = collections.defaultdict(list)
    for c in (data or {}).get("claims", []):
        if c["line"] in lines:
            holding[lines[c["line"]]].append(c["status"] == "holds")
    return {k for k, verdicts in holding.items() if verdicts and all(verdicts)}


def check_folder(src: Path, project: Path, args: argparse.Namespace) -> dict:
    """The check-only row of one folder (with planted mistakes when asked)."""
    name = folder_name(src)
    files = make_project(src, project, args.heading, args.legacy, only=args.only)
    rc, data, seconds, peak, stderr = run_check(project)
    row = table(name, files, rc, data, seconds, peak, stderr)
    show(name, data, args.show)
    if (args.plant or args.plant_from) and data is not None:
        if args.plant_from:
            saved = json.loads(args.plant_from.read_text(encoding="utf-8"))
            edits = saved.get(name, next(iter(saved.values())) if len(saved) == 1 else [])
            planted = replant(project, edits, name)
            row["plant_skipped"] = len(edits) - len(planted)
        else:
            planted = plant(project, data, args.plant)
        args.planted[name] = planted
        _, after, _, _, _ = run_check(project)
        row.update(planting(name, planted, after, project))
    return row


def planting(name: str, planted: list[dict], after: dict | None, project: Path) -> dict:
    """Print each planted mistake and whether a checker diagnostic (C…, error or warning) now stands at its
    line; for a missed one, how its `$$…$$` formula is now read and any checker diagnostic elsewhere in it
    (a checker that reports a claim at another line of its formula is counted in `found_in_formula`, not in
    `found`). The row's found/planted, overall and by kind."""
    codes = collections.defaultdict(set)
    for d in (after or {}).get("diagnostics", []):
        if d["code"].startswith("C"):
            codes[(d["path"], d["line"])].add(d["code"])
    now = collections.defaultdict(list)
    for c in (after or {}).get("claims", []):
        now[(c["path"], c["line"])].append(c["status"] + (f" ({c['detail']})" if c.get("detail") else ""))
    for f in (after or {}).get("formulas", []):
        now[(f["path"], f["line"])].append(f["status"] + (f" ({f['reason']})" if f.get("reason") else ""))
    by_kind = collections.defaultdict(lambda: [0, 0])
    in_formula = 0
    same = equivalent_edits(planted)
    for n, edit in enumerate(planted):
        hit = sorted(codes.get((edit["path"], edit["line"]), ()))
        if n in same:  # reported all the same, it would be a false alarm on a right formula
            before, changed = changed_part(edit)
            print(f"planted {name}/{edit['path']}:{edit['line']} [{edit['kind']}] EQUIVALENT (its side has the same "
                  f"value: no mistake, not counted{'; yet reported ' + ','.join(hit) if hit else ''}): "
                  f"{before}  →  {changed}")
            continue
        by_kind[edit["kind"]][0] += bool(hit)
        by_kind[edit["kind"]][1] += 1
        before, changed = changed_part(edit)
        print(f"planted {name}/{edit['path']}:{edit['line']} [{edit['kind']}] "
              f"{'found ' + ','.join(hit) if hit else 'MISSED'}: {before}  →  {changed}")
        if hit:
            in_formula += 1
            continue
        first, last = display_block((project / edit["path"]).read_text(encoding="utf-8"), edit["line"])
        lines = range(first, last + 1)
        read = [f"{n}: {s}" for n in lines for s in now.get((edit["path"], n), [])]
        near = [f"{n}: {c}" for n in lines for c in sorted(codes.get((edit["path"], n), ()))]
        in_formula += bool(near)
        print(f"    formula (lines {first}-{last}) now read as: {'; '.join(read) or 'nothing listed'}")
        if near:
            print(f"    but reported elsewhere in its formula: {', '.join(near)}")
    print(f"planted {name}: " + ", ".join(f"{k} {f}/{n}" for k, (f, n) in sorted(by_kind.items())) +
          f"; found in their formula (any line) {in_formula}/{len(planted)}")
    return {"planted": len(planted) - len(same), "equivalent": len(same),
            "found": sum(f for f, _ in by_kind.values()), "found_in_formula": in_formula,
            "planted_by_kind": {k: f"{f}/{n}" for k, (f, n) in sorted(by_kind.items())}}


def build_folder(src: Path, project: Path, args: argparse.Namespace) -> dict:
    """The build row of one folder: check, build, import into Anki, scan the fields."""
    name = folder_name(src)
    files = make_project(src, project, args.heading, images=True, check_off=args.check_off, only=args.only)
    check_rc, check_data, _, _, _ = run_check(project)
    build = run_build(project)
    dropped, first = [], build
    if args.drop_errors and build["exit"] == 1 and build["data"]:
        dropped = drop_files_with_errors(project, build["data"])
        if dropped:
            show(name, build["data"], args.show)
            build = run_build(project)
    show(name, build["data"] or check_data, args.show)
    apkgs = sorted((project / "dist").glob("*.apkg"))
    scan = scan_apkg(apkgs[0]) if apkgs else None
    for kind, where in sorted((scan or {}).get("problems", {}).items()):
        for line in where[:args.examples]:
            print(f"{name}: {kind}: {line}")
    row = build_row(name, files, check_rc, build, scan, project)
    if dropped:  # the row describes the second build; say what the first one did
        row["dropped"] = len(dropped)
        row["first_build_exit"] = first["exit"]
        row["first_codes"] = dict(sorted(collections.Counter(
            d["code"] + ("!" if d["severity"] == "error" else "") for d in first["data"]["diagnostics"]).items()))
    return row


def drop_files_with_errors(project: Path, data: dict) -> list[str]:
    """Delete the source files with errors (after printing their errors), so the rest can be built.
    Errors of the PDF (O…) are left alone: they cost only the PDF."""
    errors = [d for d in data["diagnostics"] if d["severity"] == "error" and d["path"].endswith(".md")
              and not d["code"].startswith("O")]
    paths = sorted({d["path"] for d in errors})
    for d in errors:
        print(f"dropped for {d['code']}: {d['path']}:{d['line']}: {d['message']}")
    for path in paths:
        (project / path).unlink(missing_ok=True)
    return paths


def print_table(rows: list[dict], build: bool) -> None:
    """The rows as a Markdown table."""
    if build:
        keys = ["files", "cards", "check_exit", "first_build_exit", "dropped", "build_exit", "apkg", "pdf", "notes",
                "seconds", "peak_mb"]
    else:
        keys = ["files", "cards", "formulas", "claims", "holds", "fails", "ambiguous", "undecided", "unclaimed",
                "definitions", "statements", "unreadable", "read_share", "found", "planted", "seconds", "peak_mb",
                "exit"]
    extra = ["codes (! = error)", "problems in Anki", "stages"] if build else []
    print("\n| folder | " + " | ".join(keys + extra) + " |")
    print("|---" * (len(keys) + len(extra) + 1) + "|")
    for r in rows:
        cells = [str(r.get(k, "–")) for k in keys]
        if build:
            cells.append(" ".join(f"{k}:{v}" for k, v in r.get("codes", {}).items()) or "–")
            cells.append(" ".join(f"{k}:{v}" for k, v in r.get("problems", {}).items()) or "–")
            cells.append(" ".join(f"{k} {s:.1f}s/{m}M" for k, (s, m) in r["stages"].items()
                                  if k in STAGES) or "–")
        print(f"| {r['name']} | " + " | ".join(cells) + " |")


def print_planted(rows: list[dict]) -> None:
    """Planted mistakes found, by kind, over all folders."""
    total = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        for kind, share in r.get("planted_by_kind", {}).items():
            f, n = map(int, share.split("/"))
            total[kind][0] += f
            total[kind][1] += n
    if total:
        print("\nplanted mistakes found: " + ", ".join(
            f"{k} {f}/{n}" for k, (f, n) in sorted(total.items())) +
            f"; all {sum(f for f, _ in total.values())}/{sum(n for _, n in total.values())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--heading", default="auto", choices=["auto", "1", "2", "3", "4"])
    ap.add_argument("--show", action="append", default=[], help="print every diagnostic of this code")
    ap.add_argument("--plant", type=int, default=0, help="plant this many mistakes per folder and find them")
    ap.add_argument("--plant-save", type=Path, help="write the planted edits of every folder as JSON to this file")
    ap.add_argument("--plant-from", type=Path, help="plant exactly the edits saved by --plant-save instead")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    ap.add_argument("--legacy", action="store_true",
                    help="for ankigen before 0.2 (PYTHONPATH=an old checkout): promote headings, no new settings")
    ap.add_argument("--keep", type=Path, help="keep a copy of each temporary project under this folder")
    ap.add_argument("--only", action="append", help="take only this subfolder of each DIR (repeatable)")
    ap.add_argument("--build", action="store_true", help="also build, import into Anki and scan the fields")
    ap.add_argument("--check-off", action="store_true", help="with --build: set check = false")
    ap.add_argument("--examples", type=int, default=3, help="with --build: field problems shown per kind")
    ap.add_argument("--drop-errors", action="store_true",
                    help="with --build: when the build fails, delete the files with errors and build once more")
    args = ap.parse_args()
    args.planted = {}
    rows = []
    for src in args.dirs:
        with tempfile.TemporaryDirectory(prefix="ankigen-corpus-") as tmp:
            project = Path(tmp)
            row = build_folder(src, project, args) if args.build else check_folder(src, project, args)
            if args.keep:
                shutil.copytree(project, args.keep / folder_name(src), dirs_exist_ok=True)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.plant_save:
        args.plant_save.write_text(json.dumps(args.planted, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(rows, args.build)
    print_planted(rows)


if __name__ == "__main__":
    main()
