"""The HTTP layer of each endpoint's one OpenAI client: every attempt passes the endpoint's gate,
and failed attempts are retried here, with the provider's own backoff.

Why here and not the openai client's `max_retries`: the SDK's backoff is fixed (0.5 s doubling
to 8 s), while a tournament wants it per endpoint (a local server, a rate-limited API, a test);
the transport sees every attempt anyway, so it counts each one, pauses the whole endpoint on a
429's Retry-After, and frees the in-flight slot while backing off. The policy is the SDK's:
408, 409, 429, 5xx, timeouts and connection errors; Retry-After(-Ms) up to two minutes, else
exponential backoff less up to 25 % jitter; x-should-retry obeyed. The client gets max_retries=0.
Each reply is read whole inside the loop (providers.replies.check_reply), so a cut or reset body
and a 2xx reply that is not JSON are retried like a dropped connection, as in games.
"""

from __future__ import annotations

import functools
import os
import random
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

import httpx2
import openai

from image_telephone.providers.openai_client import build_openai_client
from image_telephone.providers.replies import check_reply

from .limits import MAX_PAUSE_S, ProviderLimits

if TYPE_CHECKING:
    from .config import Endpoint


class Gates(Protocol):
    """The coordinator's gate methods (here, or a Ray actor's proxy)."""

    def enter(self, endpoint: str) -> None: ...

    def leave(
        self, endpoint: str, status: int | None, retry: bool, retry_after_s: float | None
    ) -> None: ...


def retry_after_s(headers: httpx2.Headers) -> float | None:
    """Seconds a response asks us to wait (Retry-After-Ms, or Retry-After in seconds)."""
    for header, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers[header]) / divisor
        except (KeyError, ValueError):
            continue
    return None


def should_retry(response: httpx2.Response, wait: float | None) -> bool:
    """Whether a failed response is worth another attempt."""
    if wait is not None and wait > MAX_PAUSE_S:
        return False
    hint = response.headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def retry_delay_s(attempt: int, wait: float | None, limits: ProviderLimits) -> float:
    """Seconds before the next attempt: the server's Retry-After, else backoff with jitter."""
    if wait is not None and 0 < wait <= MAX_PAUSE_S:
        return wait
    delay = min(limits.backoff_s * 2**attempt, limits.max_backoff_s)
    return delay * (1 - 0.25 * random.random())


class LimitedTransport(httpx2.BaseTransport):
    """Wraps the default transport: gated, counted, retried attempts."""

    def __init__(
        self, gates: Gates, endpoint: str, limits: ProviderLimits, inner: httpx2.BaseTransport
    ):
        self.gates = gates
        self.endpoint = endpoint
        self.limits = limits
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()  # the body is sent again on a retry
        attempt = 0
        while True:
            last = attempt >= self.limits.max_retries
            response, wait = None, None
            self.gates.enter(self.endpoint)
            try:
                answer = self.inner.handle_request(request)
                check_reply(request, answer)
                response, wait = answer, retry_after_s(answer.headers)
            except httpx2.TransportError:  # timeouts, connection errors, cut or bad bodies
                if last:
                    raise
            finally:
                status = response.status_code if response is not None else None
                self.gates.leave(self.endpoint, status, attempt > 0, wait)
            if response is not None:
                if response.status_code < 400 or last or not should_retry(response, wait):
                    return response
                response.close()
            time.sleep(retry_delay_s(attempt, wait, self.limits))
            attempt += 1

    def close(self) -> None:
        self.inner.close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~70 ms of CPU: once per process (forked workers inherit it).
    return httpx2.create_ssl_context()


def build_client(endpoint: Endpoint, limits: ProviderLimits, gates: Gates) -> openai.OpenAI:
    """The endpoint's OpenAI client, its HTTP gated and retried by LimitedTransport."""
    api_key = os.environ.get(endpoint.api_key_env) if endpoint.api_key_env else None
    connections = httpx2.Limits(
        max_connections=limits.max_in_flight, max_keepalive_connections=limits.max_in_flight
    )
    inner = httpx2.HTTPTransport(verify=_tls_context(), limits=connections)
    transport = LimitedTransport(gates, endpoint.label, limits, inner)
    return build_openai_client(
        endpoint.base_url,
        api_key,
        max_retries=0,
        timeout_s=limits.timeout_s,
        http_client=openai.DefaultHttpxClient(transport=transport, verify=_tls_context()),
    )


class ClientPool:
    """One client per endpoint in this process, built on first use; limits are by endpoint
    label (Tournament.limits_for), defaults for an endpoint without any."""

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
                limits = self.limits.get(endpoint.label, ProviderLimits())
                self._clients[endpoint] = build_client(endpoint, limits, self.gates)
            return self._clients[endpoint]
