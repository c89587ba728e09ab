"""The chain invariant of a run, checked from its files alone, and the repair that restores it.

Caption k belongs to image k, image k+1 was painted from caption k's prompt, and every file is
the one that was committed: the checkpoint (state.json) lists each committed file's SHA-256,
each metadata file names its image and that image's hash, and each painting names the prompt
and the image (with its hash) it followed.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any

import orjson
from burr.core import State

from image_telephone.errors import StorageError
from image_telephone.store.artifacts import (
    HASHES,
    STATE_KEY,
    content_type,
    image_key,
    metadata_key,
    sha256_hex,
)
from image_telephone.store.checkpoint import StoreStatePersister
from image_telephone.store.manifest import read_manifest, with_progress, write_manifest
from image_telephone.store.storage import Store

TURN_FILE = re.compile(r"^(image|metadata)_(\d{3,})\.(png|json)$")
DISCARDED = ".discarded"  # where a repair moves the files it takes out of a run


@dataclasses.dataclass(frozen=True)
class ChainReport:
    """What a check found: the turns intact, the first break, files no step committed."""

    location: str
    committed_turns: int  # captions the checkpoint names
    intact_turns: int  # leading turns whose image and metadata verify
    broken_turn: int | None
    reason: str | None
    uncommitted: tuple[str, ...]  # turn files an interrupted step left behind

    @property
    def intact(self) -> bool:
        """Whether every committed turn verifies."""
        return self.broken_turn is None

    def line(self) -> str:
        """The report in one line."""
        if self.intact:
            extra = f"; {len(self.uncommitted)} uncommitted file(s)" if self.uncommitted else ""
            return f"{self.location}: intact, {self.committed_turns} turn(s){extra}"
        return (
            f"{self.location}: broken at turn {self.broken_turn} ({self.reason}); "
            f"{self.intact_turns} turn(s) before it are intact"
        )


@dataclasses.dataclass
class _Turns:
    """The committed chain as the checkpoint (or, without one, the metadata files) lists it."""

    images: list[str]
    captions: list[str | None]  # None: not named by a checkpoint, so only self-consistency counts
    metadata: list[str]
    hashes: dict[str, str] | None  # None: a run from before hashes were recorded
    last_origin: dict[str, Any] | None  # how the last image was made, if it has no metadata yet


class _Reader:
    """Reads a run's files once each, with their hashes."""

    def __init__(self, store: Store):
        self.store = store
        self.files = set(store.files())
        self._hashes: dict[str, str] = {}
        self._metadata: dict[str, dict[str, Any] | None] = {}

    def sha256(self, key: str) -> str | None:
        """The file's SHA-256, or None when it is missing."""
        if key not in self._hashes:
            if key not in self.files:
                return None
            self._hashes[key] = sha256_hex(self.store.read_bytes(key))
        return self._hashes[key]

    def metadata(self, key: str) -> dict[str, Any] | None:
        """The metadata file's content, or None when missing or not a JSON object."""
        if key not in self._metadata:
            value = None
            if key in self.files:
                data = self.store.read_bytes(key)
                self._hashes[key] = sha256_hex(data)
                try:
                    value = orjson.loads(data)
                except orjson.JSONDecodeError:
                    value = None
            self._metadata[key] = value if isinstance(value, dict) else None
        return self._metadata[key]


def _file_problem(reader: _Reader, key: str, expected: str | None) -> str | None:
    actual = reader.sha256(key)
    if actual is None:
        return f"{key} is missing"
    if expected is not None and actual != expected:
        return f"{key} is not the file that was written (its hash differs)"
    return None


