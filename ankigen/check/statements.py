"""A display formula to its statements: rows, columns, separators, continuation rows, markers.

Environments (`aligned`, `align`, `split`, `gathered`, `equation`, `eqnarray`) are read row by row.
A row that starts with a relation (`&= …`) continues the chain above it; a row that starts with an
operator (`& \\quad + …`) continues the expression above it. In `aligned`, `&` pairs columns, so
`H &= 112 & W &= 112` holds two statements. Top-level `,`, `;`, `\\quad` and prose separate
statements. Offsets stay those of the original text, for diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ankigen.check.vocabulary import GREEK, RELATIONS
from ankigen.check.tokens import MathError, Tok, tokenize
from ankigen.source.markdown import BARE_PERCENT, SPACED_BREAK, TEX_COMMENT

_ENV = re.compile(r"\\(begin|end)\{(aligned|align\*?|alignat\*?|split|gathered|gather\*?|equation\*?|eqnarray\*?"
                  r"|multline\*?|flalign\*?|array|subarray)\}(\{[^{}]*\})?")
_UNREAD_ENV = re.compile(r"\\begin\{(\w+\*?)\}")
# Environments read inside an expression, whose rows and columns are not statements.
_INNER_ENV = re.compile(r"\\begin\{(cases|dcases|[bpvBV]?matrix|smallmatrix)\}")
_BEGIN_END = re.compile(r"\\(begin|end)\{[^{}]*\}")
_TAGS = re.compile(r"\\(tag|label)\*?\{[^{}]*\}")
# An equation number written by hand at the end of a row, set apart by spacing: `… \ \ (3)`.
_HAND_TAG = re.compile(r"(?:\\[ ,;:!>]|\\q?quad\b|~|\\hspace\*?\{[^{}]*\})\s*\(\s*\d+(?:[.-]\d+)*[a-z]?\s*\)\s*(?=$|\\\\)",
                       re.M)
_ROW_BREAK = re.compile(r"\\\\(\s*\[[^\]]*\])?|\\cr(?![A-Za-z])")  # plain TeX's \cr ends a row too
_MARKER = re.compile(r"%\s*(no)?check\s*$")
_OPERATORS = {"+", "-", "*", "/", "\\times", "\\cdot", "\\div"}
_CLOSING = {"(": ")", "[": "]", "{": "}", "\\{": "\\}", "\\lfloor": "\\rfloor", "\\lceil": "\\rceil",
            "\\langle": "\\rangle"}
_SEPARATING_COMMANDS = {"\\Rightarrow", "\\implies", "\\iff", "\\Leftrightarrow", "\\Longrightarrow",
                        "\\therefore", "\\because", "\\Longleftrightarrow", "\\text", "\\forall", "\\qquad"}


@dataclass(frozen=True)
class Statement:
    toks: tuple[Tok, ...]
    # A condition, not a fact: a hypothesis (`H_1: \mu_1 \neq \mu_2`), or a step of solving joined to
    # the next by an implication (`1 - 2\sigma(x) = 0 \implies \sigma(x) = 0.5 \implies x = 0`).
    condition: bool = False
    # What an implication follows across spacing (`λ^2 = 3λ + 2 \quad\Longrightarrow\quad …`): a
    # condition when it is an equation in one unknown the card does not define, a step otherwise.
    premise: bool = False
    # Where the row holds, set apart by spacing after an equation (`…, \quad t = 1`; `\qquad 2 \leq t \leq T`):
    # a condition of that row only, beside which the row's other statements are read as ever.
    domain: bool = False


_IMPLICATIONS = {"\\Rightarrow", "\\implies", "\\iff", "\\Leftrightarrow", "\\Longrightarrow",
                 "\\Longleftrightarrow", "\\therefore"}
_HYPOTHESIS = re.compile(r"^H_?\{?[0-9aA]\}?$")
# `\text{Rank of } C = 2`: words ending in a preposition make what follows their object (the rank of
# C is 2), not a statement about C.
_OF = re.compile(r"(?:\b(?:of|for|in|on|at|from|with|by|over|per)|的|对于|关于)\s*$", re.I)
_SPACING = re.compile(r"\\(?:q?quad|[,;:!> ])$|~$")
# `x \text{ such that } |A| = 5x`, `\min f(x) \text{ s.t. } g(x) = 0`: what follows is an equation to
# solve or a constraint, whatever the values make of it
_SUCH_THAT = re.compile(r"(?:such\s+that|s\.\s*t\.|subject\s+to|satisf(?:y|ies|ying)|使得|满足)\s*[:：]?\s*$", re.I)
# `… \geq 0 \quad \text{when} \quad y_n = +1`: what follows is the case the formula is stated for
_WHEN = re.compile(r"(?:^|\s)(?:when|whenever|if|iff|unless|provided(?:\s+that)?|当|若|如果)\s*[:：]?\s*$", re.I)


def marker(latex: str) -> str:
    """'check', 'nocheck' or '' from a `% check` / `% nocheck` ending the formula."""
    m = _MARKER.search(latex.rstrip())
    if not m:
        return ""
    return "nocheck" if m.group(1) else "check"


# `\\left[\\begin{array}{cc} 4 & -5 \\\\ -2 & 3 \\end{array}\\right]`: a matrix written as an array in brackets
_BRACKETED_ARRAY = re.compile(r"\\left\s*(\[|\(|\||\\\||\\vert)\s*\\begin\{array\}\s*\{[^{}]*\}(.*?)\\end\{array\}\s*"
                              r"\\right\s*(?:\]|\)|\||\\\||\\vert)", re.S)
_MATRIX_KINDS = {"[": "bmatrix", "(": "pmatrix", "|": "vmatrix", "\\vert": "vmatrix", "\\|": "Vmatrix"}


def _as_matrix(m: re.Match) -> str:
    """The bracketed array as the matrix environment it means, padded to the same length."""
    kind = _MATRIX_KINDS[m.group(1)]
    head, tail = f"\\begin{{{kind}}}", f"\\end{{{kind}}}"
    opening = head + " " * (m.start(2) - m.start() - len(head))
    closing = tail + " " * (m.end() - m.end(2) - len(tail))
    return opening + m.group(2) + closing


# Rows after a brace (`\\left\\{\\begin{aligned} v & c \\\\ … \\end{aligned}\\right.`, `\\{\\begin{array}{ll}`): how
# many notes set a piecewise value, read as `cases`.
_BRACED_ROWS = re.compile(r"(?:\\left\s*)?\\\{\s*\\begin\{(aligned|array|align\*?)\}\s*(?:\{[^{}]*\})?(.*?)\\end\{\1\}"
                          r"(?:\s*\\right\s*(?:\.|\\\}))?", re.S)


def _as_cases(m: re.Match) -> str:
    opening = "\\begin{cases}" + " " * (m.start(2) - m.start() - len("\\begin{cases}"))
    closing = "\\end{cases}" + " " * (m.end() - m.end(2) - len("\\end{cases}"))
    return opening + m.group(2) + closing


def masked(latex: str) -> str:
    """The formula with environments, tags and TeX comments blanked, offsets unchanged."""
    latex = _BRACKETED_ARRAY.sub(_as_matrix, latex)
    latex = _BRACED_ROWS.sub(_as_cases, latex)
    text = _ENV.sub(lambda m: " " * len(m.group(0)), latex)
    text = _TAGS.sub(lambda m: " " * len(m.group(0)), text)
    text = TEX_COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    text = SPACED_BREAK.sub(lambda m: "\\\\" + " " * (len(m.group(0)) - 2), text)
    return _HAND_TAG.sub(lambda m: " " * len(m.group(0)), text)


def shown(latex: str) -> str:
    """The formula as claims quote it: no environments, comments, row breaks or `&`, except those of
    a matrix or cases written inside it, which are kept as written."""
    text, out, start = masked(latex), [], 0
    for begin, end in _inner_envs(text):
        out.append(_unaligned(text[start:begin]))
        out.append(text[begin:end])
        start = end
    out.append(_unaligned(text[start:]))
    return "".join(out)


def _inner_envs(text: str) -> list[tuple[int, int]]:
    """Where each matrix or cases written inside the formula begins and ends, with the matrices
    written inside it (a matrix of column blocks): its `&` and `\\\\` are its own."""
    spans, at = [], 0
    while (m := _INNER_ENV.search(text, at)) is not None:
        depth, at = 0, m.end()
        for k in _BEGIN_END.finditer(text, m.start()):
            depth += 1 if k.group(1) == "begin" else -1
            if depth == 0:
                spans.append((m.start(), k.end()))
                at = k.end()
                break
    return spans


def _replaced(text: str, spans: list[tuple[int, int]], how) -> str:
    out, start = [], 0
    for begin, end in spans:
        out += [text[start:begin], how(text[begin:end])]
        start = end
    return "".join(out + [text[start:]])


def _unaligned(text: str) -> str:
    text = _ROW_BREAK.sub(lambda m: " " * len(m.group(0)), text)
    return re.sub(r"(?<!\\)&", " ", text)


def statements(latex: str) -> list[Statement]:
    """The statements of a display formula, in order; a MathError when it cannot be split."""
    percent = BARE_PERCENT.search(latex)
    if percent:  # `75%`: the card shows `75`, and the parser says so (S040)
        raise MathError("'%' after a number starts a TeX comment", percent.start(), 1, construct="a percent sign")
    text = masked(latex)
    inner = _inner_envs(text)
    cuts = _replaced(text, inner, lambda env: _ROW_BREAK.sub(lambda m: "\x00" * len(m.group(0)), env).replace("&", "\x00"))
    other = _UNREAD_ENV.search(_replaced(text, inner, lambda env: " " * len(env)))
    if other:
        raise MathError(f"the '{other.group(1)}' environment is not read", other.start(), len(other.group(0)),
                        construct=f"\\begin{{{other.group(1)}}}")
    eqnarray = "eqnarray" in latex or "\\begin{array}" in latex
    pieces: list[list[Tok]] = []  # a piece may continue the one before it
    led: list[str] = []  # the words that lead each piece: `\text{s.t.}\ &` before a row's relation
    words = ""
    for row, base in _rows(cuts):
        for column, col_base in _columns(row, base, eqnarray):
            if "\x00" in column:  # what a cases or matrix environment holds, as written
                column = "".join(text[col_base + k] if ch == "\x00" else ch for k, ch in enumerate(column))
            toks = tokenize(column, col_base)
            while toks and toks[0].kind == "sep":
                if not _SPACING.match(toks[0].text):
                    words += " " + toks[0].text
                toks.pop(0)
            while toks and toks[-1].text in (".", ",", ";") and toks[-1].kind == "op":
                toks.pop()  # sentence punctuation after a formula
            if not toks:
                continue
            first = toks[0]
            continues = pieces and ((first.kind in ("op", "cmd") and first.text in RELATIONS)
                                    or (first.kind in ("op", "cmd") and first.text in _OPERATORS
                                        and not _own_equation(toks, pieces[-1], cuts[base:first.start])))
            if continues:
                pieces[-1].extend(toks)
            else:
                pieces.append(list(toks))
                led.append(words)
            words = ""
    out: list[Statement] = []
    for k, toks in enumerate(pieces):
        parts = _split(toks)
        conditions, premises, domains = _conditions(toks, parts)
        if _SUCH_THAT.search(led[k].strip()):  # a row of constraints under `\min`: `\text{s.t.}\ & g(x) = 0`
            conditions.extend(parts)
        if k == 0 and parts and parts[0] and parts[0][0].kind == "op" and parts[0][0].text == "+":
            # `$$+ 4 + 5 = 15$$` after `$$S = 1 + 2 + 3$$`: the rest of a sum begun in the display
            # before, which this one cannot see (nobody starts a formula with a plus of its own)
            conditions.append(parts[0])
        # `\text{(only A)} + \text{(only B)} + 300 = 600`: a part that starts with a plus after words
        # had those words as its terms; without them it says something else
        conditions.extend(part for j, part in enumerate(parts) if (k or j) and part and part[0].kind == "op"
                          and part[0].text == "+")
        kept = _without_ranges(parts, text)
        out.extend(Statement(tuple(s), any(s is p for p in conditions), any(s is p for p in premises),
                             any(s is p for p in domains)) for s in kept if s)
    if _TABLE.search(_BRACKETED_ARRAY.sub(_as_matrix, latex)):
        # `\begin{array}{c|cc} & Y=0 & Y=1 \\ \hline X=0 & 0.10 & 0.20`: a table, whose cells are labels and
        # entries, not equations
        return [Statement(stmt.toks, True, stmt.premise, stmt.domain) for stmt in out]
    return _cases(out)


_TABLE = re.compile(r"\\begin\{array\}\s*\{[^{}]*\|[^{}]*\}|\\hline")


def _cases(found: list[Statement]) -> list[Statement]:
    """`z = -1, \\qquad z = 0, \\qquad z = 2`: one name given two or more numbers in one formula lists the
    cases a worked example goes through ("for z = -1, …"), neither definitions nor claims."""
    values: dict[str, set[str]] = {}
    for stmt in found:
        given = _number_given(stmt.toks)
        if given:
            values.setdefault(given[0], set()).add(given[1])
    listed = {name for name, seen in values.items() if len(seen) > 1}
    if not listed:
        return found
    return [Statement(stmt.toks, True, stmt.premise, stmt.domain)
            if (_number_given(stmt.toks) or ("",))[0] in listed else stmt for stmt in found]


def _number_given(toks) -> tuple[str, str] | None:
    """(name, number) of `z = -1`, `x_1 = 0.5`; None for anything else."""
    texts = [t.text for t in toks]
    if "=" not in texts:
        return None
    k = texts.index("=")
    value = texts[k + 1:]
    if not k or not value or not _letter(toks[0]) or any(t.text in RELATIONS or t.text in "()[]" for t in toks[:k]) \
            or not (len(value) == 1 and toks[k + 1].kind == "num" or value[0] == "-" and len(value) == 2
                    and toks[k + 2].kind == "num"):
        return None
    return "".join(texts[:k]), "".join(value)


def _conditions(toks: list[Tok], parts: list[list[Tok]]) -> tuple[list, list, list]:
    """The parts that are conditions (after a hypothesis label, on either side of an implication, or
    where the row holds), those that are premises, and those that are the row's domain."""
    found, premises, domains = [], [], []
    for k, part in enumerate(parts):
        if not part:
            continue
        before = _separator(toks, parts[k - 1][-1] if k and parts[k - 1] else None, part[0])
        after = _separator(toks, part[-1], parts[k + 1][0] if k + 1 < len(parts) and parts[k + 1] else None)
        # what an implication follows across spacing (`a = b \quad\Longrightarrow\quad` leaves an empty
        # part for each \quad) is a premise
        later = next((p for p in parts[k + 1:] if p), None)
        if _separator(toks, part[-1], later[0] if later else None) in _IMPLICATIONS and after not in _IMPLICATIONS:
            premises.append(part)
        label = "".join(t.text for t in parts[k - 1]) if k else ""
        # the words just before the part, over spacing (`\quad \text{s.t.} \quad`)
        ahead = [t for t in toks if t.end <= part[0].start and not (t.kind == "sep" and _SPACING.match(t.text))]
        words = [t for t in ahead if t.kind == "sep"]
        phrase = bool(words) and words[-1].end == max((t.end for t in ahead), default=-1) \
            and bool(_OF.search(words[-1].text) or _SUCH_THAT.search(words[-1].text) or _WHEN.search(words[-1].text))
        # `1 < j < \infty \Rightarrow \text{truncated}`: an implication whose other side is words
        implied = _adjacent(toks, part[0], -1) in _IMPLICATIONS or _adjacent(toks, part[-1], 1) in _IMPLICATIONS
        if before in _IMPLICATIONS or after in _IMPLICATIONS or (before == ":" and _HYPOTHESIS.match(label)) \
                or phrase or implied:
            found.append(part)
        elif _domain(toks, parts[:k], part, domains):
            found.append(part)
            domains.append(part)
    return found, premises, domains


