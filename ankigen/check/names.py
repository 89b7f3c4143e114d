"""Names in a formula: letters and runs of letters, subscripts (and the family elements they make
inside sums), superscript labels, primes, decorations, `e` and `i`, and what a name followed by
a parenthesis is — a card function, a known function, or (by the reading) an application."""

from __future__ import annotations

import sympy as sp

from ankigen.check.matrices import IDENTITY, OPERATOR_NAMES, is_matrix
from ankigen.check.tokens import MathError, Tok, adjacent, primed_names
from ankigen.check.vectors import _TRANSPOSE, group_transpose
from ankigen.check.vocabulary import (COMPLEX, DECORATIONS, FUNCTION_LETTERS, GREEK, KNOWN_FUNCTIONS, FunctionDef, family,
                                      no_tuple, symbol, unsupported)



# Commands that end an argument written without brackets (`\\sin x \\cos y`, `\\log n \\sum_i …`).
_ENDS_ARGUMENT = frozenset({
    "\\log", "\\sum", "\\prod", "\\int", "\\iint", "\\lim", "\\Pr", "\\arg", "\\argmax", "\\argmin",
    "\\sup", "\\inf", "\\pm", "\\mp", "\\cdots", "\\ldots", "\\dots", "\\begin", "\\nabla", "\\det",
    "\\underset", "\\mathop", "\\partial", "\\mathbb", "\\mathcal", "\\mathscr", "\\mathfrak",
    "\\operatorname", "\\operatorname*", "\\mathrm", "\\mathit", "\\mathsf", "\\mathtt", "\\underbrace",
    "\\overbrace", "\\boxed",
})


def _bracketed(texts: list[str]) -> bool:
    """`(t)`, `[l]`, `[l](i)`: groups in brackets, the labels of a time step, a layer, an example."""
    k = 0
    while k < len(texts):
        close = {"(": ")", "[": "]"}.get(texts[k])
        if close is None or close not in texts[k + 2:]:
            return False
        k = texts.index(close, k + 2) + 1
    return bool(texts)


# Operators whose argument may stand in brackets: E[X], \mathbb{V}[z] (MML's variance)
_BRACKETED = frozenset({"E", "P", "\\mathrm{Var}", "\\mathrm{E}", "\\mathbb{V}", "\\mathbb{E}", "\\mathbb{P}",
                        "\\mathrm{Cov}"})


_IDENTITY = ("I", "\\mathbf{I}", "\\mathbb{I}")  # the identity matrix, as notes write it

