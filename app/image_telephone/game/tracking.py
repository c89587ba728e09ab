"""The Burr tracker a game logs to: local (~/.burr, the UI's default) or an S3 bucket."""

from __future__ import annotations

import json
import os
from typing import Any

from burr.tracking import LocalTrackingClient
from burr.tracking.common.models import ApplicationMetadataModel
from burr.visibility.tracing import tracer_factory_context_var
from hamilton.lifecycle import NodeExecutionHook

from image_telephone.game.burr_compat import as_resume
from image_telephone.store.artifacts import SERDE_STORE
from image_telephone.store.storage import Store

RUN_LOCATION = "run_location"  # the field our trackers add to an app's metadata.json


class RunMetadataModel(ApplicationMetadataModel):
    """Burr's application metadata plus the run's location (Burr's UI ignores the extra field)."""

    run_location: str | None = None


class ResumableLocalTracker(LocalTrackingClient):
    """Burr's local tracker, able to log a run resumed from a checkpoint on a fresh machine."""

    run_location: str | None = None

    def __init__(self, project: str, **kwargs: Any):
        super().__init__(project=project, **kwargs)
        # Burr checks, then creates, the project folder; games starting together would race.
        os.makedirs(self.storage_dir, exist_ok=True)

    def post_application_create(self, *, parent_pointer: Any = None, **kwargs: Any) -> None:
        super().post_application_create(parent_pointer=as_resume(parent_pointer), **kwargs)
        self._record_location(kwargs["app_id"])

    def _record_location(self, app_id: str) -> None:
        # Burr writes metadata.json once, on the app's first run; a resume may be elsewhere.
        path = os.path.join(self.storage_dir, app_id, self.METADATA_FILENAME)
        if self.run_location is None or not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as file:
            metadata = json.load(file)
        if metadata.get(RUN_LOCATION) != self.run_location:
            with open(path, "w", encoding="utf-8") as file:
                json.dump({**metadata, RUN_LOCATION: self.run_location}, file)


def for_run(tracker: Any, store: Store) -> Any:
    """The tracker (or None), told where the run lives: the app's metadata records the run's
    location, and each artifact in a step's result its URI (file:///… or s3://…)."""
    if tracker is not None:
        tracker.run_location = store.location
        tracker.serde_kwargs = {**tracker.serde_kwargs, SERDE_STORE: store}
    return tracker


def make_tracker(tracker: bool | str, project: str, s3_endpoint: str | None = None) -> Any:
    """None (no tracking), the local tracker (True), or the S3 tracker for 's3://bucket';
    StorageError if that bucket is missing or out of reach."""
    if tracker is False or tracker is None:
        return None
    if tracker is True or tracker == "local":
        return ResumableLocalTracker(project=project)
    # boto3 is loaded only for an S3 tracker: a local game starts without it.
    from image_telephone.game.s3_tracking import ResumableS3Tracker
    from image_telephone.store.s3_store import check_bucket, make_s3_client, parse_s3_uri

    bucket, _ = parse_s3_uri(tracker)
    endpoint = s3_endpoint or os.environ.get("AWS_ENDPOINT_URL") or None
    # Burr's tracker would first fail deep in building the app, with a raw boto3 traceback.
    # No write probe: a stray key under data/{project}/ breaks the `burr` UI's S3 indexer.
    check_bucket(make_s3_client(endpoint), bucket)
    return ResumableS3Tracker(project=project, bucket=bucket, endpoint_url=endpoint)


def __getattr__(name: str) -> Any:
    if name == "ResumableS3Tracker":  # its module loads boto3, so only when asked for
        from image_telephone.game.s3_tracking import ResumableS3Tracker

        return ResumableS3Tracker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
