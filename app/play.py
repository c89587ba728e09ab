"""The Python API: build the Burr application for a run, or play it to the end."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from burr.core import Application

from .channel import Channel
from .checkpoint import StoreStatePersister
from .errors import InputError, RunConflictError
from .game import entrypoint, game_builder, initial_state
from .hooks import ArtifactHook, FlushHook, ManifestHook, ProgressHook, TurnEvent
from .manifest import describe_start, new_manifest, read_manifest, write_manifest
from .settings import GameSettings, default_provider
from .storage import Store, open_store, validate_run_name
from .tracking import make_tracker
from .uploads import PipelinedStore

DEFAULT_PROJECT = "image-telephone"
DEFAULT_OUT = "runs"


@dataclasses.dataclass(frozen=True)
class GameResult:
    """A finished (or resumed-and-finished) game: where it lives and its chain of captions."""

    run_name: str
    location: str
    captions: list[str]
    images: list[str]
    manifest: dict[str, Any]
    store: Store = dataclasses.field(repr=False)

    @property
    def chain(self) -> list[tuple[str, str | None]]:
        """(image URI, its caption) pairs in turn order."""
        return [
            (self.store.uri(key), self.captions[i] if i < len(self.captions) else None)
            for i, key in enumerate(self.images)
        ]

    def metadata(self, turn: int) -> dict[str, Any]:
        """The metadata JSON of a turn (caption, prompt, model, usage, embedding…)."""
        return orjson.loads(self.store.read_bytes(self.manifest["turns"][turn]["metadata"]))

    def metrics(self, **options: Any) -> Any:
        """Drift metrics, one row per turn, as a pandas DataFrame (docs/analysis.md)."""
        from .analysis import metrics_frame

        return metrics_frame(self, **options)

    def plot(self, kind: str = "drift", **options: Any) -> Any:
        """The drift curves ('drift') or the caption path ('path') as a matplotlib Figure."""
        from .analysis import plot

        return plot(self, kind, **options)


def _resolve_settings(settings: GameSettings | None, options: dict[str, Any]) -> GameSettings:
    if settings is not None and options:
        raise InputError(f"pass either settings= or options ({', '.join(options)}), not both")
    if settings is not None:
        return settings
    if options.get("provider") is None:
        options["provider"] = default_provider()[0]
    return GameSettings(**options)


def _validate_start(image: str | None, text: str | None, turns: int) -> None:
    if image is None and text is None:
        raise InputError("start: give an image (path or URI), a text prompt, or both")
    if text is not None and not text.strip():
        raise InputError("text prompt: is empty; give the words to start from")
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise InputError(f"turns {turns!r}: must be a whole number of at least 1")


def _default_run_name(start: dict[str, str], settings: GameSettings) -> str:
    """'<start words>-<provider>-<hash of start and settings>': the same command names the same
    run, so running it again resumes it."""
    words = re.sub(r"[^a-z0-9]+", "-", Path(start["value"]).stem.lower()).strip("-")[:32]
    identity = json.dumps([start, settings.as_record()], sort_keys=True).encode("utf-8")
    digest = hashlib.blake2b(identity, digest_size=4).hexdigest()
    return f"{words.strip('-') or 'game'}-{settings.provider}-{digest}"


def _fork(root: Store, run_name: str, source: Store) -> tuple[str, Store]:
    """Copies a run's finished artifacts and checkpoint to the first free '<run>-fork-N'."""
    taken = set(root.children())
    fork_name = next(
        f"{run_name}-fork-{n}" for n in range(1, 10_000) if f"{run_name}-fork-{n}" not in taken
    )
    target = root.child(fork_name)
    checkpoint = StoreStatePersister(source).load(None, None)
    if checkpoint is not None:
        state = checkpoint["state"]
        for key in [*state["image_keys"], *state["metadata_keys"]]:
            target.write_bytes(key, source.read_bytes(key), _content_type(key))
        StoreStatePersister(target).save(
            checkpoint["partition_key"],
            fork_name,
            checkpoint["sequence_id"],
            checkpoint["position"],
            state,
            checkpoint["status"],
        )
    return fork_name, target


def _s3_client_for(root: Store, image: str | None, s3_endpoint: str | None) -> Any:
    """The S3 client the caption dataflow reads s3:// images with: the store's own, if any."""
    if getattr(root, "client", None) is not None:
        return root.client
    if image is not None and image.startswith("s3://"):
        from .s3_store import make_s3_client

        return make_s3_client(s3_endpoint)
    return None


def _content_type(key: str) -> str:
    return "image/png" if key.endswith(".png") else "application/json"


