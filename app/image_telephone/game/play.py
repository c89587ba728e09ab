"""The Python API: build the Burr application for a run, or play it to the end."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import re
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from burr.core import Application

from image_telephone.errors import InputError, RunConflictError, StorageError, TelephoneError
from image_telephone.game.actions import entrypoint, game_builder, initial_state
from image_telephone.game.channel import Channel
from image_telephone.game.defaults import DEFAULT_PROJECT
from image_telephone.game.hooks import CommitHook, FlushHook, ProgressHook, TurnEvent
from image_telephone.game.settings import GameSettings, default_provider
from image_telephone.game.tracking import for_run, make_tracker
from image_telephone.interrupts import signals_as_interrupts
from image_telephone.redaction import redact_url
from image_telephone.store.artifacts import HASHES, content_type
from image_telephone.store.chain import check_run, discard_uncommitted
from image_telephone.store.checkpoint import StoreStatePersister
from image_telephone.store.manifest import (
    describe_start,
    new_manifest,
    read_manifest,
    with_progress,
    with_status,
    write_manifest,
)
from image_telephone.store.run_lock import RunLock, acquire_run_lock, discard_unused_run
from image_telephone.store.storage import DEFAULT_OUT, Store, open_store, validate_run_name
from image_telephone.store.uploads import PipelinedStore

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class GameResult:
    """A finished (or resumed-and-finished) game: where it lives and its chain of captions
    (image_telephone.GameResult adds its metrics and plots)."""

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
    return f"{words.strip('-') or 'game'}-{settings.label}-{digest}"


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
            target.write_bytes(key, source.read_bytes(key), content_type(key))
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
        from image_telephone.store.s3_store import make_s3_client

        return make_s3_client(s3_endpoint)
    return None


@dataclasses.dataclass(frozen=True)
class _PreparedGame:
    app: Application
    store: Store
    commit_hook: CommitHook
    lock: RunLock


def _verified(store: Store, run_name: str) -> None:
    """Checks the saved chain before any model is called; clears an interrupted step's files."""
    report = check_run(store)
    if not report.intact:
        raise StorageError(
            f"run {run_name!r}: turn {report.broken_turn} is broken ({report.reason}); "
            f"run `image-telephone check {run_name} --repair` to go back to turn "
            f"{report.intact_turns - 1 if report.intact_turns else 'zero'}"
        )
    discard_uncommitted(store, report)


def _resumed_manifest(store: Store, saved: dict[str, Any], turns: int) -> dict[str, Any]:
    """The saved manifest brought up to the checkpoint (a kill may have come between them)."""
    manifest = {**saved, "turns_planned": turns}
    checkpoint = StoreStatePersister(store).load(None, None)
    if checkpoint is None:
        return with_progress(manifest, [], [], [], {}, status="running")
    state = checkpoint["state"]
    # Asked for no more turns than it has (e.g. -n lowered): it stays complete.
    status = "complete" if len(state["metadata_keys"]) >= turns else "running"
    progress = (state["image_keys"], state["captions"], state["metadata_keys"], state[HASHES])
    return with_progress(manifest, *progress, status=status)


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
    openai_clients: dict[str, Any] | None = None,
    **options: Any,
) -> _PreparedGame:
    _validate_start(image, text, turns)
    settings = _resolve_settings(settings, options).resolved()
    start = describe_start(image, text)
    run_name = validate_run_name(
        _default_run_name(start, settings) if run_name is None else run_name
    )
    root = open_store(out, s3_endpoint)
    store = root.child(run_name)
    root.check_writable()
    tracking_client = make_tracker(tracker, project, s3_endpoint)  # fails before any write
    held = _HeldRun(run_name, store, acquire_run_lock(store), None)
    try:
        held = _checked(held, root, start, settings, fork)
        return _built(
            held,
            root,
            start,
            settings,
            image,
            text,
            turns,
            tracking_client,
            on_step,
            dict(
                api_key=api_key,
                s3_endpoint=s3_endpoint,
                openai_client=openai_client,
                openai_clients=openai_clients,
            ),
        )
    except BaseException:
        held.lock.release()
        discard_unused_run(held.store)
        raise


@dataclasses.dataclass(frozen=True)
class _HeldRun:
    """A run this process holds: its name, store, lock and saved manifest (None: new)."""

    name: str
    store: Store
    lock: RunLock
    saved: dict[str, Any] | None


def _checked(
    held: _HeldRun, root: Store, start: dict[str, str], settings: GameSettings, fork: bool
) -> _HeldRun:
    """The run to play: the saved one if its settings match and its chain verifies, else its
    fork (then held instead of it); a conflict without fork=True is refused."""
    run_name, store = held.name, held.store
    saved = read_manifest(store)
    differences: list[str] = []
    if saved is not None:
        saved_settings = GameSettings.from_record(saved["settings"]).resolved()
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
    _verified(store, run_name)
    if saved is None or not differences:
        return dataclasses.replace(held, saved=saved)
    fork_name, fork_store = _fork(root, run_name, store)
    fork_lock = acquire_run_lock(fork_store)
    held.lock.release()
    saved = {
        **saved,
        "run_name": fork_name,
        "settings": settings.as_record(),
        "forked_from": saved["run_name"],
    }
    return _HeldRun(fork_name, fork_store, fork_lock, saved)


