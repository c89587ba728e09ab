"""API keys on Ray workers: which keys the games need, the ones the user opts to forward
(--ray-forward-env), and games that fail naming the key their worker lacks.

Forwarded values travel to the workers as a task argument (Ray's object store), never in a Ray
runtime environment: Ray writes runtime environments, values included, to every node's
runtime_env_agent.log. They are never written into results, run.json, tracker data or logs.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from typing import Any

from image_telephone.errors import InputError
from image_telephone.providers.registry import provider as registered_provider

from .config import Endpoint
from .games import GameSpec
from .limits import ProviderLimits
from .transport import ClientPool, Gates

DEFAULT_KEY = "OPENAI_API_KEY"  # what the OpenAI client reads when an entry names no api_key_env


def key_variable(endpoint: Endpoint) -> str:
    """The environment variable that holds the endpoint's API key."""
    return endpoint.api_key_env or registered_provider(endpoint.provider).key_env or DEFAULT_KEY


def keys_in_use(specs: Iterable[GameSpec]) -> frozenset[str]:
    """The key variables of the games' endpoints that are set here: their workers need them too
    (a game would otherwise send no key, or the wrong one)."""
    endpoints = {endpoint for spec in specs for endpoint in _endpoints(spec)}
    names = {key_variable(endpoint) for endpoint in endpoints if endpoint.uses_http}
    return frozenset(name for name in names if os.environ.get(name))


def _endpoints(spec: GameSpec) -> Iterable[Endpoint]:
    """Every endpoint the game calls: each role's where the spec has them, else its one."""
    by_role: dict[str, Endpoint] | None = getattr(spec, "endpoints", None)
    return by_role.values() if by_role else (spec.endpoint,)


def forwarded_values(names: Sequence[str]) -> dict[str, str]:
    """The values, read here, of the variables the user opted to forward."""
    for name in names:
        if not os.environ.get(name):
            raise InputError(
                f"--ray-forward-env {name}: {name} is not set here, so there is nothing to "
                "forward; export it or drop the option"
            )
    return {name: os.environ[name] for name in names}


def missing_key(name: str) -> str:
    """Why a game failed on a worker without the key its endpoint needs."""
    return (
        f"worker on host {socket.gethostname()} has no {name}: pass it in the cluster's "
        f"environment or opt in with --ray-forward-env {name}"
    )


class WorkerClients(ClientPool):
    """A worker's clients: a game whose endpoint needs a key this worker lacks fails, naming it
    (instead of calling without it and failing with a bare HTTP 401)."""

    def __init__(self, gates: Gates, limits: dict[str, ProviderLimits], needed: frozenset[str]):
        super().__init__(gates, limits)
        self.needed = needed

    def client(self, endpoint: Endpoint) -> Any:
        name = key_variable(endpoint)
        if endpoint.uses_http and name in self.needed and not os.environ.get(name):
            raise InputError(missing_key(name))
        return super().client(endpoint)
