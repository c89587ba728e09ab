"""Manners per endpoint: how many requests in flight, how many per minute, how many retries,
a pause after a 429 — the limits of the file and the gate that enforces and counts them."""

from __future__ import annotations

import dataclasses
import time

from image_telephone.providers.openai_client import DEFAULT_MAX_RETRIES
from image_telephone.providers.pacing import MAX_PAUSE_S

from .fields import Table
from .shared import THREADS, Shared

# Where a gate keeps its numbers: the token bucket, the pause, then the counters it reports.
_TOKENS, _STAMP, _PAUSED_UNTIL, _IN_FLIGHT, _CALLS, _ERRORS, _RETRIES, _RATE_LIMITED = range(8)
_COUNTERS = {
    "calls": _CALLS,
    "errors": _ERRORS,
    "retries": _RETRIES,
    "rate_limited": _RATE_LIMITED,
    "in_flight": _IN_FLIGHT,
}


@dataclasses.dataclass(frozen=True)
class ProviderLimits:
    """How hard a tournament may press one provider endpoint."""

    max_in_flight: int = 16
    requests_per_minute: float | None = None
    max_retries: int = DEFAULT_MAX_RETRIES  # as in games: 30 % failing calls cost nothing
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    timeout_s: float = 120.0


def parse_limits(
    table: Table, providers: tuple[str, ...], base_urls: dict[str, str]
) -> dict[str, ProviderLimits]:
    """[limits.PROVIDER] tables (every endpoint of that provider), then [limits."BASE_URL"]
    tables (base_urls: the file's, with their providers), whose fields override the provider's."""
    table.only([*providers, *base_urls])
    limits = {
        provider: _parse_section(table.table(provider), ProviderLimits())
        for provider in providers
        if provider in table.values
    }
    for url, provider in base_urls.items():
        if url in table.values:
            limits[url] = _parse_section(table.table(url), limits.get(provider, ProviderLimits()))
    return limits


def _parse_section(section: Table, default: ProviderLimits) -> ProviderLimits:
    section.only([field.name for field in dataclasses.fields(ProviderLimits)])
    return ProviderLimits(
        max_in_flight=section.integer("max_in_flight", default.max_in_flight, 1),
        requests_per_minute=section.number("requests_per_minute", default.requests_per_minute, 1.0),
        max_retries=section.integer("max_retries", default.max_retries, 0),
        backoff_s=section.number("backoff_s", default.backoff_s, 0.0),
        max_backoff_s=section.number("max_backoff_s", default.max_backoff_s, 0.0),
        timeout_s=section.number("timeout_s", default.timeout_s, 1.0),
    )


class Gate:
    """Admits an endpoint's requests: a slot in flight, a token per minute's share, no request
    while a 429's Retry-After lasts; counts calls, errors, retries and 429s. Its state lives in
    `shared` primitives, so one gate can hold for threads or for processes."""

    def __init__(self, limits: ProviderLimits, shared: Shared = THREADS):
        self._slots = shared.semaphore(limits.max_in_flight)
        self._lock = shared.lock()
        rate = limits.requests_per_minute
        self._rate = rate / 60 if rate else None
        self._burst = max(1.0, self._rate or 1.0)  # a second's worth of requests at once
        self._values = shared.numbers(_RATE_LIMITED + 1)
        self._values[_TOKENS] = self._burst
        self._values[_STAMP] = time.monotonic()  # system-wide on Linux: the same in every process

    def enter(self) -> None:
        """Blocks until the request may go."""
        self._slots.acquire()
        while (wait := self._wait_s()) > 0:
            time.sleep(wait)
        with self._lock:
            self._values[_IN_FLIGHT] += 1

    def _wait_s(self) -> float:
        """Seconds to wait before trying again, or 0 after taking a token."""
        values = self._values
        with self._lock:
            now = time.monotonic()
            if now < values[_PAUSED_UNTIL]:
                return values[_PAUSED_UNTIL] - now
            if self._rate is None:
                return 0.0
            tokens = values[_TOKENS] + (now - values[_STAMP]) * self._rate
            values[_TOKENS], values[_STAMP] = min(self._burst, tokens), now
            if values[_TOKENS] >= 1:
                values[_TOKENS] -= 1
                return 0.0
            return (1 - values[_TOKENS]) / self._rate

    def leave(self, status: int | None, retry: bool, retry_after_s: float | None) -> None:
        """Records a finished request (status None: no response, e.g. a timeout)."""
        values = self._values
        with self._lock:
            values[_IN_FLIGHT] -= 1
            values[_CALLS] += 1
            values[_RETRIES] += retry
            values[_ERRORS] += status is None or status >= 400
            values[_RATE_LIMITED] += status == 429
            if status == 429 and retry_after_s and retry_after_s <= MAX_PAUSE_S:
                paused_until = time.monotonic() + retry_after_s
                values[_PAUSED_UNTIL] = max(values[_PAUSED_UNTIL], paused_until)
        self._slots.release()

    def stats(self) -> dict[str, int]:
        """The counters now."""
        with self._lock:
            return {key: int(self._values[index]) for key, index in _COUNTERS.items()}