_ORDER = {"<", ">", "\\le", "\\leq", "\\ge", "\\geq", "\\leqslant", "\\geqslant", "\\lt", "\\gt"}


def _domain(toks: list[Tok], earlier: list[list[Tok]], part: list[Tok], domains: list) -> bool:
    """`\\alpha_1(i) = \\pi_i b_i(o_1), \\quad t = 1` and `…, \\qquad 2 \\leq t \\leq T, 1 \\leq j \\leq N`:
    set apart by spacing after an equation (or after another such part), a letter's value or range
    is where the row holds (the case of a recursion, the steps it covers), neither a definition of the
    letter nor a claim about a value it has elsewhere. After `x = 3`, `\\quad y = 4` is a definition."""
    previous = next((p for p in reversed(earlier) if p), None)
    if previous is None or not (_lone_value(part) or _range(part)):
        return False
    if any(previous is p for p in domains):
        return True  # `2 \\leq t \\leq T, 1 \\leq j \\leq N`
    relations = [k for k, t in enumerate(previous) if t.kind in ("op", "cmd") and t.text in RELATIONS]
    if not relations or (_lone_value(part) and relations[0] == 1):
        return False
    return any(t.kind == "sep" and t.text in ("\\quad", "\\qquad") for t in toks
               if previous[-1].end <= t.start and t.end <= part[0].start)


