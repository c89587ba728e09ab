"""Games in several processes of this machine, each with a pool of threads: a thread pool alone
is bound by one core (the GIL), and a game turn costs milliseconds of CPU in the client stack.
One coordinator, built on process-shared primitives, keeps the limits, budget and progress for
all; the workers inherit it when they start."""

from __future__ import annotations

import dataclasses
import gc
import os
import signal
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Any

from .coordinator import Coordinator
from .executors import POLL_S, Tick, drive
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ProviderLimits
from .shared import ProcessShared


class _NextGame:
    """The index of the next game to play, drawn by every thread of every worker process: a
    thread that finishes early takes the next game, whichever process it is in."""

    def __init__(self, shared: ProcessShared, games: int):
        self._lock = shared.lock()
        self._drawn = shared.numbers(1)
        self.games = games

    def draw(self) -> int | None:
        """The next game's index, or None when every game has been drawn."""
        with self._lock:
            index = int(self._drawn[0])
            if index >= self.games:
                return None
            self._drawn[0] = index + 1
            return index


@dataclasses.dataclass
class _Worker:
    """What a worker process plays with: its own services, the shared plan and counter."""

    services: Services
    specs: list[GameSpec]
    next_game: _NextGame


_worker: _Worker | None = None


def _start_worker(
    coordinator: Coordinator,
    client_limits: dict[str, ProviderLimits],
    setup: GameSetup,
    specs: list[GameSpec],
    next_game: _NextGame,
) -> None:
    global _worker
    # Ctrl-C reaches the whole process group; only the main process acts on it (stop, drain).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the worker inherited (modules, drivers, the plan) lives as long as it does: keeping
    # it out of the collector's full passes spares every thread ~100 ms pauses.
    gc.freeze()
    _worker = _Worker(Services.connect(coordinator, client_limits, setup), specs, next_game)


def _play_drawn_games(setup: GameSetup, threads: int) -> list[GameOutcome]:
    worker = _worker
    if worker is None:
        raise RuntimeError("a tournament worker process was started without _start_worker")

    def play_until_drawn() -> list[GameOutcome]:
        outcomes = []
        while (index := worker.next_game.draw()) is not None:
            outcomes.append(play_game(worker.specs[index], setup, worker.services))
        return outcomes

    with ThreadPoolExecutor(threads, thread_name_prefix="game") as pool:
        futures = [pool.submit(play_until_drawn) for _ in range(threads)]
    return [outcome for future in futures for outcome in future.result()]


class ProcessExecutor:
    """`processes` worker processes (default: twice the CPU count), concurrency games in all.

    Games mostly wait on the network, so more processes than cores pay off: each process's
    threads queue for its GIL when answers arrive together, and fewer threads queue for less."""

    def __init__(self, concurrency: int, processes: int | None = None):
        self.concurrency = concurrency
        self.processes = max(1, min(processes or 2 * (os.cpu_count() or 1), concurrency))
        self.shared = ProcessShared()
        self.coordinator: Coordinator | None = None
        self.client_limits: dict[str, ProviderLimits] = {}

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        self.coordinator = Coordinator(**coordinator_kwargs, shared=self.shared)
        self.client_limits = client_limits
        return Services.connect(self.coordinator, client_limits, setup)

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        processes = min(self.processes, len(specs)) or 1
        # concurrency threads in all, as even as can be: the first processes take one more
        threads = [
            self.concurrency // processes + (index < self.concurrency % processes)
            for index in range(processes)
        ]
        next_game = _NextGame(self.shared, len(specs))
        with ProcessPoolExecutor(
            processes,
            initializer=_start_worker,
            initargs=(self.coordinator, self.client_limits, setup, specs, next_game),
        ) as pool:
            futures = [pool.submit(_play_drawn_games, setup, count) for count in threads]
            drive(lambda: bool(wait(futures, timeout=POLL_S)[1]), self.coordinator, tick)
        by_name = {o.run_name: o for future in futures for o in future.result()}
        return [by_name[spec.run_name] for spec in specs]

    def close(self) -> None:
        self.coordinator = None
