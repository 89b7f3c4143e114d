"""Check blocks: one claim per line, with `where` bindings of symbols and of families (lists).
`use` lines are read by lines.find_uses."""

from __future__ import annotations

import re

import sympy as sp

from ankigen.check.chains import is_relation, parse_chain
from ankigen.check.claims import Problem, make_claim
from ankigen.check.lines import USE, check_text, offset_span
from ankigen.check.reader import Parser
from ankigen.check.tokens import MathError, tokenize
from ankigen.check.vocabulary import Scope

_WHERE = re.compile(r"\bwhere\b")


def read_checks(state, check_lines) -> None:
    for n, line in enumerate(check_lines):
        text, base = check_text(line)
        if not text or USE.match(text):
            continue
        section = getattr(line, "section", 0)
        state.section = section
        try:
            claim_text, where = _split_where(text)
            bound, lists = _bindings(text, where, state.scope())
            scope = state.scope(values=dict(bound))
            toks = tokenize(claim_text)
            if not any(is_relation(t) for t in toks):
                raise MathError("a claim needs a relation (= \\neq < > \\le \\ge \\approx \\in)", 0,
                                len(claim_text))
            for j, step in enumerate(parse_chain(toks, scope, claim_text)):
                claim = make_claim(step, claim_text, base, text, True, ("check", n, j), bound, lists,
                                   frozenset(scope.consumed), section, declared=state.declared())
                if claim is None:
                    raise MathError("\\approx needs a decimal number on one side, e.g. 9.54 \\times 10^{-7}",
                                    step.start, step.end - step.start)
                state.out.claims.append(claim)
        except MathError as exc:
            state.out.problems.append(Problem("M001", f"cannot read claim: {exc.message}",
                                              offset_span(base, text, exc.offset, exc.length), True, exc.hint))


def _split_where(text: str) -> tuple[str, str]:
    m = _WHERE.search(text)
    if not m:
        return text, ""
    return text[:m.start()], text[m.end():]


def _bindings(full: str, text: str, scope: Scope):
    """`where a=1, C=[3, 64]`: scalar bindings and list bindings of families."""
    if not text.strip():
        return (), ()
    base = len(full) - len(text)
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    scalars, lists = [], []
    for part, off in parts:
        if not part.strip():
            raise MathError("empty binding after 'where'", base + off, 1)
        toks = tokenize(part, base + off)
        eq = next((i for i, t in enumerate(toks) if t.text == "=" and t.kind == "op"), None)
        if eq is None or eq == 0:
            raise MathError("a binding is 'name=value'", base + off, len(part))
        p = Parser(toks[:eq], scope)
        name_tok = p.peek()
        target = p.atom()
        if not p.done() or not isinstance(target, sp.Symbol):
            raise MathError(f"'{part[:part.find('=')].strip()}' is not a symbol name", name_tok.start,
                            toks[eq - 1].end - name_tok.start, hint="write subscripts with braces, e.g. C_{in}=64")
        vp = Parser(toks[eq + 1:], scope)
        if vp.at("["):
            lists.append((str(target), tuple(vp.arguments("[", "the list"))))
        else:
            scalars.append((target, vp.expression()))
        if not vp.done():
            t = vp.peek()
            raise MathError(f"unexpected '{t.text}' in a binding", t.start, t.end - t.start)
    return tuple(scalars), tuple(lists)
