"""Writing outputs so that a failed or interrupted build never leaves a half-written file, and the
outputs of one build (package, PDF, lock) replace the previous ones together."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ankigen.run.interrupt import checkpoint


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside target; on success it replaces target, on failure it is removed."""
    with staged([target]) as (tmp,):
        yield tmp


@contextmanager
def beside(target: Path) -> Iterator[Path]:
    """A temporary path beside target, named as staged() names its own (so that sweep() finds it
    after a crash), written before the set is staged and moved into it; removed if still there."""
    tmp = _temporary(target.resolve() if target.is_symlink() else target)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _temporary(target: Path) -> Path:
    """A new empty file beside target, `.NAME.….tmp`: the names sweep() removes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


@contextmanager
def staged(targets: list[Path]) -> Iterator[tuple[Path, ...]]:
    """Temporary paths beside each target, for the caller to write. When the block ends without an
    exception they replace their targets one after another, with Ctrl-C held back meanwhile, so
    that the previous set and the new one are never mixed by an interruption; on any failure every
    temporary file is removed and every target is left as it was."""
    # A file replaced is replaced as an editor saving it would: a symbolic link keeps pointing at
    # its target, which gets the new content, and the file keeps its permissions and owner.
    targets = [t.resolve() if t.is_symlink() else t for t in targets]
    temps: list[Path] = []
    journal = _journal(targets[0].parent)
    try:
        for target in targets:
            temps.append(_temporary(target))
        yield tuple(temps)
        for tmp, target in zip(temps, targets):
            _take_mode(tmp, target)
        several = len(targets) > 1
        if several:
            pause("renaming")
        checkpoint()  # a Ctrl-C lost earlier still keeps the previous set
        with _held_interrupt():
            if several:  # a SIGKILL between two renames: the next build finishes them
                journal.write_text(json.dumps([[str(t), str(d)] for t, d in zip(temps, targets)]), encoding="utf-8")
            for n, (tmp, target) in enumerate(zip(temps, targets)):
                os.replace(tmp, target)
                if several and n == 0:
                    pause("renamed-one")
            journal.unlink(missing_ok=True)
    except BaseException:  # Ctrl-C included: never leave a temporary file behind
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        try:
            journal.unlink(missing_ok=True)
        except OSError:  # its folder is what failed (a file in its place): the first error is the one to tell
            pass
        raise


WRITTEN = "the new outputs were written whole"  # a Ctrl-C held back until the set was in place


@contextmanager
def _held_interrupt() -> Iterator[None]:
    """SIGINT waits until the block is done (a few renames), then takes effect."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt(WRITTEN)


def _take_mode(tmp: Path, target: Path) -> None:
    try:
        old = target.stat()
    except FileNotFoundError:  # a new file: an ordinary one (mkstemp makes 0600)
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, old.st_mode & 0o7777)
    try:
        os.chown(tmp, old.st_uid, old.st_gid)
    except PermissionError:  # another user's file: only its owner or root may give it back
        pass


def _journal(folder: Path) -> Path:
    return folder / ".ankigen-renames"


def finish_renames(folder: Path) -> None:
    """Complete the renames of a set a killed build had fully written (its journal lists them), so
    the outputs are the new set, never half of it."""
    journal = _journal(folder)
    try:
        pairs = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for tmp, target in pairs:
        if Path(tmp).exists():
            os.replace(tmp, target)
    journal.unlink(missing_ok=True)


def pause(point: str) -> None:
    """For the fault tests: ANKIGEN_PAUSE_AT=point stops the build here for a while (saying so on
    stderr), so that a test can interrupt or kill it at that exact step."""
    if os.environ.get("ANKIGEN_PAUSE_AT") != point:
        return
    import sys
    import time

    sys.stderr.write(f"ankigen: paused at {point}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("ANKIGEN_PAUSE_SECONDS", "30")))


def sweep(folder: Path, names: list[str]) -> None:
    """Remove the temporary files a killed build left beside these outputs (SIGKILL runs no cleanup)."""
    for name in names:
        for stale in folder.glob(f".{glob_escape(name)}.*.tmp"):
            stale.unlink(missing_ok=True)


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: Path, text: str, newline: str | None = None) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline=newline)


