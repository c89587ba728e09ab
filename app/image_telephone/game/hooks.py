"""Burr lifecycle hooks: commit each finished step (artifacts, checkpoint, run.json); progress."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from burr.core import State
from burr.core.action import Action
from burr.lifecycle import PostApplicationExecuteCallHook, PostRunStepHook

from image_telephone.errors import StorageError
from image_telephone.game.burr_compat import step_finished
from image_telephone.interrupts import deferred_interrupts
from image_telephone.store.artifacts import HASHES
from image_telephone.store.checkpoint import StoreStatePersister
from image_telephone.store.manifest import with_progress, write_manifest
from image_telephone.store.storage import Store
from image_telephone.store.uploads import PipelinedStore

logger = logging.getLogger(__name__)


class FlushHook(PostApplicationExecuteCallHook):
    """Waits, after every step/run call, until the store's queued writes have landed."""

    def __init__(self, store: PipelinedStore):
        self.store = store

    def post_run_execute_call(self, *, exception: Exception | None, **future_kwargs: Any) -> None:
        try:
            self.store.flush()
        except StorageError as error:
            if exception is None:
                raise
            # The step's own error is the one to report; the failed write is logged beside it.
            logger.error("%s (while stopping after: %s)", error, exception)


# A turn ends with its caption's metadata written; terminal marks the game complete.
_TURN_ENDING_STEPS = frozenset({"analyze", "terminal"})


class CommitHook(PostRunStepHook):
    """Commits each finished step: its artifacts, then the checkpoint, then (at a turn's end)
    run.json, with stop signals held back, so the files on disk are always a prefix of the game.
    A step that did not finish commits nothing; the resume redoes it."""

    def __init__(
        self,
        store: Store,
        persister: StoreStatePersister,
        manifest: dict[str, Any],
        lock: Any = None,
    ):
        self.store = store
        self.persister = persister
        self.manifest = manifest
        self.lock = lock  # the run lock, checked before each commit: a lost lease writes nothing

    def post_run_step(
        self,
        *,
        app_id: str,
        partition_key: str | None,
        sequence_id: int,
        state: State,
        action: Action,
        result: dict[str, Any] | None,
        exception: Exception | None,
        **future_kwargs: Any,
    ) -> None:
        if not step_finished(result, exception):
            return
        with deferred_interrupts():
            if self.lock is not None:
                self.lock.check()
            for artifact in result.get("artifacts", ()):
                self.store.write_bytes(artifact.key, artifact.data, artifact.content_type)
            self.persister.save(partition_key, app_id, sequence_id, action.name, state, "completed")
            if action.name in _TURN_ENDING_STEPS:
                self.manifest = with_progress(
                    self.manifest,
                    state["image_keys"],
                    state["captions"],
                    state["metadata_keys"],
                    state[HASHES],
                    status="complete" if action.name == "terminal" else "running",
                )
                write_manifest(self.store, self.manifest)


@dataclasses.dataclass(frozen=True)
class TurnEvent:
    """What a progress display needs after a step: which turn, which step, the caption."""

    step: str
    turns_done: int
    turns_planned: int
    caption: str | None
    elapsed_s: float


class ProgressHook(PostRunStepHook):
    """Calls on_step with a TurnEvent after each completed step."""

    def __init__(self, on_step: Callable[[TurnEvent], None]):
        self.on_step = on_step
        self.started = time.perf_counter()

    def post_run_step(
        self,
        *,
        state: State,
        action: Action,
        result: dict[str, Any] | None,
        exception: Exception | None,
        **future_kwargs: Any,
    ) -> None:
        if not step_finished(result, exception):
            return
        captions = state["captions"]
        self.on_step(
            TurnEvent(
                step=action.name,
                turns_done=len(captions),
                turns_planned=state["turns"],
                caption=captions[-1] if captions else None,
                elapsed_s=time.perf_counter() - self.started,
            )
        )