def _letter(t: Tok) -> bool:
    return t.kind == "letter" or (t.kind == "cmd" and t.text[1:] in GREEK)


def _lone_value(part: list[Tok]) -> bool:
    return _number_given(part) is not None


def _range(part: list[Tok]) -> bool:
    relations = [k for k, t in enumerate(part) if t.kind in ("op", "cmd") and t.text in RELATIONS]
    if not relations or any(part[k].text not in _ORDER for k in relations):
        return False
    cuts = [-1, *relations, len(part)]
    return any(b - a == 2 and _letter(part[a + 1]) for a, b in zip(cuts, cuts[1:]))


def _adjacent(toks: list[Tok], tok: Tok, step: int) -> str:
    """The text of the token just before (step -1) or after (1) tok, or ''."""
    k = next((k for k, t in enumerate(toks) if t is tok), None)
    if k is None or not 0 <= k + step < len(toks):
        return ""
    return toks[k + step].text


_JOINED_BY_IMPLICATION = re.compile(r"^(?:\s|&|\\\\|\\q?quad\b|\\[,;:!]|~)*(?:%s)(?:\s|&|\\\\|\\q?quad\b|\\[,;:!]|~)*$"
                                    % "|".join(re.escape(c) + r"(?![A-Za-z])" for c in sorted(_IMPLICATIONS, key=len, reverse=True)))


