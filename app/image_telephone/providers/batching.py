"""A small batcher: concurrent callers' items are run together, up to a maximum batch size, after
waiting at most a maximum time for company — a GPU's throughput comes from batches.

No thread of its own: the first caller to find no batch running leads, collecting the items
queued with the same key as the oldest one and running them in its own thread; the others wait
for their answers (or to lead the next batch). One batch runs at a time, so a model that is not
thread-safe (a diffusers pipeline) is called by one thread at a time."""

from __future__ import annotations

import collections
import copy
import dataclasses
import os
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from image_telephone.errors import InputError

Item = TypeVar("Item")
Result = TypeVar("Result")

BATCH_SIZE_ENV = "IMAGE_TELEPHONE_BATCH_SIZE"
BATCH_WAIT_ENV = "IMAGE_TELEPHONE_BATCH_WAIT_MS"
DEFAULT_BATCH_SIZE = 8
DEFAULT_BATCH_WAIT_S = 0.02


@dataclasses.dataclass(eq=False)
class _Entry:
    """One caller's item and, once its batch has run, its answer."""

    key: Hashable
    item: Any
    done: bool = False
    result: Any = None
    error: BaseException | None = None
    batch_size: int = 0


class Batcher(Generic[Item, Result]):
    """Runs `run(key, items) -> results` (one result per item, in order) on batches of up to
    max_size items of one key, waiting at most max_wait_s for a batch to fill."""

    def __init__(
        self,
        run: Callable[[Hashable, list[Item]], Sequence[Result]],
        max_size: int = DEFAULT_BATCH_SIZE,
        max_wait_s: float = DEFAULT_BATCH_WAIT_S,
    ):
        if max_size < 1 or max_wait_s < 0:
            raise ValueError(f"batcher: max_size {max_size} < 1 or max_wait_s {max_wait_s} < 0")
        self.run, self.max_size, self.max_wait_s = run, max_size, max_wait_s
        self._queue: list[_Entry] = []
        self._leading = False
        self._changed = threading.Condition()
        self.sizes: collections.Counter[int] = collections.Counter()  # batches run, by size

    def submit(self, item: Item, key: Hashable = None) -> Result:
        """The item's result, computed in a batch with other callers' items of the same key;
        a batch's error is raised in each of its callers as their own copy."""
        return self.submit_sized(item, key)[0]

    def submit_sized(self, item: Item, key: Hashable = None) -> tuple[Result, int]:
        """(the item's result, the size of the batch it ran in)."""
        entry = _Entry(key, item)
        with self._changed:
            self._queue.append(entry)
            self._changed.notify_all()
        while True:
            with self._changed:
                try:
                    while not entry.done and self._leading:
                        self._changed.wait()
                except BaseException:  # an interrupted caller leaves the queue, not a hole
                    self._withdraw(entry)
                    raise
                if entry.done:
                    break
                self._leading = True
            self._lead(entry)  # its batch may be an older key's: then it waits again
        if entry.error is not None:
            raise _own_copy(entry.error) from entry.error
        return entry.result, entry.batch_size

    def _withdraw(self, entry: _Entry) -> None:
        if entry in self._queue:
            self._queue.remove(entry)

    def _lead(self, mine: _Entry) -> None:
        """Collects a batch (waiting for it to fill), runs it, answers its callers, and hands
        the lead on; an interrupted leader puts the others' items back for the next leader."""
        batch: list[_Entry] = []
        try:
            deadline = time.monotonic() + self.max_wait_s
            with self._changed:
                while len(self._matching()) < self.max_size:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                batch = self._matching()[: self.max_size]
                for entry in batch:
                    self._queue.remove(entry)
            self._answer(batch)
        except BaseException:
            with self._changed:
                self._withdraw(mine)
                self._queue[:0] = [e for e in batch if e is not mine and not e.done]
            raise
        finally:
            with self._changed:
                self._leading = False
                self._changed.notify_all()

    def _matching(self) -> list[_Entry]:
        """The queued entries of the oldest entry's key, oldest first."""
        key = self._queue[0].key
        return [entry for entry in self._queue if entry.key == key]

    def _answer(self, batch: list[_Entry]) -> None:
        try:
            results = list(self.run(batch[0].key, [entry.item for entry in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} gave {len(results)} results")
        except Exception as error:  # every caller gets the batch's error
            results, failure = [None] * len(batch), error
        else:
            failure = None
        with self._changed:
            self.sizes[len(batch)] += 1
            for entry, result in zip(batch, results, strict=True):
                entry.result, entry.error = result, failure
                entry.done, entry.batch_size = True, len(batch)


def _own_copy(error: BaseException) -> BaseException:
    """A copy of a shared error for one caller, so that callers' tracebacks do not mix."""
    try:
        return copy.copy(error).with_traceback(None)
    except Exception:
        return error


def batch_limits() -> tuple[int, float]:
    """(maximum batch size, maximum wait in seconds) from $IMAGE_TELEPHONE_BATCH_SIZE and
    $IMAGE_TELEPHONE_BATCH_WAIT_MS, else 8 and 20 ms; batch size 1 turns batching off."""
    size_text = os.environ.get(BATCH_SIZE_ENV) or str(DEFAULT_BATCH_SIZE)
    wait_text = os.environ.get(BATCH_WAIT_ENV) or str(DEFAULT_BATCH_WAIT_S * 1000)
    try:
        size, wait_ms = int(size_text), float(wait_text)
    except ValueError:
        size = wait_ms = -1
    if size < 1 or wait_ms < 0:
        raise InputError(
            f"{BATCH_SIZE_ENV}={size_text!r} / {BATCH_WAIT_ENV}={wait_text!r}: expected a whole "
            "number of at least 1 and milliseconds of at least 0, e.g. 8 and 20"
        )
    return size, wait_ms / 1000
