"""What the checker reads in the prose around a formula: whether it is introduced as a definition,
whether values are said to be substituted, whether symmetric matrices or unit vectors are spoken of, and which
symbols are called probabilities. Kept free of sympy so that the cache key of a card can be built
from these facts alone: an edit to a sentence that changes none of them re-checks nothing."""

from __future__ import annotations

import functools
import re

from ankigen.model import Formula

INTRODUCED = re.compile(r"(defined?|denoted?|\blet\b|定义|记为|记作|令)[^.。;；]{0,20}[:：,，]?\s*$", re.I)
# \mathbb{S}^n, \mathbb{S}_{+}^n, \mathbb{S}_{++}^{n}: the symmetric (semidefinite, definite) matrices, also
# where the sentence kept before a formula starts inside the command; positive definite matrices are
# symmetric ones in the notes' own definitions.
SYMMETRIC = re.compile(r"对称|正定|symmetric|positive\s+(?:semi-?)?definite|"
                       r"(?:\\mathbb|bb)\s*\{?S\}?\s*(?:_\s*\{?\s*\+*\s*\}?\s*)?\^", re.I)
# Vectors of length one: an orthonormal basis, unit or normalised vectors (bᵀb = 1, ‖b‖ = 1).
UNIT = re.compile(r"标准正交|规范正交|正交归一|单位向量|单位长度|归一化|orthonormal|unit\s+(?:length\s+)?vectors?|"
                  r"unit[- ]length|normali[sz]ed\s+vectors?|\bunit\s+norm", re.I)
CONTRAST = re.compile(r"only|unless|\bnot\b|仅|只有|除非|不是|否则", re.I)
SUBSTITUTED = re.compile(r"代入|带入|substitut|plug(?:ging)? in|put(?:ting)? in the values", re.I)
PROBABILITY = re.compile(r"(?:probability|概率)\s*(?:of\s+(?:success|failure|heads|tails|[a-z]+)\s*)?"
                         r"(?:is|为|是|=)?\s*\$([^$]{1,20})\$", re.I)


# The words right before a formula that make it a condition: "if $\alpha = 1$", "当 $x = 0$ 时".
# … or an equation the sentence sets out to solve: "to find the eigenvectors we need to solve", "求解"
CONDITION = re.compile(r"(?:\b(?:if|when|whenever|unless|suppose|assume|assuming|provided(?:\s+that)?|iff|solve|solving)"
                       r"|若|如果|假如|假设|当|求解|解方程"
                       r"|\bH_?\{?[0-9aA]\}?\$?\s*[:：])\s*[:：,，]?\s*$", re.I)  # … or a hypothesis named just before: "$H_1$："; "如果：" too


# A scale written after the formula, outside it: "$25{,}088 \times 1{,}024 \approx 25.7$ million"; a
# percent sign, or an ordinal's ending ("the $9/9 = 100$th percentile": 100 of a hundred, a rank).
SCALED = re.compile(r"^\s*(?:(?:million|billion|thousand|trillion|hundred)s?\b|[KMGBT]\b|m\b|mn\b|bn\b|[kKMGT]i?B\b|"
                    r"[kKMGT]?FLOPs?\b|(?:[Kk]ilo|[Mm]ega|[Gg]iga|[Tt]era|[Pp]eta)(?:bytes?|bits?|flops?|hertz)\b|万|亿|千|百万|千万|%|percent\b|"
                    r"(?:th|st|nd|rd)\b)")


def scaled(formula: Formula) -> bool:
    return bool(SCALED.match(formula.tail))


# Said right after to be false on purpose: the last line of a proof by contradiction.
_ABSURD = re.compile(r"^[\s,.:;!，。：；！)）-]*(?:(?:(?:which|this|that|it)\s+)?is\s+(?:a\s+|an\s+|clearly\s+|obviously\s+)?"
                     r"(?:false|wrong|impossible|absurd|a\s+contradiction|contradiction)|contradict\w*|impossible|absurd|"
                     r"矛盾|不可能|这不可能|产生矛盾|与.{0,12}矛盾|不成立)", re.I)
# The sentence before is only an option's label in a multiple-choice question ("A.", "(c)", "B、"):
# options are candidates, some of them false by design.
_OPTION = re.compile(r"^\s*(?:\(?[A-F]\)|[A-F][.、:：])\s*$")


# `$15$%$7=1$`: an operator typed between two pieces of math, so the formula after it is the rest of
# an expression begun before (15 % 7 = 1), not a formula of its own
_OPERAND = re.compile(r"\$\s*(?:%|mod)\s*$")


