"""Where games run: the executor protocol, the polling loop, and the thread pool (the default);
process_executor.py and ray_executor.py hold the other two."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from .coordinator import INTERRUPTED, Coordinator
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ProviderLimits

POLL_S = 0.25
Tick = Callable[[], None]


class Executor(Protocol):
    """Starts the shared coordinator, runs the games, and cleans up."""

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        """The services this process uses; coordinator_kwargs build the Coordinator."""

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        """Plays the games and returns their outcomes in the order of specs; calls tick while
        they run (to refresh a display)."""

    def close(self) -> None:
        """Releases what start made."""


def drive(poll: Callable[[], bool], coordinator: Any, tick: Tick) -> None:
    """Polls (True: games still running) and ticks until the games are done; Ctrl-C stops
    them after their current step (and the loop goes on until they have)."""
    more = True
    while more:
        try:
            more = poll()
            tick()
        except KeyboardInterrupt:
            coordinator.stop(INTERRUPTED)


class ThreadExecutor:
    """Games in a thread pool of `concurrency` threads, sharing one coordinator and client set."""

    def __init__(self, concurrency: int):
        self.concurrency = concurrency
        self.services: Services | None = None

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        setup: GameSetup,
    ) -> Services:
        self.services = Services.connect(Coordinator(**coordinator_kwargs), client_limits, setup)
        return self.services

    def run(self, specs: list[GameSpec], setup: GameSetup, tick: Tick) -> list[GameOutcome]:
        services = self.services
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="game") as pool:
            futures = [pool.submit(play_game, spec, setup, services) for spec in specs]
            pending: set[Future[GameOutcome]] = set(futures)

            def poll() -> bool:
                nonlocal pending
                _, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                return bool(pending)

            drive(poll, services.coordinator, tick)
        return [future.result() for future in futures]

    def close(self) -> None:
        self.services = None
