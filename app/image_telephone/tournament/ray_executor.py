"""Games as Ray tasks (the optional `image-telephone[ray]` extra); one coordinator actor keeps
the per-provider limits, the budget and the progress for the whole cluster."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from typing import Any

from image_telephone.errors import InputError

from .coordinator import Coordinator
from .executors import POLL_S, Tick, drive
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ProviderLimits
from .ray_connect import INSTALL_RAY, probe, refused, resolve_address
from .ray_keys import WorkerClients, forwarded_values, keys_in_use

_FORWARDED_ENVIRONMENT = ("HAMILTON_TELEMETRY_ENABLED", "BURR_TELEMETRY_ENABLED")
# Each worker process keeps its services (clients, store) per tournament run.
_worker_services: dict[str, Services] = {}


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(f"--executor ray: Ray is not installed; {INSTALL_RAY}") from None
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
    needed_keys: frozenset[str],
    forwarded: dict[str, str],
) -> GameOutcome:
    os.environ.update(forwarded)  # only what the user opted to forward (--ray-forward-env)
    if session not in _worker_services:
        services = Services.connect(ActorProxy(actor), client_limits, setup)
        services.clients = WorkerClients(services.coordinator, client_limits, needed_keys)
        _worker_services[session] = services
    return play_game(spec, setup, _worker_services[session])


class RayExecutor:
    """Runs up to `concurrency` games at once as Ray tasks, each asking for cpus_per_game CPUs:
    on a new local Ray instance (stopped at the end) unless `address` names a cluster (see
    ray_connect.resolve_address), or on the connection of a process already connected to Ray.
    forward_env: variables (API keys) handed from here to the workers with the games."""

    def __init__(
        self,
        concurrency: int,
        address: str | None = None,
        cpus_per_game: float = 1.0,
        forward_env: Sequence[str] = (),
    ):
        self.concurrency = concurrency
        self.target = resolve_address(address)  # a bad address or no Ray Client support: here
        self.cpus_per_game = cpus_per_game
        self.forward_env = tuple(forward_env)
        self.session = uuid.uuid4().hex
        self.started_ray = False
        self.actor: Any = None
        self.client_limits: dict[str, ProviderLimits] = {}
        self.forwarded: Any = {}

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        ray = _ray()
        forwarded = forwarded_values(self.forward_env)
        if not ray.is_initialized():
            self._connect(ray)
        # Threaded actor: a transport waiting at a gate must not block the other callers.
        actor_class = ray.remote(Coordinator).options(max_concurrency=2 * self.concurrency + 16)
        self.actor = actor_class.remote(**coordinator_kwargs)
        self.client_limits = client_limits
        # In the object store once, not in a runtime_env (whose values Ray writes to its logs).
        self.forwarded = ray.put(forwarded)
        return Services.connect(ActorProxy(self.actor), client_limits, setup)

    def _connect(self, ray: Any) -> None:
        """Starts the local instance or joins the cluster; a missing one fails in one line."""
        probe(self.target)
        environment = {k: os.environ[k] for k in _FORWARDED_ENVIRONMENT if k in os.environ}
        try:
            ray.init(
                address=self.target.init_address,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": environment},
            )
        except ConnectionError as error:
            raise refused(self.target, error) from None
        self.started_ray = True

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        ray = _ray()
        game = ray.remote(_play_on_worker).options(num_cpus=self.cpus_per_game, max_retries=0)
        needed_keys = keys_in_use(specs)
        queue, running, submitted = list(specs), [], []

        def poll() -> bool:
            while queue and len(running) < self.concurrency:
                spec = queue.pop(0)
                ref = game.remote(
                    spec,
                    setup,
                    self.actor,
                    self.client_limits,
                    self.session,
                    needed_keys,
                    self.forwarded,
                )
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
        self.forwarded = {}
        if self.started_ray:
            ray.shutdown()
            self.started_ray = False