def not_claimed(formula: Formula) -> bool:
    """Said to be false on purpose (a proof's contradiction), offered as one option of several, or
    the right operand of an operator typed outside the math."""
    return bool(_ABSURD.search(formula.tail)) or bool(_OPTION.match(formula.lead)) or bool(_OPERAND.search(formula.lead))


def condition(formula: Formula) -> bool:
    return bool(CONDITION.search(formula.lead))


def introduced(formula: Formula) -> bool:
    """Said to define what follows ("is defined by", "记为"), or named by a label of its own: the
    item "Sigmoid" of a list of activations, each giving h anew."""
    return bool(INTRODUCED.search(formula.lead)) or labelled(formula)


# A label: a short name alone before the formula, every word of it capitalised ("Sigmoid", "Leaky ReLU:",
# "(b) Softplus", "Rectifier Linear Unit: ReLU"), not a sentence ("For the larger variant:") nor a word
# that leads on from the last formula ("Therefore", "Equivalently", "即").
_LABEL = re.compile(r"^\s*(?:\(?[a-z0-9]{1,2}[.)]\s*)?[A-Z\u4e00-\u9fff][\w\u4e00-\u9fff\-:： ]{0,28}$")
_LEADS_ON = re.compile(r"\b(so|then|thus|hence|therefore|equivalently|similarly|finally|also|and|or|where|"
                       r"gives?|yields?|becomes?|is|are|we|get|have|that|which|i\.e|e\.g|"
                       r"calculat\w*|comput\w*|solv\w*|solution|answer|proof|result|step\w*|check|verif\w*|"
                       r"simplif\w*|plug\w*|substitut\w*|expand\w*|rearrang\w*)\b|"
                       r"即|所以|因此|于是|则|得|有|故|计算|解|证明|答|化简|代入|展开",
                       re.I)


def labelled(formula: Formula) -> bool:
    lead = formula.lead.strip()
    words = re.sub(r"^\(?[a-z0-9]{1,2}[.)]\s*", "", lead).split()
    return (bool(_LABEL.match(lead)) and not _LEADS_ON.search(lead) and len(words) <= 5
            and all(not w[0].isascii() or w[0].isupper() or not w[0].isalpha() for w in words)) or _titled(lead)


def _titled(lead: str) -> bool:
    """`**In-place $n$-bit addition ($n = 2^k$):**`: a short title ending in a colon, naming what the
    formula after it is about (one of several variants), in any case and with math in it."""
    if not lead.endswith((":", "：")):
        return False
    plain = re.sub(r"\([^()]*\)|（[^（）]*）", "", re.sub(r"\$[^$]*\$", "x", lead)).rstrip(":： ")
    words = plain.split()
    return 1 <= len(words) <= 5 and (plain[:1].isupper() or "\u4e00" <= plain[:1] <= "\u9fff") \
        and not _LEADS_ON.search(plain) and not _SENTENCE.search(plain)


# "The input reads:", "This simplifies to:": a sentence that runs into its formula, not a title
_SENTENCE = re.compile(r"^(?:the|this|these|that|those|it|its|we|our|here|now|next|thus)\b|"
                       r"\b(?:reads?|writes?|looks?|holds?|equals?|takes?|turns?|goes|went|can|may|must|will)\b", re.I)


# The sentence before a formula ends on words that announce a result: "we get", "so", "which gives", "得".
_RESULT = re.compile(r"(?:\b(?:so|thus|hence|therefore|gives?|get|gets|got|yields?|obtain|results?\s+in|equals?|"
                     r"comes\s+to|is\s+then)|所以|因此|于是|得到?|可得|结果为|等于)[^.。;；$]{0,12}[:：,，]?\s*$", re.I)


def result(formula: Formula) -> bool:
    """The words just before the formula announce its value as the result of what came before."""
    return bool(_RESULT.search(formula.lead))


