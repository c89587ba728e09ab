"""A saved run read back through its Store, tolerant of missing or corrupt turns."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
from collections import Counter
from typing import Any

import orjson
from PIL import Image, UnidentifiedImageError

from image_telephone.errors import InputError, StorageError
from image_telephone.store.artifacts import MANIFEST_KEY
from image_telephone.store.manifest import read_manifest
from image_telephone.store.storage import DEFAULT_OUT, Store, open_store, validate_run_name

THUMBNAIL_SIDE = 256  # every picture of a run is drawn from images of at most this side


@dataclasses.dataclass(frozen=True)
class Turn:
    """One turn as found in the store: its image (a thumbnail), caption, and what was wrong."""

    turn: int
    image_key: str
    image: Image.Image | None = dataclasses.field(repr=False)
    caption: str | None
    embedding: list[float] | None = dataclasses.field(repr=False)
    problems: tuple[str, ...] = ()
    image_sha256: str | None = None  # of the bytes read: what judges' caches key images by

    @property
    def missing(self) -> bool:
        """Whether anything of this turn could not be read."""
        return bool(self.problems)


@dataclasses.dataclass(frozen=True)
class Run:
    """A run's manifest and its turns, in order."""

    name: str
    manifest: dict[str, Any]
    turns: list[Turn]
    store: Store = dataclasses.field(repr=False)

    @property
    def embeddings_model(self) -> str | None:
        """The model that embedded the captions."""
        return self.manifest.get("models", {}).get("embeddings_model")


def run_store(run: str, runs: str | None = None, s3_endpoint: str | None = None) -> Store:
    """The store of a run given by name (under runs, default 'runs/') or by its own location."""
    if runs is None and (os.sep in run or "/" in run or "://" in run):
        return open_store(run, s3_endpoint)
    return open_store(runs or DEFAULT_OUT, s3_endpoint).child(validate_run_name(run))


def load_run(store: Store) -> Run:
    """Reads a run's manifest, captions, embeddings and thumbnails; bad turns are marked."""
    try:
        manifest = read_manifest(store)
    except StorageError as error:
        raise InputError(f"{store.location}: not a readable run ({error})") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("turns"), list):
        raise InputError(
            f"{store.location}: not a run folder (no {MANIFEST_KEY} manifest); "
            "give a run name under --runs or the folder of a run"
        )
    turns = [_load_turn(store, index, entry) for index, entry in enumerate(manifest["turns"])]
    turns = _mark_odd_embeddings(turns)
    return Run(str(manifest.get("run_name", store.location)), manifest, turns, store)


def _load_turn(store: Store, index: int, entry: Any) -> Turn:
    entry = entry if isinstance(entry, dict) else {}
    problems: list[str] = []
    image_key = str(entry.get("image") or f"image_{index:03d}.png")
    raw_image = _read(store, image_key, problems)
    image = _thumbnail(raw_image, image_key, problems) if raw_image is not None else None
    metadata = None
    if entry.get("metadata") is None:
        problems.append("no caption recorded")
    else:
        raw = _read(store, str(entry["metadata"]), problems)
        metadata = _parse_metadata(raw, str(entry["metadata"]), problems) if raw else None
    caption = (metadata or {}).get("generated_caption", entry.get("caption"))
    embedding = _embedding(metadata, problems) if metadata is not None else None
    digest = hashlib.sha256(raw_image).hexdigest() if image is not None else None
    return Turn(index, image_key, image, caption, embedding, tuple(problems), digest)


def _read(store: Store, key: str, problems: list[str]) -> bytes | None:
    if ".." in key or key.startswith("/"):  # a manifest names files inside its run, nowhere else
        problems.append(f"{key!r} points outside the run")
        return None
    if not store.exists(key):
        problems.append(f"{key} is missing")
        return None
    try:
        return store.read_bytes(key)
    except StorageError as error:
        problems.append(str(error))
        return None


def _thumbnail(raw: bytes, key: str, problems: list[str]) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(raw))
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
        return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        problems.append(f"{key} is not a readable image")
        return None


def _parse_metadata(raw: bytes, key: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        problems.append(f"{key} is not valid JSON")
        return None
    if not isinstance(value, dict):
        problems.append(f"{key} is not a JSON object")
        return None
    return value


def _embedding(metadata: dict[str, Any], problems: list[str]) -> list[float] | None:
    vector = metadata.get("caption_embeddings")
    if not isinstance(vector, list) or not vector:
        problems.append("no caption embedding in the metadata")
        return None
    if not all(isinstance(value, (int, float)) for value in vector):
        problems.append("the caption embedding holds non-numbers")
        return None
    return vector


def _mark_odd_embeddings(turns: list[Turn]) -> list[Turn]:
    """Turns whose embedding length differs from the run's usual length lose their embedding."""
    lengths = Counter(len(turn.embedding) for turn in turns if turn.embedding is not None)
    if len(lengths) < 2:
        return turns
    usual = lengths.most_common(1)[0][0]
    return [
        turn
        if turn.embedding is None or len(turn.embedding) == usual
        else dataclasses.replace(
            turn,
            embedding=None,
            problems=(*turn.problems, f"embedding has {len(turn.embedding)} numbers, not {usual}"),
        )
        for turn in turns
    ]
