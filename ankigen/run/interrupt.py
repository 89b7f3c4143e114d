"""Ctrl-C as a request that the build honours, not an exception that may strike anywhere.

Python raises KeyboardInterrupt wherever the main thread happens to be, and two places lose it:
an import (one interrupted there can leave the interpreter's import lock held, and the PDF thread,
importing too, then waits for it forever while the build waits for the PDF thread) and C code that
swallows what a Python callback raises (a dict lookup calling a sympy `__eq__`: the build then
runs to the end and writes its outputs). So the handler raises only outside imports, and always
records the request; `checkpoint()` raises it at the build's own steps, where nothing swallows it.
"""

from __future__ import annotations

import os
import signal
import threading

_asked = threading.Event()


def install() -> None:
    """Ctrl-C handled as above from now on (main thread only: Python's rule for handlers)."""
    if threading.current_thread() is threading.main_thread():
        _asked.clear()
        signal.signal(signal.SIGINT, _on_sigint)


def checkpoint() -> None:
    """KeyboardInterrupt if Ctrl-C was pressed, even if it was lost where it struck."""
    if _asked.is_set():
        raise KeyboardInterrupt


def _on_sigint(signum, frame) -> None:
    if _asked.is_set():  # the second Ctrl-C: leave now, as Python's default does, without a traceback
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return
    _asked.set()
    if not _importing(frame):
        raise KeyboardInterrupt


def _importing(frame) -> bool:
    """Whether the main thread is inside an import (the import system's frames are frozen modules)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False