def _link_problem(reader: _Reader, turns: _Turns, k: int, origin: Any) -> str | None:
    """Whether image k says it was painted from the previous turn's prompt and image."""
    painted_from = origin.get("painted_from") if isinstance(origin, dict) else None
    if k == 0 or painted_from is None:
        return None
    previous = reader.metadata(turns.metadata[k - 1]) or {}
    if painted_from.get("image") != turns.images[k - 1]:
        return f"{image_key(k)} says it was painted after {painted_from.get('image')}"
    sha = painted_from.get("image_sha256")  # None in a run from before hashes
    if sha is not None and sha != reader.sha256(turns.images[k - 1]):
        return f"{image_key(k)} was painted after another {turns.images[k - 1]}"
    if painted_from.get("prompt") != previous.get("next_prompt"):
        return f"{image_key(k)} was not painted from turn {k - 1}'s prompt"
    return None


def _metadata_problem(reader: _Reader, turns: _Turns, k: int) -> str | None:
    key = turns.metadata[k]
    expected = turns.hashes.get(key) if turns.hashes is not None else None
    problem = _file_problem(reader, key, expected)
    if problem:
        return problem
    metadata = reader.metadata(key)
    if metadata is None:
        return f"{key} is not a JSON object"
    if key != metadata_key(k) or metadata.get("image") != turns.images[k]:
        return f"{key} names {metadata.get('image')}, not {turns.images[k]}"
    if metadata.get("turn", k) != k:
        return f"{key} says it is turn {metadata.get('turn')}"
    sha = metadata.get("image_sha256")
    if sha is not None and sha != reader.sha256(turns.images[k]):
        return f"{key} describes another {turns.images[k]} (its hash differs)"
    if turns.captions[k] is not None and metadata.get("generated_caption") != turns.captions[k]:
        return f"{key} holds another caption than the checkpoint"
    return _link_problem(reader, turns, k, metadata.get("image_origin"))


def _first_break(reader: _Reader, turns: _Turns) -> tuple[int, int | None, str | None]:
    """(intact turns, first broken turn, why), walking the chain from turn 0."""
    for k, key in enumerate(turns.images):
        if key != image_key(k):
            return k, k, f"the checkpoint names {key} as turn {k}"
        expected = turns.hashes.get(key) if turns.hashes is not None else None
        problem = _file_problem(reader, key, expected)
        if problem is None and k < len(turns.metadata):
            problem = _metadata_problem(reader, turns, k)
        elif problem is None:  # the last image, painted but not yet captioned
            problem = _link_problem(reader, turns, k, turns.last_origin)
        if problem is not None:
            return k, k, problem
    if len(turns.metadata) > len(turns.images):
        return len(turns.images), len(turns.images), "the checkpoint has metadata without image"
    return len(turns.metadata), None, None


def _turns_from_files(reader: _Reader) -> _Turns:
    """The chain the metadata files tell, for a run whose checkpoint is gone."""
    count = 0
    while metadata_key(count) in reader.files:
        count += 1
    return _Turns(
        images=[image_key(k) for k in range(count)],
        captions=[None] * count,
        metadata=[metadata_key(k) for k in range(count)],
        hashes=None,
        last_origin=None,
    )


def _load_checkpoint(store: Store) -> tuple[dict[str, Any] | None, str | None]:
    try:
        loaded = StoreStatePersister(store).load(None, None)
    except StorageError:
        return None, f"{STATE_KEY} is corrupt"
    return (dict(loaded) if loaded else None), None


def check_run(store: Store) -> ChainReport:
    """Verifies a run's chain from its files; makes no change and calls no model."""
    reader = _Reader(store)
    turn_files = {name for name in reader.files if TURN_FILE.match(name)}
    checkpoint, corrupt = _load_checkpoint(store)
    if checkpoint is None:
        # Without a checkpoint no turn is committed; turn files mean it was lost.
        reason = corrupt or (f"{STATE_KEY} is missing" if turn_files else None)
        intact, _, _ = _first_break(reader, _turns_from_files(reader))
        broken = 0 if reason else None
        return ChainReport(store.location, 0, intact, broken, reason, ())
    state = checkpoint["state"]
    turns = _Turns(
        images=list(state["image_keys"]),
        captions=list(state["captions"]),
        metadata=list(state["metadata_keys"]),
        hashes=state[HASHES] if HASHES in state else None,
        last_origin=state["image_origin"],
    )
    intact, broken, reason = _first_break(reader, turns)
    uncommitted = tuple(sorted(turn_files - set(turns.images) - set(turns.metadata)))
    return ChainReport(store.location, len(turns.captions), intact, broken, reason, uncommitted)


