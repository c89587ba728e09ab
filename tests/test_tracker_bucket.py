"""An S3 tracker's bucket is checked up front: a bad one is a one-line StorageError (exit 4)."""

import pytest

from image_telephone.errors import StorageError
from image_telephone.game.tracking import ResumableS3Tracker, make_tracker

from .conftest import S3_SECRET
from .s3_server import free_port


def _failure(tracker: str, endpoint: str | None = None) -> str:
    with pytest.raises(StorageError) as raised:
        make_tracker(tracker, "telephone-tracked", endpoint)
    assert raised.value.exit_code == 4
    message = str(raised.value)
    assert "\n" not in message and S3_SECRET not in message
    return message


def test_a_missing_bucket_is_named_with_the_fix(bucket):
    message = _failure("s3://no-such-bucket")
    assert "'no-such-bucket' does not exist" in message
    assert "create it or fix the name" in message


def test_refused_credentials_are_access_denied(bucket, moto, monkeypatch):
    name, _ = bucket
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    moto.require_credentials(True)
    try:
        message = _failure(f"s3://{name}")
    finally:
        moto.require_credentials(False)
    assert f"bucket {name!r}: access denied" in message and "credentials" in message
    assert "AKIAWRONG" not in message


def test_an_unreachable_endpoint_names_the_bucket_and_endpoint(bucket):
    name, _ = bucket
    message = _failure(f"s3://{name}", f"http://127.0.0.1:{free_port()}")
    assert f"bucket {name!r}: the S3 endpoint could not be reached" in message
    assert "--s3-endpoint" in message


def test_missing_credentials_name_the_bucket(bucket, monkeypatch, tmp_path):
    name, _ = bucket
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no wait on an instance endpoint
    message = _failure(f"s3://{name}")
    assert f"bucket {name!r}" in message and "credentials are missing" in message


def test_an_existing_bucket_gives_a_tracker(bucket):
    name, client = bucket
    tracker = make_tracker(f"s3://{name}", "telephone-tracked")
    assert isinstance(tracker, ResumableS3Tracker)
    assert tracker.bucket == name
    assert client.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0  # the check wrote nothing
