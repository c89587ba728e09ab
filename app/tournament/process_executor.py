"""Games in several processes of this machine, each with a pool of threads: a thread pool alone
is bound by one core (the GIL), and a game turn costs milliseconds of CPU in the client stack.
One coordinator, built on process-shared primitives, keeps the limits, budget and progress for
all; the workers inherit it when they start."""

from __future__ import annotations

import math
import os
import signal
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Any

from .coordinator import Coordinator
from .executors import POLL_S, Tick, drive
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ProviderLimits
from .shared import ProcessShared

_worker_services: Services | None = None  # a worker process's own (its clients, its store)


def _start_worker(
    coordinator: Coordinator, client_limits: dict[str, ProviderLimits], setup: GameSetup
) -> None:
    global _worker_services
    # Ctrl-C reaches the whole process group; only the main process acts on it (stop, drain).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_services = Services.connect(coordinator, client_limits, setup)


def _play_share(specs: list[GameSpec], setup: GameSetup, threads: int) -> list[GameOutcome]:
    services = _worker_services
    if services is None:
        raise RuntimeError("a tournament worker process was started without _start_worker")
    with ThreadPoolExecutor(threads, thread_name_prefix="game") as pool:
        return list(pool.map(lambda spec: play_game(spec, setup, services), specs))


class ProcessExecutor:
    """`processes` worker processes (default: twice the CPU count), concurrency games in all.

    Games mostly wait on the network, so more processes than cores pay off: each process's
    threads queue for its GIL when answers arrive together, and fewer threads queue for less."""

    def __init__(self, concurrency: int, processes: int | None = None):
        self.concurrency = concurrency
        self.processes = max(1, min(processes or 2 * (os.cpu_count() or 1), concurrency))
        self.coordinator: Coordinator | None = None
        self.client_limits: dict[str, ProviderLimits] = {}

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        self.coordinator = Coordinator(**coordinator_kwargs, shared=ProcessShared())
        self.client_limits = client_limits
        return Services.connect(self.coordinator, client_limits, setup)

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        shares = [specs[index :: self.processes] for index in range(self.processes)]
        threads = math.ceil(self.concurrency / self.processes)
        with ProcessPoolExecutor(
            self.processes,
            initializer=_start_worker,
            initargs=(self.coordinator, self.client_limits, setup),
        ) as pool:
            futures = [pool.submit(_play_share, share, setup, threads) for share in shares if share]
            drive(lambda: bool(wait(futures, timeout=POLL_S)[1]), self.coordinator, tick)
        by_name = {o.run_name: o for future in futures for o in future.result()}
        return [by_name[spec.run_name] for spec in specs]

    def close(self) -> None:
        self.coordinator = None
