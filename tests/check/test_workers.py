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


def _dies_on_seven(i: int) -> CardOutcome:
    if i == 7:
        os._exit(9)  # as a worker killed for its memory would
    return CardOutcome((), ())


def test_a_dead_worker_leaves_its_cards_to_the_caller():
    got = dict(workers.in_workers(list(range(40)), _dies_on_seven, ClaimCache(), 2))
    assert 7 not in got  # never a made-up outcome, never a hang
    assert all(outcome == CardOutcome((), ()) for outcome in got.values())