class Names:
    """The part of the Parser that reads names; mixed into it, so `self` is the Parser."""

    def subscript(self) -> tuple[str, list[Tok]] | None:
        """The text of a subscript and its tokens, or None when there is none."""
        if not self.at("_"):
            return None
        self.next()
        t = self.peek()
        if t.text == "{" and t.kind == "op":
            parts = self.braced("subscript")
            if not parts:
                raise MathError("empty subscript", t.start, 2)
            return "".join(_tok_text(u) for u in parts), parts
        if t.kind == "num" and len(t.text) > 1:
            raise MathError("a subscript of more than one character needs braces", t.start, t.end - t.start,
                            hint=f"write _{{{t.text}}}")
        if t.kind in ("letter", "num", "cmd"):
            self.next()
            return t.text, [t]
        if t.kind in ("word", "text", "unit", "sep") or (t.kind == "op" and t.text == "*"):
            self.next()  # a_\\text{TD3}, x_*: a label
            return _tok_text(t), [t]
        raise MathError("expected a subscript", t.start, 1)

    def label(self) -> str | None:
        """A superscript that names rather than raises: x^{(t)}, v^{corr}, W^T, x^*, x^\\top."""
        if not self.at("^"):
            return None
        t = self.peek(1)
        inner = []
        if t.text == "{" and t.kind == "op":
            k = 2
            while self.peek(k).kind != "end" and not (self.peek(k).text == "}" and self.peek(k).kind == "op"):
                inner.append(self.peek(k))
                k += 1
                if k > 40:
                    return None
            length = k + 1
        else:
            inner, length = [t], 2
        texts = [u.text for u in inner]
        if len(texts) > 3 and [texts[-1]] in _TRANSPOSE and _bracketed(texts[:-1]):
            # z^{(i)T}: the labelled name z^{(i)}, transposed, as (a^{(l-1)})^T is (reader.power)
            raise group_transpose(t.start, inner[-1].end - t.start)
        if texts in _TRANSPOSE and self.flipped("transpose"):
            self.i += length  # Y^T X w = w^T X^T Y of numbers: the transpose of a number is itself
            return ""
        if texts in (["\\top"], ["*"], ["\\ast"], ["\\prime"], ["\\dagger"], ["\\star"], ["\\prime", "\\prime"]) or (
                texts == ["\\pi"] and "\\pi" in self.scope.variables):  # V^\pi, w_t^\pi of a policy or density π
            ambiguous = False
        elif _bracketed(texts) or texts in (["T"], ["e"]) or (  # R^e: expected, as economists write it
                # v^0: the first of a sequence (a power of 0 is rarely written but of e, as e^0 = 1)
                texts == ["0"] and not (self.i and self.toks[self.i - 1].text == "e")) or (
                len(inner) >= 2 and all(u.kind == "letter" for u in inner)
                and all(adjacent(a, b) for a, b in zip(inner, inner[1:]))
                and not self._each_alone(inner, "".join(texts))) or (
                len(inner) == 1 and inner[0].kind == "word") or (
                # x^{j}_0: a superscript written before the subscript names (sample j's feature 0);
                # a power is written after the name it raises
                self.peek(length).kind == "op" and self.peek(length).text == "_"):
            ambiguous = True
        else:
            return None
        if ambiguous and self.flipped("labels"):
            return None
        self.i += length
        return "^{" + "".join(_tok_text(u) for u in inner) + "}"

    def decorated(self, base: str) -> str:
        """The rest of a symbol's name: subscript, labels and primes, as in K_{n}' or h^{(t)}_i."""
        name = base
        for _ in range(3):
            if self.peek().text not in ("_", "^", "'"):
                break  # most names have no decoration: say so at once
            sub = self.subscript()
            if sub is not None:
                text, toks = sub
                if any(u.kind == "letter" and u.text in self.bound for u in primed_names(toks)) or (
                        any(u.text in self.bound for u in toks if u.kind == "cmd")):
                    raise _FamilyIndex(name + (self.label() or ""), toks)  # \\alpha_i^* in \\sum_i
                name += f"_{{{text}}}"
                continue
            inner = self._bound_label()
            if inner is not None:  # x^{(i)} inside \\sum_i: the i-th element of the family x^{(·)}
                raise _FamilyIndex(name + "^{(\\cdot)}", inner)
            braced = [self.peek(k).text for k in (1, 3)] == ["{", "}"]
            index = self.peek(2 if braced else 1)
            if "_{" in name and self.at("^") and index.kind == "letter" and index.text in self.bound:
                self.i += 4 if braced else 2  # Q_t^n inside \\sum_n: the n-step return, an element, not a power
                raise _FamilyIndex(name + "^{(\\cdot)}", [index])
            lab = self.step_label() if base in self.scope.labelled else self.label()
            if lab is not None:
                name += lab
                continue
            if self.at("'"):
                while self.at("'"):
                    self.next()
                    name += "'"
                continue
            break
        return name

    def step_label(self) -> str | None:
        """The superscript of a letter the card counts steps with (w^0, w^{t+1}): a label, whatever it is."""
        if not self.at("^"):
            return None
        self.next()
        inner = self.braced("superscript") if self.at("{") else [self.next()]
        return "^{" + "".join(_tok_text(u) for u in inner) + "}"

    def _bound_label(self) -> list[Tok] | None:
        """The index tokens of a superscript `^{(i)}` whose i is a bound summation index (consumed),
        or None (nothing consumed)."""
        if not self.bound or [self.peek(k).text for k in range(3)] != ["^", "{", "("]:
            return None
        k, inner = 3, []
        while self.peek(k).kind != "end" and self.peek(k).text != ")":
            inner.append(self.peek(k))
            k += 1
        if self.peek(k + 1).text != "}" or not inner or not any(u.text in self.bound for u in inner):
            return None
        self.i += k + 2
        return inner

    def named(self, t: Tok) -> sp.Expr:
        """A letter (or a run of letters) with subscripts, labels and primes; a call when one follows."""
        run = [t]
        while self.peek(len(run)).kind == "letter" and adjacent(run[-1], self.peek(len(run))):
            run.append(self.peek(len(run)))
        if len(run) > 1 and self.scope.matrices and all(self._matrix_letter(u.text) for u in run):
            value = sp.Integer(1)  # AB, AUU^T, AI where the card declares A, B, U: a product of matrices
            for u in run[:-1]:
                self.next()
                value = value * self._matrix_letter(u.text)
            return value * self.power()  # the last letter takes its own superscript: ab^2 is a b^2
        after = self.peek(len(run))
        if after.kind == "num" and adjacent(run[-1], after) and after.text.isdigit():
            # h1, w1, const1: a name written as code writes it, not a letter times a number
            self.i += len(run) + 1
            word = "".join(u.text for u in run) + after.text
            return self.apply_if_called(self.bound.get(word) or symbol(f"\\mathrm{{{word}}}"), t, word)
        if len(run) > 1:
            word = "".join(u.text for u in run)
            if word in KNOWN_FUNCTIONS and self.peek(len(run)).text != "_":
                self.i += len(run)
                return self.apply_known(word, run[0])
            # dW, dz_2 on a card that names them (backprop's shorthand, du' = 1): one name, not d times W
            usual_word = (len(run) >= 3 or word.isupper()) and (
                self.peek(len(run)).text == "(" or not self._each_alone(run, word)) or (
                len(run) == 2 and run[0].text == "d" and run[1].text in self.scope.differentials)
            if usual_word != self.flipped("words", usual_word):
                self.i += len(run)
                return self.word_value(f"\\mathrm{{{word}}}", t)
            value = sp.Integer(1)
            for u in run[:-1]:  # a product: each letter but the last stands alone
                self.next()
                value = value * self.letter_value(u, u.text)
            return value * self.power()  # the last letter takes its own superscript: ab^2 is a b^2
        return self.named_single(t)

    def _each_alone(self, run: list[Tok], word: str) -> bool:
        """`KC` where the card writes K and C on their own, `e^{inx}` summed over n: a product of letters
        each of which is a name here (or an index bound here). Not a run the card gives a value (`TP = 80`)."""
        if word in self.scope.alone:
            return False
        return all(u.text in self.scope.alone or u.text in self.bound for u in run)

    def _matrix_letter(self, letter: str) -> sp.Expr | None:
        """A plain letter that is a matrix here: declared so, or I (the identity) on a card that
        declares matrices by plain letters."""
        if letter in self.scope.matrices:
            return sp.Symbol(letter, commutative=False)
        if letter == "I" and any(len(k) == 1 for k in self.scope.matrices):
            return IDENTITY
        return None

    def named_single(self, t: Tok) -> sp.Expr:
        if t.text in self.scope.bold and not self.at_label_or_call(1):
            self.next()  # A beside \\mathbf{A} in the same formula: the same matrix
            return sp.Symbol(self.scope.bold[t.text], commutative=False)
        if t.text == "I" and self._matrix_letter("I") is IDENTITY and not self.at_label_or_call(1):
            self.next()
            return IDENTITY
        if t.text in self.scope.matrices or any(k.startswith(t.text + "_{") for k in self.scope.matrices):
            saved = self.i
            self.next()  # a letter the card declares in ℝ^{m×n}: a matrix, and ^T its transpose
            value = self.matrix_named(t.text, t)
            if isinstance(value, sp.Symbol) and value.is_commutative is False and value.name in self.scope.matrices:
                return value
            self.i = saved
        self.next()
        start = self.i
        try:
            name = self.decorated(t.text)
        except _FamilyIndex as fam:
            return self.apply_if_called(self.family_element(fam), t, fam.name)
        if name in self.bound:
            return self.bound[name]
        fn = self.scope.functions.get(name) or self.derivative_function(name)
        if fn is not None and self.at("("):
            return self.call(fn, t)
        if fn is not None and self.at("^"):
            powered = self.function_power(fn, t)
            if powered is not None:
                return powered
        if self.i == start:
            value = self.letter_value(t, name)
        else:
            value = symbol(name)
        return self.apply_if_called(value, t, name)

    def at_label_or_call(self, k: int) -> bool:
        """Whether the token k ahead starts a subscript, a superscript label or an argument list."""
        u = self.peek(k)
        return u.kind == "op" and u.text in ("_", "(")

    def derivative_function(self, name: str) -> FunctionDef | None:
        """f' (or f^{\\prime}, f'') of a card function of one variable: its derivative."""
        base, order = name, 0
        while True:
            if base.endswith("'"):
                base, order = base[:-1], order + 1
            elif base.endswith("^{\\prime}"):
                base, order = base[:-len("^{\\prime}")], order + 1
            elif base.endswith("^{\\prime\\prime}"):
                base, order = base[:-len("^{\\prime\\prime}")], order + 2
            else:
                break
        fn = self.scope.functions.get(base) if order else None
        if fn is None or len(fn.params) != 1:
            return None
        return FunctionDef(fn.params, sp.diff(fn.body, fn.params[0], order))

    def letter_value(self, t: Tok, name: str) -> sp.Expr:
        """A bare letter: e and i may be constants."""
        if name in self.bound:
            return self.bound[name]
        if name == "e":
            usual_constant = "e" not in self.scope.variables
            if usual_constant and self.at("^"):
                return sp.E  # e^{…} is the exponential, whatever else e may be on the card
            return sp.E if usual_constant != self.flipped("e", usual_constant) else symbol("e")
        if name == "i":
            usual_unit = (self.in_e_power or self.scope.imaginary) and "i" not in self.scope.variables
            return sp.I if usual_unit != self.flipped("i", usual_unit) else symbol("i")
        if name == "j" and self.scope.unit_j and "j" not in self.scope.variables:
            return sp.I
        if name in _IDENTITY and self.flipped("identity"):
            return sp.Integer(1)  # W I W^T + σ^2 I of letters read as numbers: the identity is 1
        return symbol(name)

    def apply_if_called(self, value: sp.Expr, t: Tok, name: str) -> sp.Expr:
        """`f(x)` for an undefined f: an application or a product, by the reading."""
        nxt = self.peek()
        if name == "\\Gamma" and nxt.text == "(" and nxt.kind == "op" and name not in self.bound \
                and not self.conditional_group():
            # Γ(a) = ∫_0^∞ z^{a-1} e^{-z} dz: the gamma function, as every statistics text writes it
            args = self.arguments("(")
            if len(args) == 1 and not is_matrix(args[0]):
                return sp.gamma(args[0])
            return sp.Function(name)(*args)
        # E[X], and E{\\sum …} as some write an expectation: what follows is its argument
        bracket = nxt.text in ("[", "{") and nxt.kind == "op" and name in _BRACKETED
        if nxt.text == "[" and nxt.kind == "op" and name.startswith(("E_{", "\\mathrm{E}_{", "\\mathbb{E}_{")):
            # E_{\mathcal D}[h^2]: an expectation over what its subscript names, a distribution the card
            # does not give, as \mathbb{E}_{x \sim p}[…] is: opaque, never E times a bracket
            from ankigen.check.notation import opaque

            return opaque(name, *self.arguments("["))
        if nxt.text == "[" and nxt.kind == "op" and name == "\\delta" and isinstance(value, sp.Symbol) and \
                adjacent(self.toks[self.i - 1], nxt) and not self.scope.functions.get(name):
            # δ[n], δ[n - k]: the unit impulse of signal processing, 1 at 0 and 0 elsewhere
            _, args = self.given_arguments("\\delta[·]", "[")
            if len(args) == 1:
                return sp.KroneckerDelta(args[0], 0)
            return sp.Function("\\delta[·]")(*args)
        if nxt.text == "[" and nxt.kind == "op" and not bracket and isinstance(value, sp.Symbol) and \
                adjacent(self.toks[self.i - 1], nxt) and len(name) == 1:
            # x[n], I[i + m]: an element of a signal or array, as code and signal processing write it
            name, args = self.given_arguments(f"{name}[·]", "[")
            return sp.Function(name)(*args)
        if nxt.text == "(" and nxt.kind == "op" and name.partition("_")[0] in ("\\lambda", "\\sigma") \
                and ("_" in name or isinstance(value, sp.Indexed)) \
                and (self.peek(1).text in ("\\mathbf", "\\boldsymbol", "\\bm") or self.peek(1).text.isupper()):
            # \lambda_j(\mathbf{A}^T \mathbf{A}), \sigma_i(A): the j-th eigenvalue or singular value of a matrix
            from ankigen.check.notation import opaque

            fn, args = self.given_arguments(f"{name.partition('_')[0]}_{{·}}", "(")
            return opaque(fn, *(value.indices if isinstance(value, sp.Indexed) else ()), *args)
        if isinstance(value, sp.Indexed) and nxt.text == "(" and nxt.kind == "op" and self.conditional_group():
            # f_i(x, y) inside \\sum_i: the i-th of a family of functions, applied (a comma makes no product)
            fn, args = self.given_arguments(f"{name}_{{·}}", "(")
            return sp.Function(fn)(*value.indices, *args)
        if not ((nxt.text == "(" and nxt.kind == "op") or bracket) or not isinstance(value, (sp.Symbol,)):
            return value
        base = _undecorated(name.split("_")[0].split("^")[0].rstrip("'"))
        if not (self.conditional_group() or self.integrand_argument()):
            # s'(0), a(0): a derivative's value, a function at a number (nobody writes a times 0)
            at_number = self.peek(1).kind == "num" and self.peek(2).text == ")"
            # d(s) inside \sum_s: the value of d at each s (nobody writes d times s so)
            at_index = self.peek(1).kind == "letter" and self.peek(1).text in self.bound and self.peek(2).text == ")"
            # p(x), q(z \mid x) is a density of a name; p(1 - p) a product
            density = base in ("p", "q") and self.one_name_group()
            # H(dx) of an H the card transposes or declares (H = H^T): a matrix times a vector
            # \\tilde{\\text{df}}(\\psi): an upright word under an accent is a function, as \\text{df}(\\psi) is
            word = base.startswith("\\mathrm{") and len(base) > len("\\mathrm{x}")
            usual_apply = adjacent(self.toks[self.i - 1], nxt) and base not in self.scope.matrices and (
                base in FUNCTION_LETTERS or bracket or base in self.scope.applied or at_number or at_index or density
                or word or name.endswith("'") or name.endswith("\\prime}")
                or (len(base) == 1 and base.isupper() and self.transform_value()))
            if usual_apply == self.flipped("apply", usual_apply):
                return value
        name, args = self.given_arguments(name, nxt.text if bracket else "(")
        return sp.Function(name)(*args)

    def family_element(self, fam: "_FamilyIndex") -> sp.Expr:
        """`C_{l-1}` inside `\\sum_{l=…}`: an element of the family C at a computed index."""
        element = self._family_element(fam)
        if fam.name == "\\delta" and isinstance(element, sp.Indexed) and len(element.indices) == 2 \
                and "\\delta" not in self.scope.functions and "\\delta" not in self.bound:
            return sp.KroneckerDelta(*element.indices)  # δ_{jl}, δ_{j,l} under a sum: 1 where j = l, else 0
        return element

    def _family_element(self, fam: "_FamilyIndex") -> sp.Expr:
        toks = fam.toks
        if len(toks) > 1 and all(u.kind == "letter" or (u.kind == "num" and len(u.text) == 1)
                                 or (u.kind == "cmd" and u.text[1:] in GREEK) for u in toks) and all(
                adjacent(a, b) or a.kind == "cmd" for a, b in zip(toks, toks[1:])) and not (
                len(toks) == 2 and toks[0].kind == "num" and self._single_indexed(fam.name)):
            # A_{ik}, w_{ij}: one index a letter, as matrices are written (x_{2n} beside x_n: every other one)
            return family(fam.name)[tuple(self.bound.get(u.text) or (sp.Integer(u.text) if u.kind == "num" else
                                                                   sp.Symbol(u.text, integer=True)) for u in toks)]
        sub = type(self)(toks, self.scope, toks[-1].end)
        sub.bound = self.bound
        indices = [sub.expression()]
        while sub.at(","):
            sub.next()
            indices.append(sub.expression())
        if not sub.done():
            u = sub.peek()
            raise MathError(f"cannot read the index '{u.text}'", u.start, u.end - u.start, construct="index")
        return family(fam.name)[tuple(indices)]

    def _single_indexed(self, name: str) -> bool:
        """Whether the formula also writes the family with one letter for its index (`x_n`, `x_{n}`)
        and never with two (`a_{ij}`): then `x_{2n}` is the element at 2n."""
        single = False
        for k, u in enumerate(self.toks[:-2]):
            if u.text != name or self.toks[k + 1].text != "_":
                continue
            after = self.toks[k + 2]
            if after.kind == "letter":
                single = True
            elif after.text == "{":
                inner = []
                for v in self.toks[k + 3:]:
                    if v.text == "}":
                        break
                    inner.append(v)
                if len(inner) == 1 and inner[0].kind == "letter":
                    single = True
                elif len(inner) >= 2 and all(v.kind == "letter" for v in inner):
                    return False
        return single

    def word_value(self, name: str, t: Tok) -> sp.Expr:
        """A multi-letter name: a known function, a card function, or one symbol."""
        plain = name.removeprefix("\\mathrm{").removesuffix("}")
        if plain in ("e",):
            return sp.E
        if plain in ("i",):
            # upright i is the imaginary unit, except where the notes set every letter upright
            # (`\\mathrm{x}_i`, `\\mathrm{i}=1,2,\\ldots,\\mathrm{N}`) and count with i
            return symbol("i") if self.scope.index_i and not self.in_e_power else sp.I
        if plain.lower() in KNOWN_FUNCTIONS and self.peek().text != "_":
            return self.apply_known(plain.lower(), t)
        try:
            full = self.decorated(name)
        except _FamilyIndex as fam:
            return self.family_element(fam)
        fn = self.scope.functions.get(full) or self.derivative_function(full)  # \text{sigmoid}'(x) too
        if fn is not None and self.at("("):
            return self.call(fn, t)
        if full in self.bound:
            return self.bound[full]
        if plain in OPERATOR_NAMES:
            return self.matrix_function(plain, t)
        if self.at("(", "["):  # an unknown \operatorname{name}(x) is a function, never a product
            if self.at("[") and plain not in ("E", "V", "Var", "Cov", "P", "Pr", "D", "KL", "H"):
                return symbol(full)
            fname, args = self.given_arguments(full, self.peek().text)
            if plain.lower() == "softmax" and len(args) == 1 and is_matrix(args[0]):
                return self.softmax(args[0])
            return sp.Function(fname)(*args)
        return symbol(full)

    def apply_known(self, name: str, t: Tok) -> sp.Expr:
        fn = KNOWN_FUNCTIONS[name]
        if self.at("'") and name not in ("max", "min"):
            order = 0  # \text{sigmoid}'(x), \tanh'(x): the known function's derivative, applied
            while self.at("'"):
                self.next()
                order += 1
            if not self.at("("):
                raise MathError(f"the derivative of {name} is read applied to an argument only", t.start,
                                t.end - t.start, construct="a derivative of a function without its argument")
            x = sp.Symbol("x_", real=True)
            return self.call(FunctionDef((x,), sp.diff(fn(x), x, order)), t)
        if name in ("max", "min"):
            if self.at("_") or not self.at("("):  # \\max_{x} f(x): a value over a set
                return self.set_operator(t, name, consumed=True)
            args = self.arguments("(")
            try:
                return fn(*args)
            except (ValueError, TypeError):  # max of values sympy cannot order (a complex one)
                raise MathError(f"cannot compare the arguments of {name}", t.start, t.end - t.start,
                                construct=f"\\{name} of values that cannot be compared") from None
        power = None
        if self.at("^") and name not in ("exp", "sqrt"):  # \\tanh^2 x is (\\tanh x)^2
            caret = self.next()
            power = self.script()
            if not (power.is_Integer and 0 < power <= 12):
                raise MathError("a power of a function is read for whole exponents 1 to 12 only", caret.start,
                                self.toks[self.i - 1].end - caret.start, construct="f^{-1} (inverse function)")
        saved = self.in_e_power
        self.in_e_power = saved or name == "exp"
        try:
            arg = self.function_argument()
        finally:
            self.in_e_power = saved
        if is_matrix(arg):  # \\sigma(\\mathbf{W}\\mathbf{x} + \\mathbf{b}): entry by entry
            if power is not None:
                raise MathError("a power of a function of a vector is not read", t.start, t.end - t.start,
                                construct="f^n of a vector")
            return self.entrywise(fn, arg)
        try:
            value = fn(arg)
        except (ValueError, TypeError):
            raise MathError(f"cannot apply {name} to this argument", t.start, t.end - t.start,
                            construct=f"\\{name} of this argument") from None
        return value if power is None else value ** power

    def function_power(self, fn: FunctionDef, t: Tok) -> sp.Expr | None:
        """`\\sigma^2(z)` of a function the card defines: (σ(z))², as `\\tanh^2 x` is; `f^{-1}(y)`, an
        inverse, is not read. None (nothing consumed) when no call follows the superscript."""
        saved = self.i
        caret = self.next()
        power = self.script()
        if not self.at("("):
            self.i = saved
            return None
        if not (power.is_Integer and 0 < power <= 12):
            raise MathError("a power of a function is read for whole exponents 1 to 12 only", caret.start,
                            self.toks[self.i - 1].end - caret.start, construct="f^{-1} (inverse function)")
        value = self.call(fn, t)
        if len(fn.params) == 1 and self.flipped("iterate"):
            for _ in range(int(power) - 1):  # f^2(x): f(f(x))
                value = fn.body.xreplace({fn.params[0]: value})
            return value
        return value ** power

    def backward_difference(self) -> sp.Expr | None:
        """`\\sum_t y_{t-1} \\Delta y_t`: a series' first difference y_t - y_{t-1}, where the formula writes the
        series at t - 1 too (time series); elsewhere Δ stays a letter."""
        start = self.i
        element = self.power()
        if isinstance(element, sp.Indexed) and len(element.indices) == 1 and isinstance(element.indices[0], sp.Symbol):
            base, index = element.base, element.indices[0]
            texts = [u.text for u in self.toks]
            lagged = [base.label.name, "_", "{", index.name, "-", "1", "}"]
            if any(texts[k:k + len(lagged)] == lagged for k in range(len(texts))):
                return element - base[index - 1]
        self.i = start
        return None

    def call(self, fn: FunctionDef, t: Tok) -> sp.Expr:
        self.scope.called.add(t.text)
        self.scope.met.update(fn.met)
        args = self.arguments("(")
        if len(args) != len(fn.params):
            raise MathError(f"'{t.text}' takes {len(fn.params)} argument(s), got {len(args)}", t.start,
                            self.toks[self.i - 1].end - t.start)
        for param, arg in zip(fn.params, args):
            if is_matrix(param) and not is_matrix(arg):  # g(x^i) of a g(\\mathbf{x}): one component of it
                raise MathError(f"'{t.text}' takes a vector, and is given a number", t.start,
                                self.toks[self.i - 1].end - t.start, construct="a function of a vector at a number")
        try:
            if len(args) == 1 and is_matrix(args[0]) and not is_matrix(fn.params[0]):  # entry by entry
                return self.entrywise(lambda x: fn.body.xreplace({fn.params[0]: x}), args[0])
            return fn.body.xreplace(dict(zip(fn.params, args)))
        except (ValueError, TypeError) as exc:
            # f'(0) of an f whose definition keeps a derivative by its parameter (a Taylor series
            # written with f itself): sympy cannot take a derivative by a number
            raise MathError(f"'{t.text}' at these arguments cannot be read ({type(exc).__name__})", t.start,
                            self.toks[self.i - 1].end - t.start, construct="a function applied where it cannot be") from None

    def arguments(self, open_: str = "(", what: str = "the argument list") -> list[sp.Expr]:
        """`(a, b)` or `[a, b]`: the expressions between the brackets."""
        close = ")" if open_ == "(" else "]"
        self.expect(open_)
        args = [self.expression()]
        while self.at(","):
            self.next()
            args.append(self.expression())
        self.expect(close, f"to close {what}")
        return args

    def function_argument(self) -> sp.Expr:
        """`\\sin(x)`, or without brackets the factors written after the name up to an operator or
        another function (`\\sin 2x` is sin(2x), `\\log p^k (1-p)^{n-k}` the log of the product, as
        textbooks mean); reading only the first factor is the other reading of that habit."""
        if self.at("("):
            return self.group("(", ")")
        arg = self.power()
        if isinstance(arg, sp.Tuple) or not self._continues_argument() or self.flipped("reach"):
            return arg
        while self._continues_argument():
            t = self.peek()
            right = self.power()
            no_tuple(t, right)
            arg = arg * right
        return arg

    def _continues_argument(self) -> bool:
        t = self.peek()
        if not self.starts_atom(t) or t.kind == "word" or (t.kind == "op" and t.text == "|"):
            return False
        if t.kind == "cmd" and (t.text[1:] in KNOWN_FUNCTIONS or t.text in _ENDS_ARGUMENT):
            return False  # a function, an operator or a name that may be one ends the argument
        after = self.peek(1)  # f(x), \\sigma(z) after the argument is a call of its own
        return not (self._starts_name(t) and after.kind == "op" and after.text == "(" and after.start == t.end)

    def _starts_name(self, u: Tok) -> bool:
        return u.kind == "letter" or (u.kind == "cmd" and u.text[1:] in GREEK)

    def difference(self, t: Tok) -> sp.Expr:
        """`\\Delta x`: one name, the change of x (or, in the other reading, Δ times x); of a series written at
        t - 1 too, its first difference."""
        start = self.i
        self.next()
        lagged = self.backward_difference()
        if lagged is not None:
            return lagged
        self.i = start
        if self.flipped("words"):
            return self.named_single(t)
        self.next()
        u = self.next()
        try:
            name = self.decorated(f"{t.text} {u.text}")
        except _FamilyIndex as fam:
            return self.family_element(fam)
        return self.bound.get(name) or symbol(name)

    def decoration(self, t: Tok) -> sp.Expr:
        """\\hat{y}, \\bar{x}_i, \\hat{\\theta_m}, \\hat{\\mathbf{y}}: a symbol of its own (a vector's or a
        matrix's when it decorates one); of an expression (\\hat{x + y}), not read."""
        self.next()
        inner = self.braced("decoration") if self.at("{") else [self.next()]
        if len(inner) == 1 and inner[0].text in ("O", "o", "\\Theta", "\\Omega"):
            # \tilde{O}(n), \tilde{\Theta}(…): an order of growth up to log factors
            growth = self.order_of_growth(f"{t.text}{{{inner[0].text}}}", 0, ("(", "\\left", "\\!"))
            if growth is not None:
                return growth
        if t.text in ("\\bar", "\\overline") and self.scope.imaginary:
            # z̄ of a complex z on a card that writes complex numbers: the conjugate
            plain = self.conjugated(inner)
            if plain is not None:
                return sp.conjugate(plain)
        if len(inner) == 1 and (inner[0].kind == "letter" or inner[0].text[1:] in GREEK):
            name = f"{t.text}{{{inner[0].text}}}"
            try:
                full = self.decorated(name)
            except _FamilyIndex as fam:
                return self.family_element(fam)
            fn = self.scope.functions.get(full)
            if fn is not None and self.at("(") and full not in self.bound:  # \bar{f}(x) the card defines
                return self.call(fn, t)
            return self.apply_if_called(self.bound.get(full) or symbol(full), t, full)
        sub = type(self)(inner, self.scope, inner[-1].end if inner else t.end)
        try:
            value = sub.atom() if inner else None
        except MathError:
            value = None
        if value is None or not sub.done() or not isinstance(value, sp.Symbol):
            raise unsupported(t, t.text + " of an expression")
        if value.is_commutative is False:
            return self.matrix_named(f"{t.text}{{{value.name}}}", t)
        try:
            full = self.decorated(f"{t.text}{{{value.name}}}")
        except _FamilyIndex as fam:  # \widehat{\mathrm{MMD}}_{b} inside \sum_b: an element of a family
            return self.family_element(fam)
        return self.apply_if_called(self.bound.get(full) or symbol(full), t, full)

    def conjugated(self, inner: list) -> sp.Expr | None:
        """The complex name (z, z_1) or number (2 + 3i) under a bar, or None."""
        if not inner:
            return None
        sub = type(self)(inner, self.scope, inner[-1].end)
        sub.bound = self.bound
        try:
            value = sub.expression()
        except MathError:
            return None
        if not sub.done():
            return None
        names = COMPLEX.get()
        if any(s.name in names for s in value.free_symbols) or (value.is_number and not value.is_real):
            return value
        return None

    def word_command(self, t: Tok) -> sp.Expr:
        """\\mathrm{FLOPs}, \\operatorname{floor}(x): a name, or a function when one is called;
        `\\operatorname*{argmax}_j`, `\\operatorname{argmin}`: an operator over a set (opaque)."""
        self.next()
        star = t.text == "\\operatorname*" or self.at("*")
        if self.at("*"):
            self.next()
        open_ = self.expect("{")
        parts = []
        while not self.at("}"):
            u = self.next()
            if u.kind == "end":
                raise MathError("name is never closed", open_.start, 1)
            if u.kind not in ("letter", "num") and u.text not in ("\\_", "-", " "):
                raise MathError(f"only letters and digits may form a name, not '{u.text}'", u.start,
                                u.end - u.start, construct=t.text + " of an expression")
            parts.append("_" if u.text == "\\_" else u.text)
        self.next()
        word = "".join(parts)
        if word == "d":
            raise unsupported(t, "differential d")
        if word in ("argmax", "argmin", "arg max", "arg min") or (star and word in ("max", "min")):
            return self.set_operator(t, word.replace(" ", ""), consumed=True)
        return self.word_value(word if len(word) == 1 and word not in "ei" else f"\\mathrm{{{word}}}", t)


class _FamilyIndex(Exception):
    """A subscript holding a bound index: the name is a family, read by the caller."""

    def __init__(self, name: str, toks: list[Tok]) -> None:
        super().__init__(name)
        self.name = name
        self.toks = toks


def _tok_text(t: Tok) -> str:
    if t.kind in ("word", "unit"):
        return f"\\text{{{t.text}}}"
    return t.text


def _undecorated(name: str) -> str:
    """`\\bar{y}` → `y`: a decorated name is applied as its letter is (ȳ(s) is a function when y(s) is)."""
    for mark in DECORATIONS:
        if name.startswith(mark + "{") and name.endswith("}"):
            return name[len(mark) + 1:-1]
    return name
