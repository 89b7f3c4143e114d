"""Checker tests driven by annotated sources in fixtures/check.

A line carrying `expect: CODE` (in a TeX `%` comment, or `<!-- expect-above: CODE -->` for the
line above) must produce exactly that diagnostic; every other line must produce none. A line
carrying `verdict: WHAT` says what became of the formula or claims on it: `holds`, `fails`,
`ambiguous`, `undecided`, or the status of a display formula none of whose relations is claimed:
`statement` (an equation, a condition, an example: decided by its form), `definition`, `unreadable`,
`nocheck`, `off`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ankigen.build import check
from ankigen.config import Config

HERE = Path(__file__).parent.parent / "fixtures" / "check"
CASES = sorted(HERE.glob("*.md"))
_EXPECT = re.compile(r"expect(-above)?:\s*([A-Z]\d{3}(?:\s*,\s*[A-Z]\d{3})*)")
_VERDICT = re.compile(r"verdict:\s*(holds|fails|ambiguous|undecided|statement|definition|unreadable|nocheck|off)")
_CLAIM_STATUS = {"holds": "holds", "fails": "FAILS", "ambiguous": "ambiguous", "undecided": "undecided"}


def expected(path: Path) -> set[tuple[int, str]]:
    found = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        for m in _EXPECT.finditer(line):
            for code in re.split(r"\s*,\s*", m.group(2)):
                found.add((n - 1 if m.group(1) else n, code))
    return found


def verdicts(path: Path) -> dict[int, str]:
    found = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        m = _VERDICT.search(line)
        if m:
            found[n] = m.group(1)
    return found


def _status(verdict) -> str:
    if verdict.method == "ambiguous":
        return "ambiguous"
    return {True: "holds", False: "FAILS", None: "undecided"}[verdict.holds]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_annotated_fixture(case: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(case, src / case.name)
    report = check(src, Config(root_deck="Fixtures", cache="", project_dir=tmp_path, check_timeout=600))
    got = {(d.span.line, d.code) for d in report.diagnostics}
    assert got == expected(case), "\n".join(f"{d.span.line}: {d.code} {d.message}" for d in report.diagnostics)
    claims: dict[int, set[str]] = {}
    for span, _, verdict in report.claims:
        claims.setdefault(span.line, set()).add(_status(verdict))
    formulas = {f.span.line: f.status for f in report.formulas}
    for line, want in verdicts(case).items():
        if want in _CLAIM_STATUS:
            assert claims.get(line) == {_CLAIM_STATUS[want]}, f"line {line}: {claims.get(line)}, not {want}"
        else:
            assert line not in claims and formulas.get(line) == want, \
                f"line {line}: claims {claims.get(line)}, formula {formulas.get(line)}, not {want}"


def test_hostile_claims_run_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(HERE / "hostile.md", src / "hostile.md")
    report = check(src, Config(root_deck="Fixtures", cache="", project_dir=tmp_path))
    assert report.summary.errors >= 9
    assert not (tmp_path / "ankigen-pwned").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_planted_mistakes_each_reported_on_its_own_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(HERE / "planted.md", src / "planted.md")
    report = check(src, Config(root_deck="Fixtures", cache="", project_dir=tmp_path))
    lines = [d.span.line for d in report.diagnostics]
    assert len(lines) == len(set(lines)) >= 12
    assert report.summary.failed >= 10


def test_true_claims_are_all_decided(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(HERE / "true_claims.md", src / "true_claims.md")
    report = check(src, Config(root_deck="Fixtures", cache="", project_dir=tmp_path))
    assert report.summary.failed == 0 and report.summary.errors == 0
    assert report.summary.claims >= 50
    assert report.summary.extra["proven"] >= 5 and report.summary.extra["sampled"] >= 3


def test_a_fault_inside_the_checker_costs_its_card_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The barrier for bugs of our own: a card whose check raises is a located M003 warning, and
    the next card is still checked. The fault is injected, since no known card provokes one."""
    from ankigen.check import stage

    real = stage._check_card

    def faulty(order, cards, *rest):
        if "broken" in cards[order[0]].question:
            raise KeyError("planted")
        return real(order, cards, *rest)

    monkeypatch.setattr(stage, "_check_card", faulty)
    src = tmp_path / "src"
    src.mkdir()
    (src / "two.md").write_text("## A broken card?\n\n$$1 + 1 = 3$$\n\n## A sound card?\n\n$$2 + 2 = 5$$\n",
                                encoding="utf-8")
    report = check(src, Config(root_deck="Fixtures", cache="", project_dir=tmp_path))
    got = sorted((d.span.line, d.code) for d in report.diagnostics if d.code[0] in "CM")
    assert got == [(1, "M003"), (7, "C001")], got
    assert "KeyError" in next(d.message for d in report.diagnostics if d.code == "M003")