# The sentence before a formula opens another case: a sub-question's label ("(b)", "c)"), another
# example, layer or setting ("for the second layer", "instead", "另一种", "第二层").
# A second *step* is the same case: only an ordinal before a word for a case counts.
_ANEW = re.compile(r"^\s*(?:\(?[b-hB-H]\)|[b-hB-H]\.\s)|\b(?:instead|alternatively|another|for\s+the\s+other|new|"
                   r"(?:second|third|fourth|next)\s+(?:example|case|layer|model|network|circuit|setting|question|part|"
                   r"problem|sample|data\s*set|scenario|variant|design|try|attempt)s?|case\s+\d+|example\s+\d+|"
                   # "The right choice is", "a better value": values tried again after one that failed
                   r"(?:right|correct|better|proper|working)\s+(?:choice|values?|weights?|setting|one)s?)\b|"
                   # "For a multiplicative model:", "for the Poisson case": a kind named by its adjective
                   r"\b(?:for|in)\s+(?:a|an|the)\s+(?!same\b)[\w-]+\s+(?:model|case|version|variant|form|"
                   r"setting|distribution|kernel|loss|network|layer)s?\s*[:：,]?\s*$|"
                   # "the multiplicative model is written as:": a model named by its adjective, introduced
                   r"\b(?:the|an?)\s+(?!same\b)[\w-]+\s+(?:model|variant|version)\s+(?:is|can\s+be|may\s+be)\s+"
                   r"(?:written|defined|given|expressed|modell?ed)\b|"
                   r"另一|另外|换成|改为|改成|第[二三四五六七八九十](?:个|种|层|问|题|例|组|类|部分|小题|种情况)|"
                   r"情况\s*[二三四五2-9]|例\s*[2-9]", re.I)


# "When the two labels agree:", "当 y1 = y2 时：", "如果是右图中的情况，我们有：": the sentence before
# is only the condition of a case.
_CASE = re.compile(r"^\s*(?:when(?:ever)?|in\s+case)\b[^.。;；]{0,80}[:：]\s*$|"
                   r"^\s*当[^。；;]{0,40}时\s*[:：，,]?\s*$|"
                   r"^\s*(?:如果|若|假如)[^。；;]{0,30}(?:情况|情形)[^。；;]{0,12}[:：]\s*$", re.I)


def anew(formula: Formula) -> bool:
    """The sentence before the formula opens another case, in which a name may mean something else:
    it says so, or it is nothing but the condition of a case (unless it announces a result)."""
    return bool(_ANEW.search(formula.lead)) or (bool(_CASE.search(formula.lead)) and not result(formula))


def substituted(formula: Formula) -> bool:
    return bool(SUBSTITUTED.search(formula.lead))


def symmetric(formula: Formula) -> bool:
    """The heading or the sentence before speaks of symmetric matrices, or the one after does
    without a contrast ("… because A is symmetric", not "only when A is symmetric"), or a formula
    in the paragraphs around gives a domain of symmetric matrices (`f : \\mathbb{S}_{++}^n \\to \\mathbb{R}`)."""
    return bool(SYMMETRIC.search(formula.heading + " " + formula.lead)) or bool(
        SYMMETRIC.search(formula.tail) and not CONTRAST.search(formula.tail)) or any(
        "mathbb" in near and SYMMETRIC.search(near) for near in formula.near)


def called_symmetric(formula: Formula) -> bool:
    """The words right after an inline formula, to the end of their clause, call it symmetric
    (`$\\boldsymbol{\\Sigma}$ 为对称正定矩阵`, "$S$ is symmetric"), without a "not" or "only"."""
    clause = re.split(r"[，。,;；.:：]", formula.tail.lstrip(" ,，:："), maxsplit=1)[0]
    return bool(SYMMETRIC.search(clause)) and not CONTRAST.search(clause)


def unit(formula: Formula) -> bool:
    r"""The heading, the sentence before or the one after (without a contrast) speaks of unit vectors,
    or a sentence around states columns orthonormal (`使得 $\Phi^\top \Phi = I$`)."""
    return bool(UNIT.search(formula.heading + " " + formula.lead)) or bool(
        UNIT.search(formula.tail) and not CONTRAST.search(formula.tail)) or any(
        ORTHONORMAL.fullmatch(near.strip()) for near in formula.near)


INDEPENDENT = re.compile(r"independen|\bi\.\s?i\.\s?d\b|\biid\b|uncorrelated|独立|不相关", re.I)
DEPENDENT = re.compile(r"\bnot\s+(?:necessarily\s+)?(?:independent|uncorrelated)|\bdependent\b|不独立|不一定独立|非独立", re.I)


def independent(formula: Formula) -> bool:
    """The heading, the sentence before or the one after calls the random variables independent or
    uncorrelated (i.i.d., 相互独立), and does not say they are not."""
    said = formula.heading + " " + formula.lead + " " + formula.tail
    return bool(INDEPENDENT.search(said)) and not DEPENDENT.search(said)