def implication_between(latex: str, first: Statement, second: Statement) -> bool:
    """Whether an implication (`\\Rightarrow`, `\\implies`, `\\therefore` …) is what joins two statements
    of one formula, with only spacing and alignment besides."""
    if not first.toks or not second.toks:
        return False
    return bool(_JOINED_BY_IMPLICATION.match(latex[first.toks[-1].end:second.toks[0].start]))


def _separator(toks: list[Tok], left: Tok | None, right: Tok | None) -> str:
    """The token that separated two parts (`:`, `\\implies` …), or ''."""
    if left is None or right is None:
        return ""
    between = [t for t in toks if left.end <= t.start and t.end <= right.start and t.kind != "sep"]
    return between[0].text if len(between) == 1 else ""


_DOTS = {"\\dots", "\\cdots", "\\ldots", "\\dotsc", "\\dotsb", "\\dotso"}


def _counting(part: list[Tok], rest: list[list[Tok]]) -> bool:
    """`i = 1, 2, 3, 4`: whole numbers counting up by one from the value, at least two of them after
    it, or one after an index letter (`i = 2, 3`)."""
    values = [part[-1], *(r[0] for r in rest if len(r) == 1)]
    least = 1 if len(part) == 3 and part[0].kind == "letter" and part[0].text in _INDEX_LETTERS else 2
    if len(rest) < least or len(values) != len(rest) + 1 \
            or not all(t.kind == "num" and t.text.isdigit() for t in values):
        return False
    return all(int(b.text) == int(a.text) + 1 for a, b in zip(values, values[1:]))