@dataclasses.dataclass(frozen=True)
class _PreparedGame:
    app: Application
    store: Store
    manifest_hook: ManifestHook


def _prepare(
    image: str | None = None,
    *,
    text: str | None = None,
    turns: int = 5,
    settings: GameSettings | None = None,
    run_name: str | None = None,
    out: str = DEFAULT_OUT,
    s3_endpoint: str | None = None,
    fork: bool = False,
    tracker: bool | str = True,
    project: str = DEFAULT_PROJECT,
    on_step: Callable[[TurnEvent], None] | None = None,
    api_key: str | None = None,
    openai_client: Any = None,
    **options: Any,
) -> _PreparedGame:
    _validate_start(image, text, turns)
    settings = _resolve_settings(settings, options)
    start = describe_start(image, text)
    run_name = validate_run_name(
        _default_run_name(start, settings) if run_name is None else run_name
    )
    root = open_store(out, s3_endpoint)
    store = root.child(run_name)
    root.check_writable()
    saved = read_manifest(store)
    if saved is not None:
        saved_settings = GameSettings.from_record(saved["settings"])
        differences = saved_settings.differences(settings)
        if saved["start"] != start:
            differences.insert(0, f"start: {saved['start']['value']!r} -> {start['value']!r}")
        if differences and not fork:
            raise RunConflictError(
                f"run {run_name!r} exists with other settings ({'; '.join(differences)}); "
                "repeat its settings to resume, choose another --run-name, or pass --fork"
            )
        if differences and saved_settings.mode != settings.mode:
            # The saved position may be a step the other mode's graph does not have.
            raise RunConflictError(
                f"run {run_name!r}: --fork cannot change the mode ({saved_settings.mode} -> "
                f"{settings.mode}); start a new run instead"
            )
        if differences:
            run_name, store = _fork(root, run_name, store)
            saved = {
                **saved,
                "run_name": run_name,
                "settings": settings.as_record(),
                "forked_from": saved["run_name"],
            }
    channel = Channel(
        settings,
        api_key=api_key,
        s3_client=_s3_client_for(root, image, s3_endpoint),
        openai_client=openai_client,
    )
    if saved is None:
        if image is not None:
            channel.load_image(image)  # fail on a bad start before anything is written
        manifest = new_manifest(run_name, start, settings.as_record(), channel.models(), turns)
    else:
        manifest = {**saved, "turns_planned": turns}
    write_manifest(store, manifest)  # before the game is handed out, the run exists
    # During the game, remote writes land in the background, in order, and each step waits for
    # them at its end; local writes are quicker than handing them to another thread.
    game_store: Store = PipelinedStore(store) if store.remote else store
    persister = StoreStatePersister(game_store)
    manifest_hook = ManifestHook(game_store, manifest)
    hooks: list[Any] = [ArtifactHook(game_store), manifest_hook]
    if isinstance(game_store, PipelinedStore):
        hooks.append(FlushHook(game_store))
    if on_step is not None:
        hooks.append(ProgressHook(on_step))
    builder = (
        game_builder(channel, game_store)
        .with_identifiers(app_id=run_name)
        .initialize_from(
            persister,
            resume_at_next_action=True,
            default_state=initial_state(turns, image, text),
            default_entrypoint=entrypoint(image, text),
            override_state_values={"turns": turns},
        )
        .with_state_persister(persister)
        .with_hooks(*hooks)
    )
    tracking_client = make_tracker(tracker, project, s3_endpoint)
    if tracking_client is not None:
        builder = builder.with_tracker(tracking_client)
    return _PreparedGame(builder.build(), store, manifest_hook)


def build_application(image: str | None = None, **kwargs: Any) -> Application:
    """The Burr application of a run, new or resumed.

    Keyword arguments: text, turns, settings (a GameSettings) or its fields as options
    (provider, descriptiveness, seed, …), run_name, out, s3_endpoint, fork, tracker (True, False
    or "s3://bucket"), project, on_step, api_key, openai_client (a ready client, e.g. shared).
    """
    return _prepare(image, **kwargs).app


def play(image: str | None = None, **kwargs: Any) -> GameResult:
    """Plays (or resumes) a game to its last turn and returns the chain; see build_application."""
    prepared = _prepare(image, **kwargs)
    state = prepared.app.state
    if len(state["captions"]) < state["turns"]:
        _, _, state = prepared.app.run(halt_after=["terminal"])
    manifest = prepared.manifest_hook.manifest
    return GameResult(
        run_name=manifest["run_name"],
        location=prepared.store.location,
        captions=list(state["captions"]),
        images=list(state["image_keys"]),
        manifest=manifest,
        store=prepared.store,
    )
