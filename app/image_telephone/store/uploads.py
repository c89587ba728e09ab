"""Ordered background writes: a game's writes leave its critical path but land in order."""

from __future__ import annotations

import collections
import queue
import threading
from collections.abc import Callable

from image_telephone.store.storage import Store

_Job = tuple[str, bytes, str]  # key, data, content type
RECENT_OBJECTS = 8
IDLE_S = 2.0  # a worker with nothing to do for this long ends; the next write starts one


class OrderedUploader:
    """Runs put(key, data, content_type) on one worker thread, in submission order.

    After a failed put nothing later is written — so a checkpoint never lands without the
    artifacts submitted before it — and the failure is raised by the next submit or flush.
    Objects pending or recently written are served from memory.
    """

    def __init__(self, put: Callable[[str, bytes, str], None]):
        self._put = put
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._known: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._pending: dict[str, int] = {}
        self._error: Exception | None = None
        self._worker: threading.Thread | None = None

    def submit(self, key: str, data: bytes, content_type: str) -> None:
        """Queues a put; raises an earlier failure instead."""
        self._raise_failure()
        with self._lock:
            self._pending[key] = self._pending.get(key, 0) + 1
            self._remember(key, data)
            self._jobs.put((key, data, content_type))
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="uploads", daemon=True)
                self._worker.start()

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
            try:
                key, data, content_type = self._jobs.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():
                        self._worker = None
                        return
                continue
            try:
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


class PipelinedStore:
    """A store whose writes go through an OrderedUploader: the game goes on while a write
    lands; what was just written reads back from memory; flush() waits for the writes."""

    def __init__(self, store: Store):
        self.store = store
        self.location = store.location
        self.remote = store.remote
        self.uploader = OrderedUploader(store.write_bytes)

    def uri(self, key: str) -> str:
        return self.store.uri(key)

    def write_bytes(self, key: str, data: bytes, content_type: str) -> str:
        self.uploader.submit(key, data, content_type)
        return self.store.uri(key)

    def read_bytes(self, key: str) -> bytes:
        cached = self.uploader.cached(key)
        return cached if cached is not None else self.store.read_bytes(key)

    def exists(self, key: str) -> bool:
        return self.uploader.cached(key) is not None or self.store.exists(key)

    def delete(self, key: str) -> None:
        self.flush()
        self.store.delete(key)

    def clean_temporaries(self) -> None:
        self.store.clean_temporaries()

    def child(self, name: str) -> Store:
        return self.store.child(name)

    def children(self) -> list[str]:
        return self.store.children()

    def files(self) -> list[str]:
        return self.store.files()

    def check_writable(self) -> None:
        self.store.check_writable()

    def flush(self) -> None:
        """Waits until every queued write has landed; raises the first failure."""
        self.uploader.flush()
