"""Ctrl-C where Python would lose it: inside an import, and inside code that swallows exceptions.
Each case runs in a fresh interpreter that sends itself SIGINT at that exact point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import interruptible

# A module whose body is interrupted halfway. Raised there, KeyboardInterrupt would abort the import
# (and, at a worse moment, leave the import lock held for every other thread).
INTERRUPTED_MODULE = """
import os, signal
os.kill(os.getpid(), signal.SIGINT)
HALF = "the rest of the module ran"
"""

SCRIPT = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from ankigen.run.interrupt import checkpoint, install
install()
{body}
try:
    checkpoint()
except KeyboardInterrupt:
    print("checkpoint: interrupted")
else:
    print("checkpoint: went on")
"""


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    (tmp_path / "interrupted_module.py").write_text(INTERRUPTED_MODULE, encoding="utf-8")
    return subprocess.run([sys.executable, "-c", SCRIPT.format(body=body), str(tmp_path)], capture_output=True,
                          text=True, timeout=60, preexec_fn=interruptible)


def test_ctrl_c_inside_an_import_lets_the_import_finish_and_stops_at_the_next_checkpoint(tmp_path: Path) -> None:
    done = _run(tmp_path, "import interrupted_module\nprint(interrupted_module.HALF)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["the rest of the module ran", "checkpoint: interrupted"]


def test_ctrl_c_swallowed_where_it_struck_still_stops_the_build(tmp_path: Path) -> None:
    # As C code does with an exception raised in a callback it calls (a dict lookup's __eq__)
    body = ("try:\n    os.kill(os.getpid(), signal.SIGINT)\n    import time; time.sleep(5)\n"
            "except BaseException:\n    print('swallowed')")
    done = _run(tmp_path, body)
    assert done.stdout.splitlines() == ["swallowed", "checkpoint: interrupted"], done.stderr


def test_a_second_ctrl_c_ends_the_process_at_once_without_a_traceback(tmp_path: Path) -> None:
    body = ("import interrupted_module\nos.kill(os.getpid(), signal.SIGINT)\n"
            "import time; time.sleep(5)\nprint('still running')")
    done = _run(tmp_path, body)
    assert done.returncode == -2 and "still running" not in done.stdout and "Traceback" not in done.stderr
