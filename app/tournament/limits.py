"""Manners per provider: how many requests in flight, how many per minute, how many retries,
a pause after a 429 — the limits of the file and the gate that enforces and counts them."""

from __future__ import annotations

import collections
import dataclasses
import threading
import time

from .fields import Table

# Like the openai client: a Retry-After of up to two minutes is waited out, a longer one is not.
MAX_PAUSE_S = 120.0


@dataclasses.dataclass(frozen=True)
class ProviderLimits:
    """How hard a tournament may press one provider endpoint."""

    max_in_flight: int = 16
    requests_per_minute: float | None = None
    max_retries: int = 6
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    timeout_s: float = 120.0


def parse_limits(table: Table, providers: tuple[str, ...]) -> dict[str, ProviderLimits]:
    """[limits.PROVIDER] tables, checked."""
    table.only(providers)
    limits = {}
    for provider in table.values:
        section = table.table(provider)
        section.only([field.name for field in dataclasses.fields(ProviderLimits)])
        default = ProviderLimits()
        limits[provider] = ProviderLimits(
            max_in_flight=section.integer("max_in_flight", default.max_in_flight, 1),
            requests_per_minute=section.number("requests_per_minute", None, 1.0),
            max_retries=section.integer("max_retries", default.max_retries, 0),
            backoff_s=section.number("backoff_s", default.backoff_s, 0.0),
            max_backoff_s=section.number("max_backoff_s", default.max_backoff_s, 0.0),
            timeout_s=section.number("timeout_s", default.timeout_s, 1.0),
        )
    return limits


class Gate:
    """Admits an endpoint's requests: a slot in flight, a token per minute's share, no request
    while a 429's Retry-After lasts; counts calls, errors, retries and 429s."""

    def __init__(self, limits: ProviderLimits):
        self._slots = threading.BoundedSemaphore(limits.max_in_flight)
        self._lock = threading.Lock()
        rate = limits.requests_per_minute
        self._rate = rate / 60 if rate else None
        self._burst = max(1.0, self._rate or 1.0)  # a second's worth of requests at once
        self._tokens = self._burst
        self._stamp = time.monotonic()
        self._paused_until = 0.0
        self.counts: collections.Counter[str] = collections.Counter()

    def enter(self) -> None:
        """Blocks until the request may go."""
        self._slots.acquire()
        while (wait := self._wait_s()) > 0:
            time.sleep(wait)
        with self._lock:
            self.counts["in_flight"] += 1

    def _wait_s(self) -> float:
        """Seconds to wait before trying again, or 0 after taking a token."""
        with self._lock:
            now = time.monotonic()
            if now < self._paused_until:
                return self._paused_until - now
            if self._rate is None:
                return 0.0
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self._rate

    def leave(self, status: int | None, retry: bool, retry_after_s: float | None) -> None:
        """Records a finished request (status None: no response, e.g. a timeout)."""
        with self._lock:
            self.counts["in_flight"] -= 1
            self.counts["calls"] += 1
            self.counts["retries"] += retry
            self.counts["errors"] += status is None or status >= 400
            self.counts["rate_limited"] += status == 429
            if status == 429 and retry_after_s and retry_after_s <= MAX_PAUSE_S:
                self._paused_until = max(self._paused_until, time.monotonic() + retry_after_s)
        self._slots.release()

    def stats(self) -> dict[str, int]:
        """The counters now."""
        with self._lock:
            return {
                key: self.counts[key]
                for key in ("calls", "errors", "retries", "rate_limited", "in_flight")
            }