# Letters that name an index: `i = 2, 3` lists the places a feature applies, where `x = 1, 2` may
# be the roots of an equation.
_INDEX_LETTERS = frozenset("ijklnt")


def _without_ranges(parts: list[list[Tok]], text: str) -> list[list[Tok]]:
    """`k = 1, 2, \\dots, K`, `i = 1, 2, 3, 4`: the values k runs through, neither a definition of k nor a
    claim that it is 1. A part `name = value` followed by parts without a relation, one of them dots
    (`\\dots, m` or `\\dots m`) or all counting up from the value (from an index letter, one number
    is enough), goes. So does such a range set apart by spacing after a statement
    (`\\alpha_i \\geq 0 \\; i = 1, 2, \\dots, m`): the statement stays. `text`: what the offsets of
    the tokens point into."""
    out: list[list[Tok]] = []
    k = 0
    while k < len(parts):
        part = parts[k]
        rest = []
        for later in parts[k + 1:]:
            if not later or any(t.kind in ("op", "cmd") and t.text in RELATIONS for t in later):
                break
            rest.append(later)
        relations = [t for t in part if t.kind in ("op", "cmd") and t.text in RELATIONS]
        head = _range_start(part, relations, text)
        if head is not None and (any(r[0].text in _DOTS for r in rest) or _counting(part[head:], rest)):
            if head:
                out.append(part[:head])
            k += 1 + len(rest)
            continue
        out.append(part)
        k += 1
    return out


