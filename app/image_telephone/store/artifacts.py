"""Artifacts an action produces and a hook persists: bytes with a key and a content type."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path
from typing import Any

import orjson

from image_telephone.import_hooks import after_import


@dataclasses.dataclass(frozen=True)
class Artifact:
    """Bytes waiting to be written to the store under key; never enters Burr state."""

    key: str
    data: bytes = dataclasses.field(repr=False)
    content_type: str

    @functools.cached_property
    def sha256(self) -> str:
        """The hex SHA-256 of the bytes: what the chain check compares the stored file with."""
        return sha256_hex(self.data)

    @classmethod
    def json(cls, key: str, value: Any) -> Artifact:
        """A JSON document artifact, compact (embeddings are long) and UTF-8 encoded."""
        return cls(key, orjson.dumps(value, option=orjson.OPT_SORT_KEYS), "application/json")

    @classmethod
    def png(cls, key: str, data: bytes) -> Artifact:
        """A PNG image artifact."""
        return cls(key, data, "image/png")


# The serde keyword argument through which a run's tracker hands its Store to the serializer.
SERDE_STORE = "image_telephone_store"


def _serialize_artifact(value: Artifact, **kwargs: Any) -> dict[str, Any]:
    # The tracker logs action results: it gets the key, size and address, not the bytes.
    record: dict[str, Any] = {
        "key": value.key,
        "content_type": value.content_type,
        "bytes": len(value.data),
        "sha256": value.sha256,
    }
    store = kwargs.get(SERDE_STORE)
    if store is not None:
        record["uri"] = artifact_uri(store.uri(value.key))
    return record


def _register_serializer(serde: Any) -> None:
    serde.serialize.register(Artifact)(_serialize_artifact)


# Registered once Burr loads, wherever from: reading a run (`runs`, `show`) need not load Burr.
after_import("burr.core.serde", _register_serializer)


def artifact_uri(location: str) -> str:
    """A stored file's address as a URI: file:///… for a local path, s3://bucket/key as is
    (never a presigned URL: the tracker's logs are no place for a signature)."""
    return location if "://" in location else Path(location).absolute().as_uri()


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


def content_type(key: str) -> str:
    """The content type of a run file by its key: images are PNG, everything else JSON."""
    return "image/png" if key.endswith(".png") else "application/json"


def image_key(index: int) -> str:
    """The key of the index-th image of a run."""
    return f"image_{index:03d}.png"


def metadata_key(index: int) -> str:
    """The key of the metadata of the index-th caption of a run."""
    return f"metadata_{index:03d}.json"


MANIFEST_KEY = "run.json"
HASHES = "artifact_hashes"  # the state key of {artifact key: SHA-256} of every committed file
STATE_KEY = "state.json"
