"""Each endpoint's one client in a tournament process: an OpenAI client, or a paced provider's
(replicate's), whose HTTP passes the endpoint's gate and is retried by the endpoint's limits
(providers.pacing.LimitedTransport; the openai client gets max_retries=0)."""

from __future__ import annotations

import functools
import os
import ssl
import threading
from typing import TYPE_CHECKING, Any

import httpx2
import openai

from image_telephone.providers.openai_client import build_openai_client
from image_telephone.providers.pacing import Gates, LimitedTransport, Pacing
from image_telephone.providers.registry import provider as registered_provider

from .limits import ProviderLimits

if TYPE_CHECKING:
    from .config import Endpoint

__all__ = ["ClientPool", "Gates", "LimitedTransport", "build_client"]


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

    def client(self, endpoint: Endpoint) -> Any:
        """The endpoint's client (None for a provider the tournament does not pace, e.g. offline,
        which makes no HTTP calls)."""
        if not endpoint.uses_http:
            return None
        with self._lock:
            if endpoint not in self._clients:
                limits = self.limits.get(endpoint.label, ProviderLimits())
                if endpoint.provider == "openai":
                    client = build_client(endpoint, limits, self.gates)
                else:  # a paced provider: its client sends its HTTP through our gate
                    pacing = Pacing(self.gates, endpoint.label, limits)
                    spec = registered_provider(endpoint.provider)
                    client = spec.connect(endpoint.base_url, pacing=pacing)
                self._clients[endpoint] = client
            return self._clients[endpoint]
