"""The HTTP layer of a provider's client: every attempt passes its endpoint's gate, and failed
attempts are retried here, with backoff — a tournament's OpenAI clients and any paced provider's
client (replicate's) go through this one transport.

Why here and not a client's own retries: the SDKs' backoff is fixed (openai: 0.5 s doubling to
8 s), while a tournament wants it per endpoint (a local server, a rate-limited API, a test); the
transport sees every attempt anyway, so it counts each one, pauses the whole endpoint on a 429's
Retry-After, and frees the in-flight slot while backing off. The policy is the openai SDK's:
408, 409, 429, 5xx, timeouts and connection errors; Retry-After(-Ms) up to two minutes, else
exponential backoff less up to 25 % jitter; x-should-retry obeyed. The client retries no more
itself. Each reply is read whole inside the loop (providers.replies.check_reply), so a cut or
reset body and a 2xx reply that is not JSON are retried like a dropped connection, as in games.
The inner transport may be httpx2's (openai) or httpx's (replicate): they share the interface.
"""

from __future__ import annotations

import dataclasses
import random
import time
from typing import Any, Protocol

import httpx2

from .openai_client import default_max_retries
from .replies import check_reply

# Like the openai client: a Retry-After of up to two minutes is waited out, a longer one is not.
MAX_PAUSE_S = 120.0


class Gates(Protocol):
    """The gate methods of a tournament's coordinator (here, or a Ray actor's proxy)."""

    def enter(self, endpoint: str) -> None: ...

    def leave(
        self, endpoint: str, status: int | None, retry: bool, retry_after_s: float | None
    ) -> None: ...


class RetryPolicy(Protocol):
    """How often and how patiently to retry (a tournament's ProviderLimits is one)."""

    max_retries: int
    backoff_s: float
    max_backoff_s: float


@dataclasses.dataclass(frozen=True)
class Retries:
    """A game's retry policy: the openai client's backoff, IMAGE_TELEPHONE_MAX_RETRIES times."""

    max_retries: int = dataclasses.field(default_factory=default_max_retries)
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0


class OpenGates:
    """No gate: a single game's calls wait for nobody (its retries still back off)."""

    def enter(self, endpoint: str) -> None:
        """Admits at once."""

    def leave(
        self, endpoint: str, status: int | None, retry: bool, retry_after_s: float | None
    ) -> None:
        """Records nothing."""


def retry_after_s(headers: Any) -> float | None:
    """Seconds a response asks us to wait (Retry-After-Ms, or Retry-After in seconds)."""
    for header, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers[header]) / divisor
        except (KeyError, ValueError):
            continue
    return None


def should_retry(response: Any, wait: float | None) -> bool:
    """Whether a failed response is worth another attempt."""
    if wait is not None and wait > MAX_PAUSE_S:
        return False
    hint = response.headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def retry_delay_s(attempt: int, wait: float | None, policy: RetryPolicy) -> float:
    """Seconds before the next attempt: the server's Retry-After, else backoff with jitter."""
    if wait is not None and 0 < wait <= MAX_PAUSE_S:
        return wait
    delay = min(policy.backoff_s * 2**attempt, policy.max_backoff_s)
    return delay * (1 - 0.25 * random.random())


class LimitedTransport(httpx2.BaseTransport):
    """Wraps an inner transport: gated, counted, retried attempts (errors: the inner library's
    transport errors, which are retried like a 5xx)."""

    def __init__(
        self,
        gates: Gates,
        endpoint: str,
        limits: RetryPolicy,
        inner: Any,
        errors: tuple[type[Exception], ...] = (httpx2.TransportError,),
    ):
        self.gates = gates
        self.endpoint = endpoint
        self.limits = limits
        self.inner = inner
        self.errors = errors

    def handle_request(self, request: Any) -> Any:
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
            except (httpx2.TransportError, *self.errors):  # timeouts, cut or bad bodies, …
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


@dataclasses.dataclass(frozen=True)
class Pacing:
    """How a paced provider's client sends its HTTP: through these gates (a tournament's, or
    none), counted under the endpoint's label, retried by this policy."""

    gates: Gates
    endpoint: str
    retries: RetryPolicy

    @classmethod
    def single_game(cls, endpoint: str) -> Pacing:
        """No gate, the game's retries (IMAGE_TELEPHONE_MAX_RETRIES)."""
        return cls(OpenGates(), endpoint, Retries())

    def transport(self, inner: Any, errors: tuple[type[Exception], ...]) -> LimitedTransport:
        """inner (an httpx or httpx2 transport), gated and retried."""
        return LimitedTransport(self.gates, self.endpoint, self.retries, inner, errors)
