"""Faults of the environment, injected into the real CLI in a fresh process: a build interrupted or
killed at a chosen step (ANKIGEN_PAUSE_AT holds it there), and a disk that refuses a write. Each
leaves exactly the old set of outputs or exactly the new one, a located message and no traceback,
and no temporary file behind."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
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


def test_a_disk_full_while_the_package_is_written_is_a_located_error(project: Path, built: dict[str, str]) -> None:
    # Without the PDF the package is the first output written: its database once met the full disk
    # in sqlite ("disk I/O error"), which surfaced as a bug in ankigen.
    proc = _cli(project, "build", "--no-pdf", limit_bytes=4_000)  # the package is larger than this
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    assert "Test deck.apkg:1:1: error[B002]: cannot write: File too large (errno 27)" in out + err
    assert "Traceback" not in out + err and "bug in ankigen" not in out + err
    assert _outputs(project) == built and _leftovers(project) == []


# --- folders and files the system will not let the build use -----------------------------------
# Root may write anywhere, so the build runs without the capabilities that let it (as a user would).

def _as_a_user() -> None:
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: dropped before exec, so gone after
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _read_only(path: Path) -> None:
    path.chmod(0o555 if path.is_dir() else 0o444)


def _file_in_the_way(path: Path) -> None:
    shutil.rmtree(path)
    path.write_text("not a folder", encoding="utf-8")


FAULTS = {
    # name: (what is done to the built project, the command, the path the message names)
    "output folder read-only": (lambda p: _read_only(p / "dist"), ["build"], "dist/Test deck.apkg"),
    "sources folder read-only (the lock)": (lambda p: _read_only(p / "cards_src"), ["build"],
                                            "cards_src/ankigen.lock"),
    "cache files read-only": (lambda p: [_read_only(f) for f in sorted((p / ".ankigen-cache").rglob("*"), reverse=True)]
                              + [_read_only(p / ".ankigen-cache")], ["build"], ".ankigen-cache/build.lock"),
    "a file where the PDF cache should be": (lambda p: _file_in_the_way(p / ".ankigen-cache/pdf-chunks"), ["build"],
                                             ".ankigen-cache/pdf-chunks"),
    "a file where the cache should be": (lambda p: _file_in_the_way(p / ".ankigen-cache"), ["build"], ".ankigen-cache"),
    "a file on the way to --out": (lambda p: write(p / "dist2", "a file"), ["build", "--out", "dist2/sub"], "dist2/sub"),
    "the lock in /proc": (lambda p: write(p / "pyproject.toml", (p / "pyproject.toml").read_text(encoding="utf-8")
                                          + 'lock = "/proc/ankigen.lock"\n'), ["build"], "/proc/ankigen.lock"),
    "ids on a read-only file": (lambda p: _read_only(write(p / "cards_src/b.md", "## No id yet?\n\nNone.\n")), ["ids"],
                                "cards_src/b.md"),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_of_the_machine_is_located_and_leaves_the_old_set(project: Path, built: dict[str, str], name: str) -> None:
    damage, command, where = FAULTS[name]
    damage(project)
    sources = {p: p.read_bytes() for p in (project / "cards_src").iterdir()}
    env = {k: v for k, v in os.environ.items() if "COV" not in k.upper()}  # coverage's data file is a write too
    done = subprocess.run([sys.executable, "-m", "ankigen", *command], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300, preexec_fn=_as_a_user)
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert f"{where}:1:1: error[B002]: cannot write" in said and "= help: " in said, said
    assert "Traceback" not in said and "bug in ankigen" not in said
    for path in (project / "dist", project / "cards_src", project / ".ankigen-cache"):
        if path.is_dir():
            path.chmod(0o755)
    assert _outputs(project) == built and _leftovers(project) == []
    assert {p: p.read_bytes() for p in (project / "cards_src").iterdir()} == sources


def test_ids_that_cannot_record_a_built_card_in_the_lock_change_no_source(project: Path) -> None:
    write(project / "cards_src/a.md", "## Built without an id?\n\nYes.\n")
    assert _cli(project, "build", "--no-pdf").wait(timeout=300) == 0  # its note's GUID is in the lock
    before = (project / "cards_src/a.md").read_bytes(), (project / "cards_src/ankigen.lock").read_bytes()
    _read_only(project / "cards_src")
    env = {k: v for k, v in os.environ.items() if "COV" not in k.upper()}
    done = subprocess.run([sys.executable, "-m", "ankigen", "ids"], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300, preexec_fn=_as_a_user)
    (project / "cards_src").chmod(0o755)
    said = done.stdout + done.stderr
    assert done.returncode == 2 and "cards_src/ankigen.lock:1:1: error[B002]: cannot write" in said, said
    # the id is written only with the lock that keeps the card's note: never one without the other
    assert ((project / "cards_src/a.md").read_bytes(), (project / "cards_src/ankigen.lock").read_bytes()) == before


@pytest.fixture
def tiny_disk(project: Path):
    """dist/ on a tmpfs with room for one set of outputs, not two (root may mount one here)."""
    dist = project / "dist"
    dist.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(dist)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root; test_a_full_disk_… meets the same fault through a file size limit")
    yield dist
    subprocess.run(["umount", str(dist)], check=True)


def test_a_disk_that_fills_up_on_the_second_build_leaves_the_old_set(project: Path, tiny_disk: Path) -> None:
    write(project / "cards_src/a.md", OLD)
    first = _cli(project, "build")
    assert first.wait(timeout=300) == 0, first.stderr.read()
    old = _outputs(project)
    write(project / "cards_src/a.md", NEW)
    proc = _cli(project, "build")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    assert "error[B002]: cannot write: No space left on device (errno 28)" in out + err
    assert "the disk is full: free some space and build again" in out + err
    assert "Traceback" not in out + err and "bug in ankigen" not in out + err
    assert _outputs(project) == old and _leftovers(project) == []
