"""Locks, semaphores and numbers for the coordinator: threading ones when the games share one
process (threads, a Ray actor), multiprocessing ones when worker processes share them.

Process-shared primitives live in shared memory and are inherited by forked (or handed to
spawned) workers, so a gate or a counter costs a lock and a memory write, not a round trip to
a manager process that has to be scheduled on a busy machine.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import MutableSequence
from typing import Any, Protocol


class Shared(Protocol):
    """Makes the primitives the coordinator's parts keep their state in."""

    def lock(self) -> Any:
        """A mutual-exclusion lock."""

    def semaphore(self, value: int) -> Any:
        """A bounded semaphore starting at value."""

    def numbers(self, count: int) -> MutableSequence[float]:
        """count numbers, all 0.0 (guard them with a lock of the same kind)."""


class ThreadShared:
    """For games that share one process."""

    def lock(self) -> Any:
        return threading.Lock()

    def semaphore(self, value: int) -> Any:
        return threading.BoundedSemaphore(value)

    def numbers(self, count: int) -> MutableSequence[float]:
        return [0.0] * count


class ProcessShared:
    """For games in the worker processes of this machine (start method: the platform's)."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context()

    def lock(self) -> Any:
        return self.context.Lock()

    def semaphore(self, value: int) -> Any:
        return self.context.BoundedSemaphore(value)

    def numbers(self, count: int) -> MutableSequence[float]:
        return self.context.RawArray("d", count)


THREADS = ThreadShared()
