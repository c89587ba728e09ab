"""Games in several processes of this machine, each with a pool of threads: a thread pool alone
is bound by one core (the GIL), and a game turn costs milliseconds of CPU in the client stack.
One coordinator, in a multiprocessing manager, keeps the limits, budget and progress for all."""

from __future__ import annotations

import math
import os
import signal
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from multiprocessing.managers import BaseManager
from typing import Any

from .coordinator import Coordinator
from .executors import POLL_S, Tick, drive
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ProviderLimits


class _CoordinatorManager(BaseManager):
    """Serves one Coordinator to every process; its proxy has the same methods."""


_CoordinatorManager.register("Coordinator", Coordinator)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; only the main process acts on it (stop, drain).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _play_share(
    specs: list[GameSpec],
    setup: GameSetup,
    coordinator: Any,
    client_limits: dict[str, ProviderLimits],
    threads: int,
) -> list[GameOutcome]:
    services = Services.connect(coordinator, client_limits, setup)
    with ThreadPoolExecutor(threads, thread_name_prefix="game") as pool:
        return list(pool.map(lambda spec: play_game(spec, setup, services), specs))


class ProcessExecutor:
    """`processes` worker processes (default: the CPU count), concurrency games in all."""

    def __init__(self, concurrency: int, processes: int | None = None):
        self.concurrency = concurrency
        self.processes = max(1, min(processes or os.cpu_count() or 1, concurrency))
        self.manager: _CoordinatorManager | None = None
        self.coordinator: Any = None
        self.client_limits: dict[str, ProviderLimits] = {}

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        self.manager = _CoordinatorManager()
        self.manager.start(_ignore_interrupts)
        self.coordinator = self.manager.Coordinator(**coordinator_kwargs)
        self.client_limits = client_limits
        return Services.connect(self.coordinator, client_limits, setup)

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        shares = [specs[index :: self.processes] for index in range(self.processes)]
        threads = math.ceil(self.concurrency / self.processes)
        with ProcessPoolExecutor(self.processes, initializer=_ignore_interrupts) as pool:
            futures = [
                pool.submit(
                    _play_share, share, setup, self.coordinator, self.client_limits, threads
                )
                for share in shares
                if share
            ]
            drive(lambda: bool(wait(futures, timeout=POLL_S)[1]), self.coordinator, tick)
        by_name = {o.run_name: o for future in futures for o in future.result()}
        return [by_name[spec.run_name] for spec in specs]

    def close(self) -> None:
        if self.manager is not None:
            self.manager.shutdown()
            self.manager = None