@pytest.mark.parametrize("damage", ["not json {", '{"version": -1, "claims": {}}', "CARDS"])
def test_a_damaged_verdict_cache_is_only_a_slower_check(tmp_path: Path, damage: str) -> None:
    """A cache left by a crash, an older ankigen or a hand edit gives the same diagnostics as none."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(HERE / "planted.md", src / "planted.md")
    config = Config(root_deck="Fixtures", cache="cache", project_dir=tmp_path)
    first = check(src, config)
    stored = tmp_path / "cache" / "claims.json"
    if damage == "CARDS":  # every card outcome replaced by a row of the wrong form
        import json

        data = json.loads(stored.read_text(encoding="utf-8"))
        data["cards"] = {key: ["?"] for key in data["cards"]}
        damage = json.dumps(data)
    stored.write_text(damage, encoding="utf-8")
    again = check(src, config)
    assert [(d.span.line, d.code) for d in again.diagnostics] == [(d.span.line, d.code) for d in first.diagnostics]
    assert again.summary.failed == first.summary.failed >= 10


def test_a_cache_that_cannot_be_written_does_not_fail_the_check(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(HERE / "planted.md", src / "planted.md")
    (tmp_path / "blocked").write_text("a file where the cache folder would be", encoding="utf-8")
    report = check(src, Config(root_deck="Fixtures", cache="blocked/cache", project_dir=tmp_path))
    assert report.summary.failed >= 10


def checked_cards(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions of the cards the checker reads from now on (those its cache does not know)."""
    from ankigen.check import stage

    checked: list[str] = []
    real = stage._check_card

    def counting(order, cards, *rest):
        checked.append(cards[order[0]].question)
        return real(order, cards, *rest)

    monkeypatch.setattr(stage, "_check_card", counting)
    return checked


