"""The games of a tournament: their plan and stable run names, and playing one step by step."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from burr.core import Application

from image_telephone.errors import TelephoneError
from image_telephone.game.play import open_application
from image_telephone.game.settings import GameSettings
from image_telephone.store.manifest import read_manifest
from image_telephone.store.storage import Store, open_store

from .config import Endpoint, Tournament, game_settings
from .coordinator import COMPLETE, FAILED, SKIPPED, STOPPED, Coordinator
from .cost import PriceTable, embedding_usage
from .limits import ProviderLimits
from .prompts import Prompt
from .transport import ClientPool

# The Burr actions that call a model: the kind of call, which of the manifest's models, and
# the role (so the endpoint) that answers it.
_MODEL_STEPS = {
    "generate": ("image", "image_model", "painter"),
    "caption": ("caption", "caption_model", "captioner"),
    "analyze": ("embedding", "embeddings_model", "embedder"),
}


@dataclasses.dataclass(frozen=True)
class GameSpec:
    """One game: a captioner, a painter, a prompt and a seed, under a stable run name; each
    role (captioner, painter, embedder) calls its own endpoint."""

    captioner: str
    painter: str
    prompt: Prompt
    seed: int
    endpoints: dict[str, Endpoint]
    settings: GameSettings
    run_name: str

    @property
    def endpoint(self) -> Endpoint:
        """The captioner's endpoint; `endpoints` has each role's."""
        return self.endpoints["captioner"]


@dataclasses.dataclass(frozen=True)
class GameSetup:
    """What every game of the tournament shares (picklable, for Ray workers)."""

    out: str
    s3_endpoint: str | None
    turns: int
    tracker: bool | str
    project: str
    prices: PriceTable


@dataclasses.dataclass(frozen=True)
class GameOutcome:
    """How a game ended in this run of the tournament."""

    run_name: str
    status: str
    turns_done: int
    reason: str | None = None


@dataclasses.dataclass
class Services:
    """A process's handles: the coordinator (or its proxy), its clients and the store."""

    coordinator: Coordinator
    clients: ClientPool
    root: Store

    @classmethod
    def connect(
        cls, coordinator: Any, client_limits: dict[str, ProviderLimits], setup: GameSetup
    ) -> Services:
        """This process's services around the tournament's coordinator (here, or a proxy)."""
        clients = ClientPool(coordinator, client_limits)
        return cls(coordinator, clients, open_store(setup.out, setup.s3_endpoint))


def run_name(captioner: str, painter: str, prompt: Prompt, settings: GameSettings) -> str:
    """Readable and stable: the pair, prompt and seed, plus a hash of everything that shapes it."""
    identity = json.dumps({"settings": settings.as_record(), "prompt": prompt.text}, sort_keys=True)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]
    return f"{captioner}--{painter}--{prompt.id}--s{settings.seed}--{digest}"


def plan_games(tournament: Tournament) -> list[GameSpec]:
    """Every captioner against every painter on every prompt and seed, prompt by prompt."""
    specs = []
    for prompt in tournament.prompts:
        for seed in tournament.seeds:
            for captioner in tournament.captioners:
                for painter in tournament.painters:
                    settings = game_settings(captioner, painter, tournament.embedder, seed)
                    specs.append(
                        GameSpec(
                            captioner=captioner.name,
                            painter=painter.name,
                            prompt=prompt,
                            seed=seed,
                            endpoints={
                                "captioner": captioner.endpoint,
                                "painter": painter.endpoint,
                                "embedder": tournament.embedder.endpoint,
                            },
                            settings=settings,
                            run_name=run_name(captioner.name, painter.name, prompt, settings),
                        )
                    )
    return specs


def is_finished(manifest: dict[str, Any] | None, turns: int) -> bool:
    """Whether a saved run has played all the tournament's turns."""
    return (
        manifest is not None
        and manifest["status"] == "complete"
        and manifest["turns_done"] >= turns
    )


def play_game(spec: GameSpec, setup: GameSetup, services: Services) -> GameOutcome:
    """Plays (or resumes, or skips when finished) one game; errors become a failed outcome."""
    outcome = _outcome(spec, setup, services)
    services.coordinator.game_done(outcome.status)
    return outcome


def _outcome(spec: GameSpec, setup: GameSetup, services: Services) -> GameOutcome:
    store = services.root.child(spec.run_name)
    try:
        saved = read_manifest(store)
        if is_finished(saved, setup.turns):
            return GameOutcome(spec.run_name, COMPLETE, saved["turns_done"])
        return _play(spec, setup, services, store)
    except TelephoneError as error:
        return GameOutcome(spec.run_name, FAILED, _turns_saved(store), str(error))
    except Exception as error:  # one game's surprise must never stop the others
        reason = f"{type(error).__name__}: {error}"
        return GameOutcome(spec.run_name, FAILED, _turns_saved(store), reason)


def _play(spec: GameSpec, setup: GameSetup, services: Services, store: Store) -> GameOutcome:
    coordinator = services.coordinator
    if coordinator.stop_reason() is not None:
        return GameOutcome(spec.run_name, SKIPPED, _turns_saved(store), coordinator.stop_reason())
    with open_application(
        text=spec.prompt.text,
        turns=setup.turns,
        settings=spec.settings,
        run_name=spec.run_name,
        out=setup.out,
        s3_endpoint=setup.s3_endpoint,
        tracker=setup.tracker,
        project=setup.project,
        # Each role's calls go through its endpoint's one client (its gate, limits and key).
        openai_clients={
            role: services.clients.client(endpoint) for role, endpoint in spec.endpoints.items()
        },
    ) as app:
        return _play_steps(app, spec, setup, services, store)


def _play_steps(
    app: Application, spec: GameSpec, setup: GameSetup, services: Services, store: Store
) -> GameOutcome:
    coordinator = services.coordinator
    models = read_manifest(store)["models"]
    steps = 0
    while (action := app.get_next_action()) is not None:
        kind, model_key, role = _MODEL_STEPS.get(action.name, (None, None, "captioner"))
        model = models[model_key] if model_key else ""
        reserved = coordinator.reserve(kind, model) if kind else 0.0
        if reserved is None:  # the budget or an interrupt: stop before this step
            status = STOPPED if steps else SKIPPED
            turns = len(app.state["metadata_keys"])
            return GameOutcome(spec.run_name, status, turns, coordinator.stop_reason())
        actual = None
        try:
            _, _, state = app.step()
            actual = _step_cost(setup.prices, action.name, state, model) if kind else None
        finally:
            if kind:
                coordinator.settle(kind, model, reserved, actual)
        steps += 1
        endpoint = spec.endpoints[role].label  # the step's own: offline calls count there
        coordinator.step_done(endpoint, action.name, called_model=kind is not None)
    return GameOutcome(spec.run_name, COMPLETE, len(app.state["metadata_keys"]))


def _step_cost(prices: PriceTable, step: str, state: Any, model: str) -> float:
    """The estimated cost of the call the step just made, from the usage it put in state."""
    if step == "generate":
        origin = state["image_origin"]
        return prices.cost("image", origin["image_model"], origin["usage"])
    if step == "caption":
        return prices.cost("caption", model, state["caption_completion"]["usage"])
    return prices.cost("embedding", model, embedding_usage(state["captions"][-1]))


def _turns_saved(store: Store) -> int:
    try:
        manifest = read_manifest(store)
    except TelephoneError:
        return 0
    return manifest["turns_done"] if manifest else 0
