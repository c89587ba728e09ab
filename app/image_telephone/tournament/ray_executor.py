"""Games as Ray tasks (the optional `image-telephone[ray]` extra); one coordinator actor keeps
the per-provider limits, the budget and the progress for the whole cluster."""

from __future__ import annotations

import os
import uuid
from typing import Any

from image_telephone.errors import InputError

from .coordinator import Coordinator
from .executors import POLL_S, Tick, drive
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ProviderLimits

_FORWARDED_ENVIRONMENT = ("HAMILTON_TELEMETRY_ENABLED", "BURR_TELEMETRY_ENABLED")
# Each worker process keeps its services (clients, store) per tournament run.
_worker_services: dict[str, Services] = {}


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(
            "--executor ray: Ray is not installed; pip install 'image-telephone[ray]'"
        ) from None
    return ray


class ActorProxy:
    """Calls the coordinator actor's methods as if it were here (each call waits for its answer)."""

    def __init__(self, actor: Any):
        self.actor = actor

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self.actor, name)
        return lambda *args, **kwargs: _ray().get(method.remote(*args, **kwargs))


def _play_on_worker(
    spec: GameSpec,
    setup: GameSetup,
    actor: Any,
    client_limits: dict[str, ProviderLimits],
    session: str,
) -> GameOutcome:
    if session not in _worker_services:
        _worker_services[session] = Services.connect(ActorProxy(actor), client_limits, setup)
    return play_game(spec, setup, _worker_services[session])


class RayExecutor:
    """Runs up to `concurrency` games at once as Ray tasks, each asking for cpus_per_game CPUs."""

    def __init__(self, concurrency: int, address: str | None = None, cpus_per_game: float = 1.0):
        self.concurrency = concurrency
        self.address = address
        self.cpus_per_game = cpus_per_game
        self.session = uuid.uuid4().hex
        self.started_ray = False
        self.actor: Any = None
        self.client_limits: dict[str, ProviderLimits] = {}

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        ray = _ray()
        if not ray.is_initialized():
            environment = {k: os.environ[k] for k in _FORWARDED_ENVIRONMENT if k in os.environ}
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": environment},
            )
            self.started_ray = True
        # Threaded actor: a transport waiting at a gate must not block the other callers.
        actor_class = ray.remote(Coordinator).options(max_concurrency=2 * self.concurrency + 16)
        self.actor = actor_class.remote(**coordinator_kwargs)
        self.client_limits = client_limits
        return Services.connect(ActorProxy(self.actor), client_limits, setup)

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        ray = _ray()
        game = ray.remote(_play_on_worker).options(num_cpus=self.cpus_per_game, max_retries=0)
        queue, running, submitted = list(specs), [], []

        def poll() -> bool:
            while queue and len(running) < self.concurrency:
                spec = queue.pop(0)
                ref = game.remote(spec, setup, self.actor, self.client_limits, self.session)
                running.append(ref)
                submitted.append(ref)
            _, still_running = ray.wait(running, num_returns=1, timeout=POLL_S)
            running[:] = still_running
            return bool(running or queue)

        drive(poll, ActorProxy(self.actor), tick)
        return ray.get(submitted)

    def close(self) -> None:
        ray = _ray()
        if self.actor is not None:
            ray.kill(self.actor)
            self.actor = None
        if self.started_ray:
            ray.shutdown()
            self.started_ray = False
