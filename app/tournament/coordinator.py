"""What a tournament's games share: one gate per endpoint, the budget, progress, a stop flag.

Thread-safe; on Ray the same object lives in an actor and games call it through a proxy.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from .cost import Budget, PriceTable
from .limits import Gate, ProviderLimits

COST_LIMIT = "cost limit reached"
INTERRUPTED = "interrupted"


class Coordinator:
    """Shared state of one tournament run."""

    def __init__(
        self,
        limits: dict[str, ProviderLimits],
        prices: PriceTable,
        max_cost: float | None,
        spent: float = 0.0,
        turns_done: int = 0,
    ):
        self.gates = {
            endpoint: Gate(endpoint_limits) for endpoint, endpoint_limits in limits.items()
        }
        self.budget = Budget(prices, max_cost, spent)
        self._lock = threading.Lock()
        self._turns_done = turns_done
        self._games: collections.Counter[str] = collections.Counter()
        self._model_steps: collections.Counter[str] = collections.Counter()
        self._stop_reason: str | None = None

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
        with self._lock:
            if self._stop_reason is not None:
                return None
        reserved = self.budget.reserve(kind, model)
        if reserved is None:
            self.stop(f"{COST_LIMIT} (${self.budget.limit:g})")
        return reserved

    def settle(self, kind: str, model: str, reserved: float, actual: float | None) -> None:
        """Books a finished call's cost."""
        self.budget.settle(kind, model, reserved, actual)

    def step_done(self, endpoint: str, step: str) -> None:
        """Counts a finished game step (a turn ends with 'analyze')."""
        with self._lock:
            self._turns_done += step == "analyze"
            if endpoint not in self.gates:  # no HTTP to count: count the model steps
                self._model_steps[endpoint] += step in ("generate", "caption", "analyze")

    def game_done(self, status: str) -> None:
        """Counts a game that ended (complete, failed, stopped or skipped)."""
        with self._lock:
            self._games[status] += 1

    def stop(self, reason: str) -> None:
        """No game starts another step after this (the first reason sticks)."""
        with self._lock:
            self._stop_reason = self._stop_reason or reason

    def stop_reason(self) -> str | None:
        """Why the tournament is stopping, or None."""
        with self._lock:
            return self._stop_reason

    def snapshot(self) -> dict[str, Any]:
        """Progress and per-endpoint counters, for the live display and the summary."""
        with self._lock:
            endpoints: dict[str, dict[str, int]] = {
                endpoint: {"calls": steps, "errors": 0, "retries": 0, "rate_limited": 0}
                for endpoint, steps in self._model_steps.items()
            }
            turns_done, stop_reason = self._turns_done, self._stop_reason
            games = dict(self._games)
        endpoints.update({endpoint: gate.stats() for endpoint, gate in self.gates.items()})
        return {
            "turns_done": turns_done,
            "games": games,
            "spent_usd": self.budget.spent,
            "max_cost_usd": self.budget.limit,
            "stop_reason": stop_reason,
            "endpoints": endpoints,
        }
