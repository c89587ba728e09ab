"""Manners per provider: requests in flight, requests per minute, a pause after a 429 — enforced
and counted in the HTTP layer of the one OpenAI client each endpoint gets."""

from __future__ import annotations

import collections
import dataclasses
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

import httpx2
import openai

from ..providers.openai_client import build_openai_client
from .fields import Table

if TYPE_CHECKING:
    from .config import Endpoint

# The openai client honours Retry-After up to two minutes; a longer pause is not waited out.
MAX_PAUSE_S = 120.0
_RETRY_COUNT_HEADER = "x-stainless-retry-count"  # set by the openai client on every attempt


@dataclasses.dataclass(frozen=True)
class ProviderLimits:
    """How hard a tournament may press one provider endpoint."""

    max_in_flight: int = 16
    requests_per_minute: float | None = None
    max_retries: int = 6
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
            timeout_s=section.number("timeout_s", default.timeout_s, 1.0),
        )
    return limits


class Gate:
    """Admits an endpoint's requests: a slot in flight, a token per minute's share, no request
    while a 429's Retry-After lasts; counts calls, errors, retries and 429s."""

    def __init__(self, limits: ProviderLimits):
        self.limits = limits
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


class Gates(Protocol):
    """What a transport needs: the coordinator (in this process, or a Ray actor's proxy)."""

    def enter(self, endpoint: str) -> None: ...

    def leave(
        self, endpoint: str, status: int | None, retry: bool, retry_after_s: float | None
    ) -> None: ...


def retry_after_s(headers: httpx2.Headers) -> float | None:
    """Seconds a response asks us to wait (Retry-After-Ms or Retry-After in seconds)."""
    for header, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers[header]) / divisor
        except (KeyError, ValueError):
            continue
    return None


class LimitedTransport(httpx2.BaseTransport):
    """Wraps the default transport: each attempt (first try or retry) passes the gate."""

    def __init__(self, gates: Gates, endpoint: str, inner: httpx2.BaseTransport):
        self.gates = gates
        self.endpoint = endpoint
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        retry = request.headers.get(_RETRY_COUNT_HEADER, "0") != "0"
        self.gates.enter(self.endpoint)
        status, wait = None, None
        try:
            response = self.inner.handle_request(request)
            status, wait = response.status_code, retry_after_s(response.headers)
            return response
        finally:
            self.gates.leave(self.endpoint, status, retry, wait)

    def close(self) -> None:
        self.inner.close()


def build_client(endpoint: Endpoint, limits: ProviderLimits, gates: Gates) -> openai.OpenAI:
    """The endpoint's OpenAI client; it retries (backoff, jitter, Retry-After) through the gate."""
    api_key = os.environ.get(endpoint.api_key_env) if endpoint.api_key_env else None
    connections = httpx2.Limits(
        max_connections=limits.max_in_flight, max_keepalive_connections=limits.max_in_flight
    )
    transport = LimitedTransport(gates, endpoint.label, httpx2.HTTPTransport(limits=connections))
    client = build_openai_client(
        endpoint.base_url, api_key, max_retries=limits.max_retries, timeout_s=limits.timeout_s
    )
    return client.with_options(http_client=openai.DefaultHttpxClient(transport=transport))


class ClientPool:
    """One client per endpoint in this process, built on first use."""

    def __init__(self, gates: Gates, limits: dict[str, ProviderLimits]):
        self.gates = gates
        self.limits = limits
        self._clients: dict[Endpoint, Any] = {}
        self._lock = threading.Lock()

    def client(self, endpoint: Endpoint) -> openai.OpenAI | None:
        """The endpoint's client (None for the offline provider, which makes no HTTP calls)."""
        if not endpoint.uses_http:
            return None
        with self._lock:
            if endpoint not in self._clients:
                limits = self.limits.get(endpoint.provider, ProviderLimits())
                self._clients[endpoint] = build_client(endpoint, limits, self.gates)
            return self._clients[endpoint]