# `\Phi^\top \Phi = I`, `Q^T Q = \mathbf{I}`: a matrix whose columns are orthonormal
ORTHONORMAL = re.compile(r"(\\?[A-Za-z]+|\\mathbf\{\w\})\s*\^\s*\{?\s*(?:\\top|T|\\intercal|\\mathsf\{T\})\s*\}?"
                         r"\s*\1\s*=\s*(?:I|\\mathbf\{I\}|\\boldsymbol\{I\}|\\mathbb\{I\})(?:_\{?\w+\}?)?")


def probabilities(formula: Formula) -> tuple[str, ...]:
    """The inline formulas the sentence before calls a probability ("with probability $p$")."""
    return tuple(m.group(1) for m in PROBABILITY.finditer(formula.lead))


# A display that explains the one before: "where", "here", "式中", "其中", "这里"
_WHERE = re.compile(r"(?:\bwhere|\bhere|式中|其中|这里)\s*[:：,，]?\s*$", re.I)


def where_clause(formula: Formula) -> bool:
    return bool(_WHERE.search(formula.lead))


# "for positive integers $m$ and $n$", "$k$ is a whole number", "其中 $n$ 为正整数": letters that count
_LETTERS = r"(\$[A-Za-z]\$(?:\s*(?:,|and|or|和|与|、)\s*\$[A-Za-z]\$)*)"
_COUNTING = (re.compile(r"(positive\s+|non-?negative\s+)?(?:integers?|whole\s+numbers?|natural\s+numbers?)\s+" + _LETTERS, re.I),
             re.compile(_LETTERS + r"\s*(?:(?:are|is|be)\s+(positive\s+|non-?negative\s+)?(?:integers?|whole\s+numbers?|"
                        r"natural\s+numbers?)|(?:为|是)(正)?(?:整数|自然数))", re.I))


def counted(formula: Formula) -> tuple[tuple[str, bool], ...]:
    """The letters the sentence before says are whole numbers, each with whether it is positive."""
    found = []
    for k, pattern in enumerate(_COUNTING):
        for m in pattern.finditer(formula.lead):
            letters = re.findall(r"\$([A-Za-z])\$", m.group(2 if k == 0 else 1))
            positive = bool(m.group(1) if k == 0 else (m.group(2) or m.group(3)))
            found += [(letter, positive and "non" not in (m.group(1 if k == 0 else 2) or "").lower())
                      for letter in letters]
    return tuple(found)


# "with $k$ even", "for odd $n$", "$k$ is even", "$n$ 为奇数": a letter of that parity
_PARITY = (re.compile(r"\$([A-Za-z])\$\s*(?:is\s+|be\s+|being\s+)?(even|odd)\b", re.I),
           re.compile(r"\b(even|odd)\s+\$([A-Za-z])\$", re.I),
           re.compile(r"\$([A-Za-z])\$\s*(?:为|是)?(偶数|奇数)"),
           re.compile(r"(偶数|奇数)\s*\$([A-Za-z])\$"))
_PARITY_WORD = {"even": "even", "odd": "odd", "偶数": "even", "奇数": "odd"}


def parity(formula: Formula) -> tuple[tuple[str, str], ...]:
    """The letters the heading or the sentences around the formula say are even or odd."""
    said = formula.heading + " " + formula.lead + " " + formula.tail
    found = []
    for k, pattern in enumerate(_PARITY):
        for m in pattern.finditer(said):
            letter, word = (m.group(1), m.group(2)) if k % 2 == 0 else (m.group(2), m.group(1))
            found.append((letter, _PARITY_WORD[word.lower()]))
    return tuple(found)


_SPOKEN_SIGMOID = re.compile(r"sigmoid|logistic|逻辑斯[谛蒂]|S\s?[型形]", re.I)
_CONVOLUTION = re.compile(r"convol|卷积|互相关|correlat|\\circledast|\\star\b|signal|信号|filter|滤波|kernel|核", re.I)
_SATISFIES = re.compile(r"(?:满足|使得|satisf(?:y|ies)|such\s+that)\s*[:：,，]?\s*$", re.I)
_LEAD_MATH = re.compile(r"\$([^$]+)\$")
_CLAUSE_END = re.compile(r"[.;。；!?！？]\s|[.;。；]$")


# The sentence before announces an approximation: "Use this approximation to write $p_0$ as", "近似为"
_APPROXIMATION = re.compile(r"\b(?:us(?:e|ing)|with|by|apply(?:ing)?|under)\s+(?:this|the|that|these|such\s+an?|an?)\s+"
                            r"(?:\w+\s+)?approximations?\b|\bwe\s+(?:can\s+|may\s+)?approximate\b|\bapproximately\b|"
                            r"近似(?:为|地|有|得|计算)|用.{0,10}近似", re.I)
