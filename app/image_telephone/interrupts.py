"""SIGINT, SIGTERM and SIGHUP as one exception, held back while a finished step is committed."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The process was asked to stop by a signal; a KeyboardInterrupt, so code that stops on
    Ctrl-C stops on SIGTERM and SIGHUP too."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """The shell's exit code for a process stopped by the interrupt's signal (130 for Ctrl-C)."""
    return 128 + getattr(interrupt, "signum", signal.SIGINT)


class _Deferral(threading.local):
    depth = 0


_deferral = _Deferral()
_pending: list[int] = []


def _handle(signum: int, frame: FrameType | None) -> None:
    if _deferral.depth:  # handlers run in the main thread, the one that defers
        _pending.append(signum)
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """Turns the three stop signals into Interrupted while inside; the main thread only (signal
    handlers can be set nowhere else), elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _handle) for signum in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Holds a stop signal back until the block is done, then raises it: what the block writes
    lands whole or, if the process is killed outright, is found uncommitted on resume."""
    _deferral.depth += 1
    try:
        yield
    finally:
        _deferral.depth -= 1
    if not _deferral.depth and _pending:
        signum = _pending[0]
        _pending.clear()
        raise Interrupted(signum)
