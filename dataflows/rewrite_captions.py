"""Rewrite a caption for the creative modes: make it more of something, or tell the next panel.

A Hamilton dataflow. Config ``goal`` picks the rewrite: ``"more"`` (exaggerate the caption
toward ``more_of``) or ``"story"`` (describe panel ``panel + 1`` of a ``panels``-panel comic that
continues the caption's scene). Config ``provider`` picks the model: ``"openai"`` (a chat
completion through the ``openai_client`` input) or ``"offline"`` (the built-in rewriters of
``image-telephone``).
"""

import os
import time
from typing import Any

from hamilton.function_modifiers import config

from image_telephone.dataflows._openai_chat import _chat_completion, _chat_parameters

DEFAULT_OPENAI_REWRITE_MODEL = "gpt-4.1-mini"


def _registered(configuration: dict[str, Any]) -> bool:
    """Whether the config names a provider registered with image-telephone (not a built-in):
    its variants call the `provider_client` input, which that provider's spec builds."""
    return configuration.get("provider") not in ("openai", "offline", None)


REWRITE_MODEL_ENV = "IMAGE_TELEPHONE_CAPTION_MODEL"


@config.when(goal="more")
def rewrite_prompt__more(caption_text: str, more_of: str, intensity: int = 1) -> str:
    """The instruction to exaggerate the caption toward more_of, harder at each turn."""
    return (
        f"Rewrite this image caption so that everything in it is even more {more_of}"
        f"{'' if intensity < 2 else f', pushing it further than the last {intensity - 1} times'}. "
        "Keep it a single drawable scene in one or two sentences, and answer with the new "
        f"caption only.\n\nCaption: {caption_text}"
    )


@config.when(goal="story")
def rewrite_prompt__story(caption_text: str, panel: int, panels: int) -> str:
    """The instruction to describe the next panel of the comic the caption belongs to."""
    return (
        f"This caption describes panel {panel} of a {panels}-panel comic. Describe panel "
        f"{panel + 1}, which continues the story with the same characters and setting, as a "
        f"single drawable scene in one or two sentences.\n\nPanel {panel}: {caption_text}"
    )


@config.when(provider="openai")
def rewrite_model__openai(model: str | None = None) -> str:
    """The text model: the model input, else $IMAGE_TELEPHONE_CAPTION_MODEL, else the default."""
    return model or os.environ.get(REWRITE_MODEL_ENV) or DEFAULT_OPENAI_REWRITE_MODEL


@config.when(provider="offline")
def rewrite_model__offline() -> str:
    """The built-in offline rewriter's model name."""
    from image_telephone.providers.offline import REWRITE_MODEL

    return REWRITE_MODEL


@config.when(provider="openai")
def rewrite_completion__openai(
    rewrite_prompt: str,
    rewrite_model: str,
    openai_client: Any = None,
    max_tokens: int = 300,
    temperature: float | None = None,
    seed: int | None = None,
) -> dict:
    """The chat completion that rewrites the caption: text, usage, latency, parameter notes."""
    notes: list[str] = []
    params = _chat_parameters(rewrite_model, max_tokens, temperature, None, seed, notes)
    started = time.perf_counter()
    messages = [{"role": "user", "content": rewrite_prompt}]
    response = _chat_completion(openai_client, rewrite_model, messages, params, notes)
    return {
        "text": (response.choices[0].message.content or "").strip(),
        "usage": response.usage.model_dump() if response.usage else None,
        "latency_s": round(time.perf_counter() - started, 4),
        "model": rewrite_model,
        "parameters": params,
        "parameter_notes": notes,
    }


@config.when(provider="offline", goal="more")
def rewrite_completion__offline_more(
    caption_text: str, more_of: str, rewrite_model: str, intensity: int = 1
) -> dict:
    """The offline rewrite: intensifies the adjectives it knows and adds more of more_of."""
    from image_telephone.providers.offline import intensify

    started = time.perf_counter()
    text = intensify(caption_text, more_of, intensity)
    return {
        "text": text,
        "usage": None,
        "latency_s": round(time.perf_counter() - started, 4),
        "model": rewrite_model,
    }


@config.when(provider="offline", goal="story")
def rewrite_completion__offline_story(
    caption_text: str, panel: int, panels: int, rewrite_model: str
) -> dict:
    """The offline next panel: the same scene carried forward (it moves, time passes)."""
    from image_telephone.providers.offline import continue_story

    started = time.perf_counter()
    text = continue_story(caption_text, panel=panel, panels=panels)
    return {
        "text": text,
        "usage": None,
        "latency_s": round(time.perf_counter() - started, 4),
        "model": rewrite_model,
    }


@config(_registered, config_used=["provider"])
def rewrite_model__registered(model: str) -> str:
    """A registered provider's text model, as the game resolved it."""
    return model


@config(_registered, config_used=["provider"])
def rewrite_completion__registered(
    rewrite_prompt: str,
    provider_client: Any,
    rewrite_model: str,
    max_tokens: int = 300,
    temperature: float | None = None,
    seed: int | None = None,
) -> dict:
    """A registered provider's rewrite of the caption, with the same fields as a completion."""
    completion = provider_client.rewrite(
        rewrite_prompt, rewrite_model, max_tokens=max_tokens, temperature=temperature, seed=seed
    )
    return {**completion.as_dict(), "model": rewrite_model}


def rewritten_caption(rewrite_completion: dict) -> str:
    """The rewritten text, the prompt of the next image."""
    return rewrite_completion["text"]