def _built(
    held: _HeldRun,
    root: Store,
    start: dict[str, str],
    settings: GameSettings,
    image: str | None,
    text: str | None,
    turns: int,
    tracking_client: Any,
    on_step: Callable[[TurnEvent], None] | None,
    clients: dict[str, Any],
) -> _PreparedGame:
    """The Burr application of the held run, its manifest written."""
    run_name, store, lock, saved = held.name, held.store, held.lock, held.saved
    channel = Channel(
        settings,
        api_key=clients["api_key"],
        s3_client=_s3_client_for(root, image, clients["s3_endpoint"]),
        openai_client=clients["openai_client"],
        openai_clients=clients["openai_clients"],
    )
    if saved is None:
        if image is not None:
            channel.load_image(image)  # fail on a bad start before anything is written
        models = channel.models()
        manifest = new_manifest(run_name, start, settings.as_record(), models, turns)
        manifest["roles"] = channel.roles(models)  # provider, model and endpoint of each role
    else:
        manifest = _resumed_manifest(store, saved, turns)
    write_manifest(store, manifest)  # before the game is handed out, the run exists
    # During the game, remote writes land in the background, in order, and each step waits for
    # them at its end; local writes are quicker than handing them to another thread.
    game_store: Store = PipelinedStore(store) if store.remote else store
    persister = StoreStatePersister(game_store)
    commit_hook = CommitHook(game_store, persister, manifest, lock)
    hooks: list[Any] = [commit_hook]
    if isinstance(game_store, PipelinedStore):
        hooks.append(FlushHook(game_store))
    if on_step is not None:
        hooks.append(ProgressHook(on_step))
    builder = (
        game_builder(channel, game_store, start_url=image)
        .with_identifiers(app_id=run_name)
        .initialize_from(
            persister,
            resume_at_next_action=True,
            default_state=initial_state(turns, redact_url(image) if image else None, text),
            default_entrypoint=entrypoint(image, text),
            override_state_values={"turns": turns},
        )
        .with_hooks(*hooks)
    )
    if tracking_client is not None:
        builder = builder.with_tracker(for_run(tracking_client, store))
    return _PreparedGame(builder.build(), store, commit_hook, lock)


def build_application(image: str | None = None, **kwargs: Any) -> Application:
    """The Burr application of a run, new or resumed; it holds the run's lock while it lives.

    Keyword arguments: text, turns, settings (a GameSettings) or its fields as options
    (provider, descriptiveness, seed, …), run_name, out, s3_endpoint, fork, tracker (True, False
    or "s3://bucket"), project, on_step, api_key, openai_client (a ready client, e.g. shared),
    openai_clients (a ready client per role: captioner, painter, embedder).
    """
    prepared = _prepare(image, **kwargs)
    weakref.finalize(prepared.app, prepared.lock.release)
    return prepared.app


@contextlib.contextmanager
def open_application(image: str | None = None, **kwargs: Any) -> Iterator[Application]:
    """The Burr application of a run (see build_application), holding the run's lock until the
    block ends rather than until the application is garbage-collected."""
    prepared = _prepare(image, **kwargs)
    with prepared.lock:
        yield prepared.app


def _record_stop(prepared: _PreparedGame, status: str, reason: str | None) -> None:
    """Marks the run failed or interrupted in run.json, keeping the turns it committed."""
    store = prepared.commit_hook.store  # after the game's queued writes, if it queues them
    try:
        write_manifest(store, with_status(prepared.commit_hook.manifest, status, reason))
        if isinstance(store, PipelinedStore):
            store.flush()
    except TelephoneError as error:
        logger.error("could not mark run %s %s: %s", prepared.store.location, status, error)


def play(image: str | None = None, **kwargs: Any) -> GameResult:
    """Plays (or resumes) a game to its last turn and returns the chain; see build_application.
    Run from the main thread, SIGTERM and SIGHUP stop it like Ctrl-C: the step under way is not
    committed, and the same call resumes it."""
    with signals_as_interrupts():
        prepared = _prepare(image, **kwargs)
        with prepared.lock:
            state = prepared.app.state
            try:
                if len(state["captions"]) < state["turns"]:
                    _, _, state = prepared.app.run(halt_after=["terminal"])
            except TelephoneError as error:
                _record_stop(prepared, "failed", str(error))
                raise
            except KeyboardInterrupt:
                _record_stop(prepared, "interrupted", None)
                raise
    manifest = prepared.commit_hook.manifest
    return GameResult(
        run_name=manifest["run_name"],
        location=prepared.store.location,
        captions=list(state["captions"]),
        images=list(state["image_keys"]),
        manifest=manifest,
        store=prepared.store,
    )
