"""Faults of the environment, injected into the real CLI in a fresh process: a build interrupted or
killed at a chosen step (ANKIGEN_PAUSE_AT holds it there), and a disk that refuses a write. Each
leaves exactly the old set of outputs or exactly the new one, a located message and no traceback,
and no temporary file behind."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import interruptible, write

OLD = "## 步幅是什么？ {#stride}\n\n窗口每次移动的距离。\n\n## 填充呢？ {#padding}\n\n在边缘补零。\n"
NEW = OLD.replace("补零", "补上一圈零")


def _cli(project: Path, *args: str, pause: str = "", seconds: int = 60, limit_bytes: int = 0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ANKIGEN_PAUSE_AT": pause, "ANKIGEN_PAUSE_SECONDS": str(seconds)}
    if limit_bytes:  # coverage's own data file would meet the full disk too, and say so at exit
        env = {k: v for k, v in env.items() if "COV" not in k.upper()}

    def before() -> None:
        interruptible()
        if limit_bytes:  # a disk that is full past this size: writes fail with EFBIG, not a kill
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.Popen([sys.executable, "-m", "ankigen", *args], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=before)


def _paused(proc: subprocess.Popen, point: str) -> None:
    line = proc.stderr.readline()
    while line and f"paused at {point}" not in line:
        line = proc.stderr.readline()
    assert line, "the build ended before it reached " + point


def _outputs(project: Path) -> dict[str, str]:
    """What a reader of each output sees: the answer about padding in the PDF, the lock's text."""
    pdf = "".join(p.extract_text() for p in PdfReader(project / "dist/Test deck.pdf").pages)
    return {"pdf": "补上一圈零" if "补上一圈零" in pdf else "补零",
            "lock": (project / "cards_src/ankigen.lock").read_text(encoding="utf-8"),
            "apkg": (project / "dist/Test deck.apkg").read_bytes().hex()}


def _leftovers(project: Path) -> list[str]:
    return sorted(p.name for folder in (project / "dist", project / "cards_src") for p in folder.iterdir()
                  if p.name.startswith("."))


@pytest.fixture
def built(project: Path) -> dict[str, str]:
    """A project built once (the old set), then edited."""
    write(project / "cards_src/a.md", OLD)
    proc = _cli(project, "build")
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    old = _outputs(project)
    write(project / "cards_src/a.md", NEW)
    return old


def test_ctrl_c_before_the_renames_leaves_the_old_set(project: Path, built: dict[str, str]) -> None:
    proc = _cli(project, "build", pause="renaming")
    _paused(proc, "renaming")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read()
    assert "interrupted; previous outputs are untouched" in err and "Traceback" not in err
    assert _outputs(project) == built and _leftovers(project) == []


def test_ctrl_c_during_the_renames_waits_and_leaves_the_new_set(project: Path, built: dict[str, str]) -> None:
    proc = _cli(project, "build", pause="renamed-one", seconds=3)  # Ctrl-C arrives within the 3 s
    _paused(proc, "renamed-one")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read()
    assert "interrupted after the new outputs were written whole" in err and "Traceback" not in err
    new = _outputs(project)
    assert new["pdf"] == "补上一圈零" and new["lock"] != built["lock"] and new["apkg"] != built["apkg"]
    assert _leftovers(project) == []


def test_a_kill_during_the_renames_is_finished_by_the_next_build(project: Path, built: dict[str, str]) -> None:
    proc = _cli(project, "build", pause="renamed-one")
    _paused(proc, "renamed-one")
    proc.kill()
    proc.wait(timeout=60)
    assert ".ankigen-renames" in _leftovers(project)  # the new package is in place, the rest is not yet
    after = _cli(project, "build", "--no-pdf")
    out, err = after.communicate(timeout=300)
    assert after.returncode == 0, err
    new = _outputs(project)
    assert new["pdf"] == "补上一圈零" and new["lock"] != built["lock"]
    assert _leftovers(project) == []


def test_a_full_disk_leaves_the_old_set_and_says_where(project: Path, built: dict[str, str]) -> None:
    proc = _cli(project, "build", limit_bytes=20_000)  # the package and the PDF are larger than this
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    assert "error[B002]: cannot write: File too large (errno 27)" in out + err
    assert "Traceback" not in out + err and "bug in ankigen" not in out + err
    assert _outputs(project) == built and _leftovers(project) == []
