"""Captions (and the creative modes' rewrites) from a transformers image-text-to-text pipeline:
chat models are asked the game's caption prompt; BLIP-style models, which take no instruction,
continue a prefix that is stripped from the caption."""

from __future__ import annotations

import dataclasses
from typing import Any

# What a BLIP-style captioner (no chat template) is given to continue.
CAPTION_PREFIX = "a photo of"


@dataclasses.dataclass(frozen=True)
class TextRequest:
    """What a batch of captions or rewrites shares: the prompt (a caption's; a rewrite brings
    its own per item), the length limit and the sampling."""

    kind: str  # "caption" or "rewrite"
    prompt: str
    max_tokens: int
    temperature: float | None
    seed: int | None  # only sampling uses it, so only then does it split batches
    candidates: int = 1

    @property
    def sampling(self) -> bool:
        """Whether to sample (a temperature above 0, or several candidates) or decode greedily."""
        return bool(self.temperature) or self.candidates > 1

    @property
    def temperature_used(self) -> float | None:
        """The sampling temperature (1 when only candidates ask for sampling); None: greedy."""
        return (self.temperature or 1.0) if self.sampling else None


def text_request(
    kind: str,
    prompt: str,
    max_tokens: int,
    temperature: float | None,
    seed: int | None,
    candidates: int = 1,
) -> TextRequest:
    """The request, keeping the seed only when it samples (greedy answers batch across seeds)."""
    request = TextRequest(kind, prompt, max_tokens, temperature, None, candidates)
    return dataclasses.replace(request, seed=seed) if request.sampling else request


def is_chat(pipeline: Any) -> bool:
    """Whether the model takes instructions through a chat template."""
    processor = getattr(pipeline, "processor", None)
    tokenizer = getattr(pipeline, "tokenizer", None)
    return bool(
        getattr(processor, "chat_template", None) or getattr(tokenizer, "chat_template", None)
    )


def _messages(text: str, image: Any | None) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = [{"type": "image", "image": image}] if image else []
    return [{"role": "user", "content": [*content, {"type": "text", "text": text}]}]


def generate(pipeline: Any, request: TextRequest, items: list[Any]) -> list[list[str]]:
    """Each item's candidate texts: items are images for captions, instructions for rewrites."""
    import torch

    chat = is_chat(pipeline)
    if request.kind == "rewrite":
        inputs: dict[str, Any] = {"text": [_messages(text, None) for text in items]}
    elif chat:
        inputs = {"text": [_messages(request.prompt, image) for image in items]}
    else:
        inputs = {"images": items, "text": [CAPTION_PREFIX] * len(items)}
    options: dict[str, Any] = {"max_new_tokens": request.max_tokens}
    if request.sampling:
        options.update(do_sample=True, temperature=request.temperature_used)
        options["num_return_sequences"] = request.candidates
        torch.manual_seed(request.seed or 0)
    else:
        options["do_sample"] = False
    with torch.inference_mode():
        answers = pipeline(
            **inputs, generate_kwargs=options, return_full_text=False, batch_size=len(items)
        )
    # One answer (or list of answers) per item; several candidates may come flattened.
    flat = [answer for item in answers for answer in _as_list(item)]
    texts = [answer["generated_text"].strip() for answer in flat]
    per_item = len(texts) // len(items)
    return [texts[start : start + per_item] for start in range(0, len(texts), per_item)]


def _as_list(answer: Any) -> list[dict[str, Any]]:
    return answer if isinstance(answer, list) else [answer]


def cut_at_stop(text: str, stop: list[str] | None) -> str:
    """The text up to its first stop sequence."""
    for sequence in stop or ():
        if sequence and sequence in text:
            text = text[: text.index(sequence)]
    return text.strip()
