"""Builds the one OpenAI client a game shares; works with any OpenAI-compatible base URL."""

from __future__ import annotations

import os
from typing import Any

import openai

from image_telephone.errors import InputError, ProviderError

from .replies import check_reply_hook

# Retries per call (the openai client's loop: 408, 409, 429, 5xx, timeouts, connection errors and,
# via check_reply_hook, cut, reset or non-JSON 2xx replies). Sized so that a provider failing
# 30 % of calls at random costs nothing: a call gives up only when all 11 attempts fail,
# 0.3**11 ≈ 1.8e-6; a 20-turn game makes ~60 calls, 20 such games ~1,200, so the chance that any
# call of the 20 games gives up is ≈ 1,200 × 1.8e-6 ≈ 0.2 % (with 5 retries it was
# 1,200 × 0.3**6 ≈ 58 %). Worst case per call: the client's backoff (0.5 s doubling to 8 s, less
# up to 25 % jitter) sums to at most 0.5 + 1 + 2 + 4 + 6 × 8 = 55.5 s over the 10 retries; a 429's
# Retry-After replaces it when given (the client honours up to 120 s); each attempt is also
# bounded by the timeout.
DEFAULT_MAX_RETRIES = 10
MAX_RETRIES_ENV = "IMAGE_TELEPHONE_MAX_RETRIES"
DEFAULT_TIMEOUT_S = 120.0
# Local OpenAI-compatible servers (Ollama, vLLM, LM Studio) accept any key; the client needs one.
_PLACEHOLDER_KEY = "not-needed"


def default_max_retries() -> int:
    """IMAGE_TELEPHONE_MAX_RETRIES when set (e.g. 0 or 1 to fail fast), else DEFAULT_MAX_RETRIES."""
    value = os.environ.get(MAX_RETRIES_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_RETRIES
    if not value.isdigit():
        raise InputError(f"{MAX_RETRIES_ENV}={value!r}: give a whole number of retries, 0 or more")
    return int(value)


def build_openai_client(
    base_url: str | None = None,
    api_key: str | None = None,
    max_retries: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    http_client: Any = None,
) -> openai.OpenAI:
    """An OpenAI client from arguments, else OPENAI_BASE_URL / OPENAI_API_KEY (max_retries: else
    default_max_retries(); http_client: an httpx2 client of the caller's, e.g. with its own
    transport, which then checks replies itself)."""
    base_url = base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if not base_url:
            raise InputError(
                "OPENAI_API_KEY is not set: export it, pass --base-url for a local "
                "OpenAI-compatible server, or use --provider offline"
            )
        api_key = _PLACEHOLDER_KEY
    if http_client is None:
        # The SDK's defaults (environment proxies included), with every reply read whole and
        # checked inside the client's retry loop.
        http_client = openai.DefaultHttpxClient(event_hooks={"response": [check_reply_hook]})
    # The client retries 429/5xx/timeouts/bad replies itself, honouring Retry-After, with backoff.
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key,
        max_retries=default_max_retries() if max_retries is None else max_retries,
        timeout=timeout_s,
        http_client=http_client,
    )


def provider_error(error: openai.APIError, what: str, model: str) -> ProviderError:
    """A one-line ProviderError for a failed OpenAI call: the model, what failed and why."""
    code = getattr(error, "code", None)
    detail = getattr(error, "message", None) or str(error)
    if isinstance(error, openai.APIConnectionError) and error.__cause__ is not None:
        if not isinstance(error, openai.APITimeoutError):  # its cause only repeats "timed out"
            detail = f"{detail} {error.__cause__}"  # e.g. which bad body the retries gave up on
    if code == "content_policy_violation":
        return ProviderError(f"{model} refused the {what} (content policy): {detail}")
    status = getattr(error, "status_code", None)
    reason = f"HTTP {status}" if status else type(error).__name__
    return ProviderError(f"{model} failed to {what} ({reason}: {detail})")