_SPACING_COMMAND = re.compile(r"\\(?:[,;:!]|quad|qquad)")


def _range_start(part: list[Tok], relations: list[Tok], text: str) -> int | None:
    """Where `name = value` starts in the part: at its start (a name of up to 6 tokens, the part's one
    relation), or, for `index = value` ending the part, after spacing that sets it apart from a
    statement before it."""
    if len(relations) == 1 and relations[0].text == "=" and part.index(relations[0]) <= 6:
        return 0
    name = len(part) - 3
    if len(relations) < 2 or part[-2] is not relations[-1] or relations[-1].text != "=" or name <= 0 \
            or part[name].kind != "letter" or part[name].text not in _INDEX_LETTERS:
        return None
    return name if _SPACING_COMMAND.search(text[part[name - 1].end:part[name].start]) else None


def _own_equation(toks: list[Tok], before: list[Tok], lead: str) -> bool:
    """`-a + 3b - c &= -1` under `a - b + 2c &= 5`: a row that starts with a sign, not after its `&`,
    and has a relation of its own is the next equation of a system, not the tail of the one above."""
    return "&" not in lead and any(t.text in RELATIONS for t in toks[1:]) \
        and any(t.text in RELATIONS for t in before)


def _rows(text: str) -> list[tuple[str, int]]:
    rows, start = [], 0
    for m in _ROW_BREAK.finditer(text):
        rows.append((text[start:m.start()], start))
        start = m.end()
    rows.append((text[start:], start))
    return rows


_HAS_RELATION = re.compile(r"(?<!\\)(?:=|<|>)|\\(?:le|ge|leq|geq|ne|neq|approx|equiv)(?![A-Za-z])")


