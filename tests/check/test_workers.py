"""Cards checked in forked workers give the report a single process gives, in deck order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ankigen.check import workers
from ankigen.check.cache import CardOutcome, ClaimCache
from test_determinism import claims_report, fixture_project


def _report(project: Path, jobs: str) -> str:
    return claims_report(project, ANKIGEN_JOBS=jobs)


def test_workers_report_what_one_process_reports(tmp_path):
    fixture_project(tmp_path, cache=".cache")
    alone = _report(tmp_path, "1")
    shutil.rmtree(tmp_path / ".cache")
    forked = _report(tmp_path, "2")
    assert '"error"' in forked  # the fixtures hold failing claims: the comparison covers diagnostics
    assert forked == alone
    # what the workers decided reached the cache: the next run replays it
    assert _report(tmp_path, "2") == alone


def test_workers_are_used_only_where_they_pay(monkeypatch):
    monkeypatch.setenv("ANKIGEN_JOBS", "2")
    assert workers.usable(workers.MIN_CARDS - 1) == 0
    assert workers.usable(1000) == 2
    monkeypatch.setenv("ANKIGEN_JOBS", "1")
    assert workers.usable(1000) == 0
    assert workers.usable(1000, beside=True) == 0  # 1 means one process, a build's too


def test_a_build_leaves_the_pdf_a_core(monkeypatch):
    monkeypatch.delenv("ANKIGEN_JOBS", raising=False)
    for cores, alone, beside in ((2, 2, 1), (8, 8, 7), (1, 0, 0)):
        monkeypatch.setattr(workers, "cores", lambda cores=cores: cores)
        assert (workers.usable(1000), workers.usable(1000, beside=True)) == (alone, beside)


def _dies_on_seven(i: int) -> CardOutcome:
    if i == 7:
        os._exit(9)  # as a worker killed for its memory would
    return CardOutcome((), ())


def test_a_dead_worker_leaves_its_cards_to_the_caller():
    got = dict(workers.in_workers(list(range(40)), _dies_on_seven, ClaimCache(), 2))
    assert 7 not in got  # never a made-up outcome, never a hang
    assert all(outcome == CardOutcome((), ()) for outcome in got.values())


def _deck(folder: Path) -> None:
    (folder / "cards_src").mkdir(parents=True)
    (folder / "pyproject.toml").write_text('[tool.ankigen]\nroot_deck = "Forked"\ncache = ""\n', encoding="utf-8")
    cards = "".join(f"## 第 {i} 题：{i} 的平方？ {{#sq-{i}}}\n\n$$s_{{{i}}} = {i}^2 = {i * i}$$\n\n"
                    f"$$t_{{{i}}} = (a + {i})^2 = a^2 + {2 * i}a + {i * i + (i == 7)}$$\n\n" for i in range(40))
    (folder / "cards_src/squares.md").write_text(cards, encoding="utf-8")


def test_a_build_checks_in_forked_workers_and_writes_what_one_process_writes(tmp_path, monkeypatch):
    """The workers are forked before the PDF's thread starts; the outputs and the report are the
    sequential build's, byte for byte (the .apkg) and word for word (the PDF's text)."""
    from pypdf import PdfReader

    from conftest import run

    calls = []
    real = workers.in_workers
    monkeypatch.setattr(workers, "in_workers", lambda *a, **k: calls.append(a[3]) or real(*a, **k))
    import ankigen.check.stage as stage
    monkeypatch.setattr(stage, "in_workers", workers.in_workers)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    seen = {}
    for jobs in ("1", "2"):
        _deck(tmp_path / jobs)
        monkeypatch.chdir(tmp_path / jobs)
        monkeypatch.setenv("ANKIGEN_JOBS", jobs)
        result = run("build")
        pdf = PdfReader(tmp_path / jobs / "dist/Forked.pdf")
        seen[jobs] = (result.exit_code, result.output, (tmp_path / jobs / "dist/Forked.apkg").read_bytes(),
                      "".join(page.extract_text() for page in pdf.pages))
    assert calls == [2]  # one build forked two workers; the other checked here
    assert "squares.md:47:21: error[C001]" in seen["1"][1]  # the planted wrong claim, reported by both
    assert seen["2"] == seen["1"]


def _where(i: int) -> CardOutcome:
    return CardOutcome((), ((None, str(os.getpid()), None),))


def test_a_spare_core_checks_cards_here_each_once():
    # Once the PDF beside the check is done, this process takes the chunks no worker has begun.
    got = list(workers.in_workers(list(range(400)), _where, ClaimCache(), 1, started=lambda: lambda: True))
    assert sorted(i for i, _ in got) == list(range(400))  # every card once, none twice
    here = [i for i, outcome in got if outcome.results[0][1] == str(os.getpid())]
    assert here and len(here) < 400  # both this process and the worker checked cards
    assert max(here) == 399 and min(here) > 0  # taken from the end, the worker's from the start


def test_no_spare_core_leaves_every_card_to_the_workers():
    got = list(workers.in_workers(list(range(100)), _where, ClaimCache(), 1, started=lambda: lambda: False))
    assert sorted(i for i, _ in got) == list(range(100))
    assert all(outcome.results[0][1] != str(os.getpid()) for _, outcome in got)