def discard_uncommitted(store: Store, report: ChainReport) -> None:
    """Deletes what an interrupted step left behind (files no checkpoint names, temporaries):
    a step that did not finish never happened."""
    for key in report.uncommitted:
        store.delete(key)
    store.clean_temporaries()


def _rebuilt_state(
    reader: _Reader, keep: int, manifest: dict[str, Any], old: dict[str, Any] | None
) -> dict[str, Any]:
    """The state after turn keep-1's analyze step, from the checkpoint or the run's files."""
    start = manifest["start"]
    images = [image_key(k) for k in range(keep)]
    metadata_keys = [metadata_key(k) for k in range(keep)]
    turns = [reader.metadata(key) or {} for key in metadata_keys]
    last = turns[-1]
    completion = {
        "text": last.get("generated_caption"),
        "usage": last.get("usage"),
        "latency_s": last.get("latency_s"),
        "parameters": last.get("caption_parameters"),
        "parameter_notes": last.get("parameter_notes"),
        "finish_reason": last.get("finish_reason"),
    }
    return {
        **(old or {}),
        "turns": manifest["turns_planned"],
        "start_image": start.get(
            "start_image", start["value"] if start["kind"] == "image" else None
        ),
        "start_text": start["value"] if start["kind"] != "image" else None,
        "image_keys": images,
        "captions": [turn.get("generated_caption") for turn in turns],
        "metadata_keys": metadata_keys,
        "caption_completion": completion,
        "image_origin": last.get("image_origin"),
        "next_prompt": last.get("next_prompt"),
        "rewrite_completion": last.get("rewrite"),
        HASHES: {key: reader.sha256(key) for key in [*images, *metadata_keys]},
    }


def repair_run(store: Store, run_name: str) -> ChainReport:
    """Truncates a run back to its last intact turn: later and uncommitted files move to
    .discarded/<UTC time>/, the checkpoint and run.json are rewritten. Returns the new check."""
    report = check_run(store)
    manifest = read_manifest(store)
    if manifest is None:
        raise StorageError(f"{store.location}: no run.json, so not a run; check the name and --out")
    checkpoint, _ = _load_checkpoint(store)
    keep = report.intact_turns
    reader = _Reader(store)
    persister = StoreStatePersister(store)
    kept = {image_key(k) for k in range(keep)} | {metadata_key(k) for k in range(keep)}
    discarded = sorted(name for name in reader.files if TURN_FILE.match(name) and name not in kept)
    if keep:
        old = dict(checkpoint["state"].get_all()) if checkpoint else None
        state = State(_rebuilt_state(reader, keep, manifest, old))
        sequence_id = checkpoint["sequence_id"] if checkpoint else 3 * keep
        persister.save(None, run_name, sequence_id, "analyze", state, "completed")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for key in discarded:
        store.write_bytes(f"{DISCARDED}/{stamp}/{key}", store.read_bytes(key), content_type(key))
        store.delete(key)
    if not keep and store.exists(STATE_KEY):
        store.delete(STATE_KEY)
    images = [image_key(k) for k in range(keep)]
    captions = [
        (reader.metadata(metadata_key(k)) or {}).get("generated_caption") for k in range(keep)
    ]
    hashes = {key: reader.sha256(key) for key in kept}
    metadata = [metadata_key(k) for k in range(keep)]
    repaired = with_progress(manifest, images, captions, metadata, hashes, status="repaired")
    repaired["repair"] = {
        "at": stamp,
        "reason": report.reason,
        "kept_turns": keep,
        "moved_to": f"{DISCARDED}/{stamp}/" if discarded else None,
        "discarded": discarded,
    }
    write_manifest(store, repaired)
    return check_run(store)
