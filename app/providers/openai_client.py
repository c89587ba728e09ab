"""Builds the one OpenAI client a game shares; works with any OpenAI-compatible base URL."""

from __future__ import annotations

import os
from typing import Any

import openai

from ..errors import InputError

DEFAULT_MAX_RETRIES = 5
DEFAULT_TIMEOUT_S = 120.0
# Local OpenAI-compatible servers (Ollama, vLLM, LM Studio) accept any key; the client needs one.
_PLACEHOLDER_KEY = "not-needed"


def build_openai_client(
    base_url: str | None = None,
    api_key: str | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    http_client: Any = None,
) -> openai.OpenAI:
    """An OpenAI client from arguments, else OPENAI_BASE_URL / OPENAI_API_KEY (http_client: an
    httpx2 client of the caller's, e.g. with its own transport)."""
    base_url = base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if not base_url:
            raise InputError(
                "OPENAI_API_KEY is not set: export it, pass --base-url for a local "
                "OpenAI-compatible server, or use --provider offline"
            )
        api_key = _PLACEHOLDER_KEY
    # The client retries 429/5xx/timeouts itself, honouring Retry-After, with backoff.
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        max_retries=max_retries,
        timeout=timeout_s,
        http_client=http_client,
    )