def edit_text(target: Path, text: str, newline: str | None = None) -> None:
    """Save an author's file as an editor would. Replaced by a whole new file (so that a crash never
    leaves half of it) unless that would change what the file is to others: a file with more than
    one name (a hard link) keeps its inode, and a file in a folder no new file may be made in, or
    one owned by someone else (a new file would be ours), is written over where it stands. Mode,
    owner and a symbolic link's target are kept either way. A file its mode makes read-only is
    not written: a new file in its place would get round what its owner asked."""
    real = target.resolve()
    if real.exists() and not os.access(real, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
    try:
        info = real.stat()
        in_place = info.st_nlink > 1 or info.st_uid != os.geteuid()
    except OSError:
        in_place = False
    if in_place or not os.access(real.parent, os.W_OK):
        # newline as open() takes it: "" and "\n" write the text as it is (None too, on POSIX)
        data = (text if newline in (None, "", "\n") else text.replace("\n", newline)).encode("utf-8")
        with open(real, "r+b") as handle:
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        return
    write_text_atomic(target, text, newline)


# What the file system said, as a reader can act on it.
_FAULT_HINTS = {
    errno.EROFS: "the file system is read-only: choose a writable folder (`--out`, `cache`, `lock` settings)",
    errno.EACCES: "you may not write there: choose another folder, or change its permissions",
    errno.EPERM: "you may not write there: choose another folder, or change its permissions",
    errno.ENOSPC: "the disk is full: free some space and build again",
    errno.EDQUOT: "the disk quota is used up: free some space and build again",
    errno.ENOTDIR: "a file stands where a folder is needed: move it, or choose another path",
    errno.EEXIST: "a file stands where a folder is needed: move it, or choose another path",
    errno.EISDIR: "a folder stands where a file is needed: move it, or choose another path",
    errno.ENOENT: "a folder on the way does not exist: create it, or choose another path",
}


_TEMP_NAME = re.compile(r"^\.(.+)\.[a-z0-9_]{8}\.tmp$")


def fault(exc: OSError, fallback: Path) -> tuple[str, str, str]:
    """(path, message, hint) for a file-system error met while reading or writing outputs. The
    path is the output's (`dist/Deck.apkg`), never the temporary file beside it that failed."""
    from ankigen.source.sources import display_path

    failed = Path(exc.filename) if exc.filename else fallback
    temp = _TEMP_NAME.match(failed.name)
    if temp:
        failed = failed.with_name(temp.group(1))
    reason = exc.strerror or str(exc)
    hint = _FAULT_HINTS.get(exc.errno or 0, "check the path and the disk, then build again")
    if exc.errno == errno.ENOENT and failed.parent.is_dir():
        hint = ("the folder exists but no file can be made in it (a special file system such as /proc?): "
                "choose another path")
    return display_path(failed), f"cannot write: {reason} (errno {exc.errno})", hint




@contextmanager
def one_build_at_a_time(folder: Path | None, project: Path = Path(".")) -> Iterator[None]:
    """An exclusive lock on `folder/build.lock` (the project's cache) for the whole build: a second
    build of the project waits for the first, so that the later edit is the one left in `dist/`.
    Without a cache folder (`cache = ""`) the lock is a file in the system's temporary directory
    named after the project's folder. On a system without flock, builds are not serialised."""
    try:
        import fcntl
    except ImportError:  # Windows
        fcntl = None
    if fcntl is None:
        yield
        return
    if folder is None:
        import hashlib

        where = str(project.resolve()).encode()
        path = Path(tempfile.gettempdir()) / f"ankigen-build-{hashlib.sha256(where).hexdigest()[:16]}.lock"
    else:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "build.lock"
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            import sys

            handle.seek(0)
            holder = handle.read().strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            sys.stderr.write(f"waiting for another build of this project{who} to finish…\n")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# The folders scratch() makes: `ankigen-KIND-PID-` and tempfile's eight random characters. Only
# these are ever removed: another folder of that shape (`ankigen-bench-1000-…`) is not ours.
SCRATCH_KINDS = ("read", "apkg", "pdf")  # "apkg": what versions before 2026-12-06 left, still swept
_SCRATCH = re.compile(rf"ankigen-(?:{'|'.join(SCRATCH_KINDS)})-(\d+)-[a-z0-9_]{{8}}")


@contextmanager
def scratch(kind: str) -> Iterator[Path]:
    """A temporary folder `ankigen-KIND-PID-…` in the system's temporary directory, removed at the
    end; those a killed ankigen left (their process gone) are removed first."""
    assert kind in SCRATCH_KINDS
    base = Path(tempfile.gettempdir())
    for stale in base.glob("ankigen-*-*-*"):
        m = _SCRATCH.fullmatch(stale.name)
        if m and not _alive(int(m.group(1))):
            shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"ankigen-{kind}-{os.getpid()}-") as tmp:
        yield Path(tmp)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
