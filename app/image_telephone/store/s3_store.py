"""The S3 store: artifacts under s3://bucket/prefix/ through one boto3 client (any S3 endpoint)."""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from image_telephone.errors import InputError, StorageError

_WRITE_PROBE_KEY = ".image-telephone-write-check"
_MISSING = {"404", "NoSuchKey", "NotFound"}


def make_s3_client(endpoint_url: str | None = None) -> Any:
    """A boto3 S3 client: endpoint from the argument or $AWS_ENDPOINT_URL, credentials from
    boto3's standard chain (never passed through or logged here)."""
    endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10)
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, prefix) of s3://bucket/prefix, prefix without slashes at either end."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise InputError(f"S3 location {uri!r}: expected s3://bucket/prefix")
    return parsed.netloc, parsed.path.strip("/")


def _error_code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def check_bucket(client: Any, bucket: str) -> None:
    """Fails fast on a missing bucket, missing credentials, an unreachable endpoint or no access."""
    try:
        client.head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as error:
        code = _error_code(error)
        if code in {"404", "NoSuchBucket", "NotFound"}:
            raise StorageError(
                f"bucket {bucket!r} does not exist at this endpoint; create it or fix "
                "the name (and --s3-endpoint / AWS_ENDPOINT_URL)"
            ) from error
        raise StorageError(
            f"bucket {bucket!r}: access denied ({code}); check your AWS credentials "
            "(AWS_ACCESS_KEY_ID / AWS_PROFILE) and the bucket policy"
        ) from error
    except botocore.exceptions.BotoCoreError as error:
        raise StorageError(
            f"bucket {bucket!r}: the S3 endpoint could not be reached or credentials are "
            f"missing ({type(error).__name__}); check --s3-endpoint and your AWS credentials"
        ) from error


class S3Store:
    """A prefix in a bucket; each put is atomic (an object appears whole or not at all)."""

    remote = True

    def __init__(self, bucket: str, prefix: str, client: Any):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _fail(self, action: str, key: str, error: Exception) -> StorageError:
        detail = _error_code(error) if isinstance(error, botocore.exceptions.ClientError) else ""
        return StorageError(
            f"{self.uri(key)}: could not {action} ({detail or type(error).__name__}: {error}); "
            f"check bucket {self.bucket!r}, the endpoint and your AWS credentials"
        )

    def write_bytes(self, key: str, data: bytes, content_type: str) -> str:
        """Puts the object (atomic on S3: it appears whole)."""
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise self._fail("write", key, error) from error
        return self.uri(key)

    def read_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return response["Body"].read()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise self._fail("read", key, error) from error

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except botocore.exceptions.ClientError as error:
            if _error_code(error) in _MISSING:
                return False
            raise self._fail("look up", key, error) from error
        except botocore.exceptions.BotoCoreError as error:
            raise self._fail("look up", key, error) from error

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise self._fail("delete", key, error) from error

    def clean_temporaries(self) -> None:
        """Nothing to do: a put is atomic, an unfinished one leaves no object."""

    def child(self, name: str) -> S3Store:
        return S3Store(self.bucket, self._key(name), self.client)

    def _list_pages(self, **options: str) -> tuple[str, list[dict[str, Any]]]:
        """(the listed prefix, every page of list_objects_v2 under it)."""
        prefix = f"{self.prefix}/" if self.prefix else ""
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            pages = list(paginator.paginate(Bucket=self.bucket, Prefix=prefix, **options))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise self._fail("list", "", error) from error
        return prefix, pages

    def children(self) -> list[str]:
        prefix, pages = self._list_pages(Delimiter="/")
        common = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
        return sorted(name[len(prefix) :].rstrip("/") for name in common)

    def files(self) -> list[str]:
        prefix, pages = self._list_pages()
        keys = [item["Key"][len(prefix) :] for page in pages for item in page.get("Contents", [])]
        return sorted(k for k in keys if not any(p.startswith(".") for p in k.split("/")))

    def check_writable(self) -> None:
        """Fails fast, before any model call, on a missing bucket, bad credentials or no write."""
        check_bucket(self.client, self.bucket)
        probe = self._key(_WRITE_PROBE_KEY)
        try:
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"")
            self.client.delete_object(Bucket=self.bucket, Key=probe)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageError(
                f"bucket {self.bucket!r}: cannot write under {self.location} ({error}); "
                "grant s3:PutObject on that prefix or choose another --out"
            ) from error
