"""The Burr tracker a game logs to: local (~/.burr, the UI's default) or an S3 bucket."""

from __future__ import annotations

import os
from typing import Any

from burr.tracking import LocalTrackingClient
from burr.tracking.s3client import S3TrackingClient
from burr.visibility.tracing import tracer_factory_context_var
from hamilton.lifecycle import NodeExecutionHook

from image_telephone.store.s3_store import check_bucket, make_s3_client, parse_s3_uri


def _as_resume(parent_pointer: Any) -> Any:
    # Burr (0.43) reports an app restored by initialize_from as a fork whose parent app id is
    # None; the trackers then fail to write the app's metadata. A resume is not a fork.
    if parent_pointer is not None and parent_pointer.app_id is None:
        return None
    return parent_pointer


class ResumableLocalTracker(LocalTrackingClient):
    """Burr's local tracker, able to log a run resumed from a checkpoint on a fresh machine."""

    def __init__(self, project: str, **kwargs: Any):
        super().__init__(project=project, **kwargs)
        # Burr checks, then creates, the project folder; games starting together would race.
        os.makedirs(self.storage_dir, exist_ok=True)

    def post_application_create(self, *, parent_pointer: Any = None, **kwargs: Any) -> None:
        super().post_application_create(parent_pointer=_as_resume(parent_pointer), **kwargs)


class ResumableS3Tracker(S3TrackingClient):
    """Burr's S3 tracker (read by `burr --backend s3`), able to log a resumed run."""

    def post_application_create(self, *, parent_pointer: Any = None, **kwargs: Any) -> None:
        super().post_application_create(parent_pointer=_as_resume(parent_pointer), **kwargs)


def make_tracker(tracker: bool | str, project: str, s3_endpoint: str | None = None) -> Any:
    """None (no tracking), the local tracker (True), or the S3 tracker for 's3://bucket';
    StorageError if that bucket is missing or out of reach."""
    if tracker is False or tracker is None:
        return None
    if tracker is True or tracker == "local":
        return ResumableLocalTracker(project=project)
    bucket, _ = parse_s3_uri(tracker)
    endpoint = s3_endpoint or os.environ.get("AWS_ENDPOINT_URL") or None
    # Burr's tracker would first fail deep in building the app, with a raw boto3 traceback.
    # No write probe: a stray key under data/{project}/ breaks the `burr` UI's S3 indexer.
    check_bucket(make_s3_client(endpoint), bucket)
    return ResumableS3Tracker(project=project, bucket=bucket, endpoint_url=endpoint)


# The nodes that read, decode, call a model or assemble results: where a step's time goes.
TRACED_NODES = frozenset(
    {
        "image_bytes",
        "fitted_image",
        "caption_completion",
        "caption_embeddings",
        "metadata",
        "image_generation",
        "rewrite_completion",
    }
)


class HamiltonNodeSpans(NodeExecutionHook):
    """A Hamilton adapter that opens a Burr span for each traced node a step runs, so the
    tracker shows the step's sub-trace (load → fit → completion …). Outside a Burr step it
    does nothing; the many cheap nodes (prompts, model names) are left out. One adapter serves
    every run of its driver, in any thread: open spans are kept by run and node."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, str], Any] = {}

    def run_before_node_execution(
        self, *, node_name: str, run_id: str, **future_kwargs: Any
    ) -> None:
        factory = tracer_factory_context_var.get()
        if factory is not None and node_name in TRACED_NODES:
            span = factory(node_name)
            span.__enter__()
            self._open[run_id, node_name] = span

    def run_after_node_execution(
        self, *, node_name: str, run_id: str, error: Exception | None = None, **future_kwargs: Any
    ) -> None:
        span = self._open.pop((run_id, node_name), None)
        if span is not None:
            span.__exit__(type(error) if error else None, error, None)
