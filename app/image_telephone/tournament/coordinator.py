"""What a tournament's games share: one gate per endpoint, the budget, progress, a stop flag.

Safe for threads; built with ProcessShared primitives it is safe for worker processes too (the
process executor), and on Ray it lives in an actor that games call through a proxy.
"""

from __future__ import annotations

from typing import Any

from .cost import Budget, PriceTable
from .limits import Gate, ProviderLimits
from .shared import THREADS, Shared

COST_LIMIT = "cost limit reached"
INTERRUPTED = "interrupted"
_STOP_REASONS = (COST_LIMIT, INTERRUPTED)  # kept as a number: index + 1, 0 while running
COMPLETE, FAILED, STOPPED, SKIPPED = "complete", "failed", "stopped", "skipped"
GAME_STATUSES = (COMPLETE, FAILED, STOPPED, SKIPPED)
_TURNS_DONE, _STOP, _GAMES = 0, 1, 2  # then one number per game status


class Coordinator:
    """Shared state of one tournament run."""

    def __init__(
        self,
        limits: dict[str, ProviderLimits],
        prices: PriceTable,
        max_cost: float | None,
        spent: float = 0.0,
        turns_done: int = 0,
        offline_endpoints: tuple[str, ...] = (),
        shared: Shared = THREADS,
    ):
        self.gates = {
            endpoint: Gate(endpoint_limits, shared) for endpoint, endpoint_limits in limits.items()
        }
        self.budget = Budget(prices, max_cost, spent, shared)
        self._lock = shared.lock()
        self._numbers = shared.numbers(_GAMES + len(GAME_STATUSES))
        self._numbers[_TURNS_DONE] = turns_done
        # Endpoints without HTTP (offline) have no gate to count calls: their model steps count.
        self._offline = {endpoint: index for index, endpoint in enumerate(offline_endpoints)}
        self._model_steps = shared.numbers(len(offline_endpoints))

    def enter(self, endpoint: str) -> None:
        """Waits for the endpoint's gate (called by the transport before each attempt)."""
        self.gates[endpoint].enter()

    def leave(
        self, endpoint: str, status: int | None, retry: bool, retry_after_s: float | None
    ) -> None:
        """Records the attempt's outcome at the endpoint's gate."""
        self.gates[endpoint].leave(status, retry, retry_after_s)

    def reserve(self, kind: str, model: str) -> float | None:
        """Reserves a call's expected cost; None when the tournament must not make it."""
        if self.stop_reason() is not None:
            return None
        reserved = self.budget.reserve(kind, model)
        if reserved is None:
            self.stop(COST_LIMIT)
        return reserved

    def settle(self, kind: str, model: str, reserved: float, actual: float | None) -> None:
        """Books a finished call's cost."""
        self.budget.settle(kind, model, reserved, actual)

    def step_done(self, endpoint: str, step: str, called_model: bool) -> None:
        """Counts a finished game step (a turn ends with 'analyze') and, for an endpoint without
        HTTP, the model call it made."""
        with self._lock:
            self._numbers[_TURNS_DONE] += step == "analyze"
            if endpoint in self._offline and called_model:
                self._model_steps[self._offline[endpoint]] += 1

    def game_done(self, status: str) -> None:
        """Counts a game that ended (complete, failed, stopped or skipped)."""
        with self._lock:
            self._numbers[_GAMES + GAME_STATUSES.index(status)] += 1

    def stop(self, reason: str) -> None:
        """No game starts another step after this (the first reason sticks); reason is
        COST_LIMIT or INTERRUPTED."""
        with self._lock:
            if not self._numbers[_STOP]:
                self._numbers[_STOP] = _STOP_REASONS.index(reason) + 1

    def stop_reason(self) -> str | None:
        """Why the tournament is stopping, or None."""
        with self._lock:
            code = int(self._numbers[_STOP])
        if not code:
            return None
        reason = _STOP_REASONS[code - 1]
        return f"{reason} (${self.budget.limit:g})" if reason == COST_LIMIT else reason

    def snapshot(self) -> dict[str, Any]:
        """Progress and per-endpoint counters, for the live display and the summary."""
        with self._lock:
            turns_done = int(self._numbers[_TURNS_DONE])
            games = {
                status: int(self._numbers[_GAMES + index])
                for index, status in enumerate(GAME_STATUSES)
                if self._numbers[_GAMES + index]
            }
            endpoints: dict[str, dict[str, int]] = {
                endpoint: {"calls": int(steps), "errors": 0, "retries": 0, "rate_limited": 0}
                for endpoint, steps in zip(self._offline, self._model_steps, strict=True)
                if steps
            }
        endpoints.update({endpoint: gate.stats() for endpoint, gate in self.gates.items()})
        return {
            "turns_done": turns_done,
            "games": games,
            "spent_usd": self.budget.spent,
            "max_cost_usd": self.budget.limit,
            "stop_reason": self.stop_reason(),
            "endpoints": endpoints,
        }