def test_rewording_prose_rechecks_nothing_but_changing_what_it_says_does(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The card cache is keyed on what the checker reads in prose, not on its words: an author
    polishing an explanation pays no check, while a sentence that now states a condition is heard."""
    checked = checked_cards(monkeypatch)
    src = tmp_path / "src"
    src.mkdir()
    card = src / "series.md"
    text = ("## A geometric series?\n\nThe return of a constant reward, as the notes {words}:\n\n"
            "$$\\sum_{{k=0}}^{{\\infty}} \\gamma^k = \\frac{{1}}{{1 - \\gamma}}$$\n")
    config = Config(root_deck="Fixtures", cache="cache", project_dir=tmp_path)
    card.write_text(text.format(words="say"), encoding="utf-8")
    first = check(src, config)
    assert [d.code for d in first.diagnostics if d.code.startswith("C")] == ["C002"]  # its condition is unstated
    card.write_text(text.format(words="put it"), encoding="utf-8")
    again = check(src, config)
    assert len(checked) == 1 and [d.code for d in again.diagnostics] == [d.code for d in first.diagnostics]
    card.write_text(text.format(words="put it, where $0 < \\gamma < 1$"), encoding="utf-8")
    stated = check(src, config)
    assert len(checked) == 2 and not [d for d in stated.diagnostics if d.code.startswith("C")]


def test_a_new_process_reads_the_prose_of_changed_cards_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the prose for a key is most of a key's cost (seconds at 10,000 cards): a one-shot
    build after an edit reads it for the edited card alone, and the cache keeps no card that left."""
    import json

    from ankigen.check import stage

    src = tmp_path / "src"
    src.mkdir()
    card = "## Card {n}?\n\nThe sum, as the notes {words}:\n\n$$1 + {n} = {m}$$\n\n"
    (src / "a.md").write_text("".join(card.format(n=n, m=n + 1, words="say") for n in range(3)), encoding="utf-8")
    config = Config(root_deck="Fixtures", cache="cache", project_dir=tmp_path)
    first = check(src, config)
    read: list[str] = []
    real = stage.context
    monkeypatch.setattr(stage, "context", lambda f: read.append(f.latex) or real(f))
    stage._keys.clear()  # as in a new process
    again = check(src, config)
    assert read == [] and again.claims == first.claims
    stage._keys.clear()
    (src / "a.md").write_text("".join(card.format(n=n, m=n + 1, words="put it" if n == 1 else "say")
                                      for n in range(2)), encoding="utf-8")
    edited = check(src, config)
    assert read == ["1 + 1 = 2"] and len(edited.claims) == 2
    parts = json.loads((tmp_path / "cache" / "claims.json").read_text(encoding="utf-8"))["parts"]
    assert len(parts) == 2  # the card that left is forgotten


def test_the_checker_reads_prose_only_through_what_the_cache_key_holds() -> None:
    """A card's cache key holds prose.context of each formula. Were the checker to read a formula's
    sentences some other way, an edit that changes that reading would replay a stale verdict."""
    import inspect
    import re

    from ankigen.check import prose

    read = inspect.getsource(prose.context)
    for path in sorted((Path(prose.__file__).parent).glob("*.py")):
        if path.name == "prose.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.(?:lead|tail|heading)\b", text), f"{path.name} reads a formula's prose itself"
        for name in set(re.findall(r"\bprose\.(\w+)", text)) - {"context"}:
            assert f"{name}(formula)" in read, f"{path.name} reads prose.{name}, which the cache key does not hold"


GIVEN = "Given $w_1 = 2$ and $i_1 = 3$, as the notes say."


@pytest.mark.parametrize("before, after, rechecked", [
    # rewording the sentence inline formulas stand in, or the one before the claim: nothing the
    # checker reads changes
    ((GIVEN, "The input is:"), (GIVEN.replace("say", "put it"), "The input reads:"), False),
    # now a sentence speaks of convolution: `*` may be one, and the claim is no longer read as a product
    ((GIVEN, "The input is:"), (GIVEN, "The convolution is:"), True),
    ((GIVEN, "The input is:"), (GIVEN.replace("notes", "convolution notes"), "The input is:"), True),
])
def test_an_edit_rechecks_a_card_only_when_what_the_checker_reads_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: tuple, after: tuple, rechecked: bool) -> None:
    checked = checked_cards(monkeypatch)
    src = tmp_path / "src"
    src.mkdir()
    card = src / "net.md"
    text = "## A neuron's input?\n\n{}\n\n{}\n\n$$w_1 * i_1 = 6$$\n"
    config = Config(root_deck="Fixtures", cache="cache", project_dir=tmp_path)
    card.write_text(text.format(*before), encoding="utf-8")
    first = check(src, config)
    card.write_text(text.format(*after), encoding="utf-8")
    again = check(src, config)
    assert len(checked) == 1 + rechecked
    if rechecked:  # and what it now reads is what a fresh check reads
        assert first.claims and again.claims != first.claims
        fresh = check(src, Config(root_deck="Fixtures", cache="", project_dir=tmp_path))
        assert [(s, t, v.holds, v.method) for s, t, v in again.claims] == \
               [(s, t, v.holds, v.method) for s, t, v in fresh.claims]