def _columns(row: str, base: int, eqnarray: bool) -> list[tuple[str, int]]:
    """Pairs of aligned columns (`a &= b & c &= d` → two), each as text and offset."""
    cuts = [m.start() for m in re.finditer(r"(?<!\\)&", row)]
    if not cuts:
        return [(row, base)]
    if eqnarray:  # a &=& b: one equation in three columns …
        starts = [0] + [c + 1 for c in cuts]
        cells = [(row[a:b], base + a) for a, b in zip(starts, cuts + [len(row)])]
        if all(_HAS_RELATION.search(text) for text, _ in cells):
            return cells  # … unless each column is an equation of its own (a table of series)
        return [(re.sub(r"(?<!\\)&", " ", row), base)]
    out, start = [], 0
    for n, cut in enumerate(cuts):
        if n % 2 == 1:  # every second & starts a new equation
            out.append((row[start:cut].replace("&", " "), base + start))
            start = cut + 1
    out.append((row[start:].replace("&", " "), base + start))
    return out


def _before_equals(toks: list[Tok], t: Tok) -> bool:
    """`:=` and `=:` are relations; any other top-level colon (`\\text{LayerNorm}: y = …`) ends a label."""
    k = toks.index(t)
    return (k + 1 < len(toks) and toks[k + 1].text == "=") or (k > 0 and toks[k - 1].text == "="
                                                              and toks[k - 1].end == t.start)


def _product_dot(toks: list[Tok], k: int) -> bool:
    """A `.` between two factors (`\\frac{\\partial z}{\\partial u}.\\frac{du}{dt} + …`) is a product dot,
    not the end of a sentence: what follows it, up to the next separator, has no relation of its own."""
    if k == 0 or k + 1 == len(toks):
        return False
    depth = 0
    for t in toks[k + 1:]:
        if t.kind == "op" and t.text in "{([":
            depth += 1
        elif t.kind == "op" and t.text in "})]":
            depth -= 1
        elif depth == 0 and (t.kind == "sep" or (t.kind == "op" and t.text in (",", ";", ".", ":"))
                             or (t.kind == "cmd" and t.text in _SEPARATING_COMMANDS)):
            return True
        elif depth == 0 and t.kind in ("op", "cmd") and t.text in RELATIONS:
            return False
    return True


def _split(toks: list[Tok]) -> list[list[Tok]]:
    """Top-level `,`, `;`, `\\quad`, prose and implication arrows separate statements. A ratio
    (`C : H : O = 3.33 : 6.65 : 3.33 = 1 : 2 : 1`) is none: its colons are not labels, and `3.33 = 1`
    is not what it says."""
    if any(t.kind == "op" and t.text == ":" and 0 < k < len(toks) - 1 and toks[k - 1].kind == "num"
           and toks[k + 1].kind == "num" and not (k > 1 and toks[k - 2].text in ("_", "^")) for k, t in enumerate(toks)):
        return []  # (s_1: 0 + 0.9 × 4 = 3.6 is a label, its 1 a subscript)
    out: list[list[Tok]] = []
    current: list[Tok] = []
    stack: list[str] = []
    for k, t in enumerate(toks):
        if not stack and t.kind == "op" and t.text == "." and _product_dot(toks, k):
            current.append(Tok("cmd", "\\cdot", t.start, t.end))
            continue
        if t.kind in ("op", "cmd") and t.text in _CLOSING:
            stack.append(_CLOSING[t.text])
        elif t.kind in ("op", "cmd") and stack and t.text == stack[-1]:
            stack.pop()
        elif t.text == "\\begin":  # a cases or matrix environment holds commas of its own
            stack.append("\\end")
        if not stack and (t.kind == "sep" or (t.kind == "op" and t.text in (",", ";", "."))
                          or (t.kind == "op" and t.text == ":" and not _before_equals(toks, t))
                          or (t.kind == "cmd" and t.text in _SEPARATING_COMMANDS)):
            out.append(current)
            current = []
            continue
        current.append(t)
    out.append(current)
    return out