_NEGATED = re.compile(r"\b(?:not|never|no|without)\b|不是|没有|并非", re.I)


def approximated(formula: Formula) -> bool:
    """The sentence before the formula says it approximates ("Use this approximation to write $p_0$ as"):
    its `=` steps may be `\\approx` in fact."""
    sentences = [part for part in re.split(r"(?<=[.!?。！？])\s*", formula.lead.strip()) if part.strip()]
    last = sentences[-1] if sentences else ""
    return bool(_APPROXIMATION.search(last)) and not _NEGATED.search(last)


def unled(formula: Formula) -> bool:
    """No words before the formula: it follows the last one directly."""
    return not formula.lead.strip()


def _around(formula: Formula) -> str:
    return " ".join((formula.heading, formula.lead, formula.tail, formula.latex))


_SPOKEN_NORMAL = re.compile(r"\bnormal\b|gaussian|z[- ]?scores?\b|z[- ]?table|正态|高斯|标准化|\\mathcal\s*\{?\s*N\s*\}?\s*\(|"
                            r"\bN\s*\(\s*0\s*,\s*1\s*\)", re.I)


def normal(formula: Formula) -> bool:
    """The heading, the sentences around or the formula itself speak of the normal distribution."""
    return bool(_SPOKEN_NORMAL.search(_around(formula)))


def sigmoid(formula: Formula) -> bool:
    """The heading, the sentences around or the formula itself speak of the sigmoid."""
    return bool(_SPOKEN_SIGMOID.search(_around(formula)))


def convolution(formula: Formula) -> bool:
    """… of convolution, or of signals, filters or kernels: `*` may be a convolution there."""
    return bool(_CONVOLUTION.search(_around(formula)))


def satisfied_by(formula: Formula) -> tuple[str, ...] | None:
    """The inline formulas of a sentence that ends "… satisfies:" before the formula, else None."""
    if not _SATISFIES.search(formula.lead):
        return None
    return tuple(re.findall(r"\$([^$]{1,40})\$", formula.lead))


def lead_conditions(formula: Formula) -> tuple[str, ...]:
    """The inequalities a sentence states just before an inline formula, in its own clause: "if $h < 0$,
    then", "$h < 0$이면", "当 $h < 0$ 时" — back to the last formula with an equals sign or the end of
    the last sentence, since "$h > 0$ gives $|h|/h = 1$" before them is another case."""
    lead = formula.lead
    found = []
    if lead.count("$") % 2:  # the lead is the sentence's last words: it may start inside a formula
        lead = lead[lead.index("$") + 1:]
    end = len(lead)
    for m in reversed(list(_LEAD_MATH.finditer(lead))):
        if _CLAUSE_END.search(lead[m.end():end]) or "=" in m.group(1):
            break
        found.append(m.group(1))
        end = m.start()
    return tuple(found)


# "the difference for sample i is called $e^i$", "记为 $e_i$": the card names a quantity e (or i)
_NAMED = re.compile(r"(?:叫做|叫作|称为|称作|记为|记作|called|denoted(?:\s+(?:by|as))?|named)\s*\$\s*([ei])\s*[\^_$]", re.I)


def named(formula: Formula) -> frozenset[str]:
    """e or i that the sentences around the formula name as a quantity: a variable on the card, not
    Euler's number or the imaginary unit (`\\sum_{i=1}^{10} e^i = 35.0`, the errors of ten samples)."""
    return frozenset(m.group(1) for m in _NAMED.finditer(f"{formula.lead} {formula.tail}"))


@functools.lru_cache(maxsize=1 << 16)
def context(formula: Formula) -> tuple:
    """Everything the checker takes from the prose around a formula: the checker reads a formula's
    lead, tail and heading only through the functions called here (a test in
    tests/check/test_check_fixtures.py holds that), so a card whose formulas give the same contexts is checked the same. Every build computes
    it for every formula (it is part of each card's cache key), so a process that builds again keeps it."""
    return (introduced(formula), substituted(formula), symmetric(formula), unit(formula), independent(formula),
            probabilities(formula),
            formula.near, condition(formula), scaled(formula), unled(formula), anew(formula),
            not_claimed(formula), result(formula), satisfied_by(formula), sigmoid(formula), convolution(formula),
            lead_conditions(formula), named(formula), approximated(formula), counted(formula),
            where_clause(formula), parity(formula), normal(formula), called_symmetric(formula))
