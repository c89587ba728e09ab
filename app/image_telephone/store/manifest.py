"""The run manifest, run.json: start input, settings, models, seed, versions, per-turn files."""

from __future__ import annotations

import datetime
import functools
import platform
from importlib import metadata as importlib_metadata
from typing import Any

import orjson

from image_telephone.errors import StorageError
from image_telephone.redaction import redact_url
from image_telephone.store.artifacts import MANIFEST_KEY
from image_telephone.store.storage import Store

MANIFEST_SCHEMA = 2  # 2: per-file hashes, settings resolved before the first step
_VERSIONED_PACKAGES = (
    "image-telephone",
    "apache-hamilton",
    "apache-burr",
    "openai",
    "pillow",
    "numpy",
    "boto3",
)


def utc_now() -> str:
    """The current time, tz-aware UTC, ISO 8601."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


@functools.lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    # Reading package metadata costs milliseconds; it cannot change while the process runs.
    versions = [("python", platform.python_version())]
    for name in _VERSIONED_PACKAGES:
        try:
            versions.append((name, importlib_metadata.version(name)))
        except importlib_metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return tuple(versions)


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a run."""
    return dict(_installed_versions())


def describe_start(start_image: str | None, start_text: str | None) -> dict[str, str]:
    """The start input as recorded: an image URI (data: URIs abbreviated, credentials redacted),
    a text prompt, or a text prompt painted onto a start image."""
    image = redact_url(start_image) if start_image else start_image
    if (image or "").startswith("data:"):
        image = image[:40] + "…"
    if start_text is None:
        return {"kind": "image", "value": image}
    if start_image is None:
        return {"kind": "text", "value": start_text}
    return {"kind": "text on image", "value": start_text, "start_image": image}


def new_manifest(
    run_name: str,
    start: dict[str, str],
    settings: dict[str, Any],
    models: dict[str, str],
    turns_planned: int,
) -> dict[str, Any]:
    """A manifest for a run that has not played a turn yet."""
    now = utc_now()
    return {
        "schema": MANIFEST_SCHEMA,
        "run_name": run_name,
        "status": "running",
        "created_at": now,
        "updated_at": now,
        "start": start,
        "settings": settings,
        "models": models,
        "seed": settings["seed"],
        "turns_planned": turns_planned,
        "turns_done": 0,
        "turns": [],
        "versions": package_versions(),
    }


def with_progress(
    manifest: dict[str, Any],
    image_keys: list[str],
    captions: list[str],
    metadata_keys: list[str],
    hashes: dict[str, str],
    status: str,
) -> dict[str, Any]:
    """The manifest updated with the turns committed so far, every file with its SHA-256; a
    turn is done once its metadata is (a caption whose analysis was stopped is not)."""
    turns = []
    for index, key in enumerate(image_keys):
        metadata = metadata_keys[index] if index < len(metadata_keys) else None
        turns.append(
            {
                "turn": index,
                "image": key,
                "image_sha256": hashes.get(key),
                "caption": captions[index] if index < len(captions) else None,
                "metadata": metadata,
                "metadata_sha256": hashes.get(metadata) if metadata else None,
            }
        )
    updated = {
        **manifest,
        "status": status,
        "updated_at": utc_now(),
        "turns_done": len(metadata_keys),
        "turns": turns,
    }
    updated.pop("failure", None)
    return updated


def with_status(manifest: dict[str, Any], status: str, reason: str | None) -> dict[str, Any]:
    """The manifest of a run that stopped: failed (with the one-line reason) or interrupted."""
    return {**manifest, "status": status, "failure": reason, "updated_at": utc_now()}


def read_manifest(store: Store) -> dict[str, Any] | None:
    """The run's manifest, or None when the store holds no run."""
    if not store.exists(MANIFEST_KEY):
        return None
    try:
        return orjson.loads(store.read_bytes(MANIFEST_KEY))
    except orjson.JSONDecodeError as error:
        raise StorageError(
            f"{store.uri(MANIFEST_KEY)}: manifest is not valid JSON ({error}); "
            "restore it or choose another run name"
        ) from error


def write_manifest(store: Store, manifest: dict[str, Any]) -> None:
    """Writes run.json atomically."""
    text = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
    store.write_bytes(MANIFEST_KEY, text, "application/json")
