"""The S3 tracker a game logs to (read by `burr --backend s3`); its import loads boto3."""

from __future__ import annotations

from typing import Any

from burr.tracking.s3client import S3TrackingClient

from image_telephone.game.burr_compat import as_resume
from image_telephone.game.tracking import RunMetadataModel


class ResumableS3Tracker(S3TrackingClient):
    """Burr's S3 tracker (read by `burr --backend s3`), able to log a resumed run."""

    run_location: str | None = None

    def post_application_create(self, *, parent_pointer: Any = None, **kwargs: Any) -> None:
        super().post_application_create(parent_pointer=as_resume(parent_pointer), **kwargs)

    def log_object(self, *path_within_project: str, data: Any, **kwargs: Any) -> None:
        # The app's metadata.json (written once per process) carries the run's location.
        if path_within_project[-1:] == ("metadata.json",) and self.run_location is not None:
            data = RunMetadataModel(**data.model_dump(), run_location=self.run_location)
        super().log_object(*path_within_project, data=data, **kwargs)
