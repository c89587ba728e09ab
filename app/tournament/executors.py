"""Where games run: a thread pool in this process, or Ray tasks (see ray_executor.py)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from ..storage import Store
from .coordinator import INTERRUPTED, Coordinator
from .games import GameOutcome, GameSetup, GameSpec, Services, play_game
from .limits import ClientPool, ProviderLimits

POLL_S = 0.25
Report = Callable[[list[GameOutcome]], None]


class Executor(Protocol):
    """Starts the shared coordinator, runs the games, and cleans up."""

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        root: Store,
    ) -> Services:
        """The services this process uses; coordinator_kwargs build the Coordinator."""

    def run(self, specs: list[GameSpec], setup: GameSetup, report: Report) -> list[GameOutcome]:
        """Plays the games; report gets finished outcomes (often none) every poll."""

    def close(self) -> None:
        """Releases what start made."""


def drive(poll: Callable[[], tuple[list[GameOutcome], bool]], coordinator: Any, report: Report):
    """Polls until no game is left; Ctrl-C stops the games after their current step."""
    outcomes: list[GameOutcome] = []
    more = True
    while more:
        try:
            finished, more = poll()
        except KeyboardInterrupt:
            coordinator.stop(INTERRUPTED)
            continue
        outcomes += finished
        report(finished)
    return outcomes


class ThreadExecutor:
    """Games in a thread pool of `concurrency` threads, sharing one coordinator and client set."""

    def __init__(self, concurrency: int):
        self.concurrency = concurrency
        self.services: Services | None = None

    def start(
        self,
        coordinator_kwargs: dict[str, Any],
        client_limits: dict[str, ProviderLimits],
        root: Store,
    ) -> Services:
        coordinator = Coordinator(**coordinator_kwargs)
        self.services = Services(coordinator, ClientPool(coordinator, client_limits), root)
        return self.services

    def run(self, specs: list[GameSpec], setup: GameSetup, report: Report) -> list[GameOutcome]:
        services = self.services
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="game") as pool:
            pending: set[Future[GameOutcome]] = {
                pool.submit(play_game, spec, setup, services) for spec in specs
            }

            def poll() -> tuple[list[GameOutcome], bool]:
                nonlocal pending
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                return [future.result() for future in done], bool(pending)

            return drive(poll, services.coordinator, report)

    def close(self) -> None:
        self.services = None
