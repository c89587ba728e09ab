"""Burr lifecycle hooks: persist each step's artifacts, keep the manifest current, show progress."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from burr.core import State
from burr.core.action import Action
from burr.lifecycle import PostApplicationExecuteCallHook, PostRunStepHook

from .errors import StorageError
from .manifest import with_progress, write_manifest
from .storage import Store
from .uploads import PipelinedStore

logger = logging.getLogger(__name__)


class ArtifactHook(PostRunStepHook):
    """Writes the artifacts a completed step returned, before the state checkpoint names them."""

    def __init__(self, store: Store):
        self.store = store

    def post_run_step(
        self,
        *,
        action: Action,
        result: dict[str, Any] | None,
        exception: Exception | None,
        **future_kwargs: Any,
    ) -> None:
        if exception is not None or not result:
            return
        for artifact in result.get("artifacts", ()):
            self.store.write_bytes(artifact.key, artifact.data, artifact.content_type)


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


class ManifestHook(PostRunStepHook):
    """Rewrites run.json after each finished turn, last, so it only names written files."""

    def __init__(self, store: Store, manifest: dict[str, Any]):
        self.store = store
        self.manifest = manifest

    def post_run_step(
        self,
        *,
        state: State,
        action: Action,
        exception: Exception | None,
        **future_kwargs: Any,
    ) -> None:
        if exception is not None or action.name not in _TURN_ENDING_STEPS:
            return
        self.manifest = with_progress(
            self.manifest,
            state["image_keys"],
            state["captions"],
            complete=action.name == "terminal",
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
        exception: Exception | None,
        **future_kwargs: Any,
    ) -> None:
        if exception is not None:
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
