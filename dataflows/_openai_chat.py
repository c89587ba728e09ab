"""What OpenAI-compatible chat models take: the rules caption_images and rewrite_captions share.

Not a dataflow: its names start with an underscore so that Hamilton never reads them as nodes,
in the modules that import them here nor in their hub copies, where `python -m hub_contrib.build`
writes this module's code in place of the import (a hub dataflow is one file).
"""

import functools
import logging
from typing import Any

logger = logging.getLogger(__name__)

_REASONING_MODEL_PREFIXES = ("o1", "o3", "o4", "gpt-5")
_logged_parameter_notes: set[tuple[str, str]] = set()


@functools.cache
def _default_openai_client() -> Any:
    """openai.OpenAI() from the environment, built once: for callers who pass no client."""
    import openai

    return openai.OpenAI()


def _note_once(model: str, note: str, notes: list[str]) -> None:
    """Adds note to notes, and logs it the first time this process sees it for this model."""
    notes.append(note)
    if (model, note) not in _logged_parameter_notes:
        _logged_parameter_notes.add((model, note))
        logger.warning("%s: %s", model, note)


def _chat_parameters(
    model: str,
    max_tokens: int,
    temperature: float | None,
    stop: list[str] | None,
    seed: int | None,
    notes: list[str],
) -> dict[str, Any]:
    """Chat parameters the model accepts; reasoning models take max_completion_tokens only."""
    params: dict[str, Any] = {}
    if model.startswith(_REASONING_MODEL_PREFIXES):
        params["max_completion_tokens"] = max_tokens
        if temperature is not None and temperature != 1:
            _note_once(model, f"temperature={temperature} not supported; used the default", notes)
    else:
        params["max_tokens"] = max_tokens
        if temperature is not None:
            params["temperature"] = temperature
    if stop:
        params["stop"] = list(stop)
    if seed is not None:
        params["seed"] = seed
    return params


def _adapt_to_rejection(error: Any, params: dict[str, Any], model: str, notes: list[str]) -> bool:
    """Drops or renames a parameter the server rejected; True when a retry makes sense."""
    param = getattr(error, "param", None) or ""
    message = str(getattr(error, "message", error))
    if "max_tokens" in (param + message) and "max_tokens" in params:
        params["max_completion_tokens"] = params.pop("max_tokens")
        _note_once(model, "max_tokens rejected; sent max_completion_tokens", notes)
        return True
    for name in ("temperature", "stop", "seed"):
        if name in (param or message) and name in params:
            value = params.pop(name)
            _note_once(model, f"{name}={value!r} rejected by the server; sent without it", notes)
            return True
    return False


def _chat_completion(
    openai_client: Any, model: str, messages: list[dict], params: dict[str, Any], notes: list[str]
) -> Any:
    """The chat completion, the parameters a server rejects adapted (params changes in place);
    with no client, the one openai.OpenAI() built from the environment."""
    import openai

    for _attempt in range(4):
        try:
            client = openai_client or _default_openai_client()
            return client.chat.completions.create(model=model, messages=messages, **params)
        except openai.BadRequestError as error:
            if not _adapt_to_rejection(error, params, model, notes):
                raise
    raise RuntimeError(f"{model}: the server rejected every parameter combination")
