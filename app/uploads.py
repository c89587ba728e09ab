"""Ordered background uploads: writes leave the game's critical path but land in order."""

from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Callable

# (key, data, content type); None tells the worker to stop.
_Job = tuple[str, bytes, str]
RECENT_OBJECTS = 8


class OrderedUploader:
    """Runs put(key, data, content_type) on one worker thread, in submission order.

    After a failed put nothing later is written — so a checkpoint never lands without the
    artifacts submitted before it — and the failure is raised by the next submit or flush.
    Objects pending or recently written are served from memory.
    """

    def __init__(self, put: Callable[[str, bytes, str], None], max_pending: int = 32):
        self._put = put
        self._jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self._known: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._pending: dict[str, int] = {}
        self._error: Exception | None = None
        self._worker = threading.Thread(target=self._work, name="s3-uploads", daemon=True)
        self._worker.start()

    def submit(self, key: str, data: bytes, content_type: str) -> None:
        """Queues a put (blocking while max_pending are waiting); raises an earlier failure."""
        self._raise_failure()
        with self._lock:
            self._pending[key] = self._pending.get(key, 0) + 1
            self._remember(key, data)
        self._jobs.put((key, data, content_type))

    def cached(self, key: str) -> bytes | None:
        """The bytes of a pending or recently written key, else None."""
        with self._lock:
            return self._known.get(key)

    def flush(self) -> None:
        """Waits until every submitted put is done; raises the first failure."""
        self._jobs.join()
        self._raise_failure()

    def _remember(self, key: str, data: bytes) -> None:
        self._known[key] = data
        self._known.move_to_end(key)
        while len(self._known) > RECENT_OBJECTS:
            oldest = next(iter(self._known))
            if oldest in self._pending:  # pending objects stay readable until they land
                break
            del self._known[oldest]

    def _raise_failure(self) -> None:
        with self._lock:
            error = self._error
        if error is not None:
            raise error

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                key, data, content_type = job
                with self._lock:
                    failed = self._error is not None
                if not failed:
                    try:
                        self._put(key, data, content_type)
                    except Exception as error:  # reported to the game by submit/flush
                        with self._lock:
                            self._error = error
                with self._lock:
                    self._pending[key] -= 1
                    if not self._pending[key]:
                        del self._pending[key]
            finally:
                self._jobs.task_done()
