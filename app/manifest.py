"""The run manifest, run.json: start input, settings, models, seed, versions, per-turn files."""

from __future__ import annotations

import datetime
import functools
import platform
from importlib import metadata as importlib_metadata
from typing import Any

import orjson

from .artifacts import MANIFEST_KEY, metadata_key
from .errors import StorageError
from .storage import Store

MANIFEST_SCHEMA = 1
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
    """The start input as recorded: an image URI (data: URIs abbreviated), a text prompt, or a
    text prompt painted onto a start image."""
    image = start_image if not (start_image or "").startswith("data:") else start_image[:40] + "…"
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
    manifest: dict[str, Any], image_keys: list[str], captions: list[str], complete: bool
) -> dict[str, Any]:
    """The manifest updated with the turns finished so far."""
    turns = [
        {
            "turn": index,
            "image": key,
            "caption": captions[index] if index < len(captions) else None,
            "metadata": metadata_key(index) if index < len(captions) else None,
        }
        for index, key in enumerate(image_keys)
    ]
    return {
        **manifest,
        "status": "complete" if complete else "running",
        "updated_at": utc_now(),
        "turns_done": len(captions),
        "turns": turns,
    }


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
