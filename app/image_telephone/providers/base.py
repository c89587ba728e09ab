"""What crosses the provider seam: typed answers, and the client a registered provider builds."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol


@dataclasses.dataclass(frozen=True)
class Completion:
    """A caption or a rewrite: its text (and every candidate's), why it stopped, usage, time,
    the parameters sent and what was changed to suit the model."""

    text: str
    texts: tuple[str, ...] = ()
    finish_reason: str | None = "stop"
    usage: dict[str, Any] | None = None
    latency_s: float = 0.0
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    parameter_notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The dict the dataflows pass on (and the hub's users read)."""
        return {
            "text": self.text,
            "texts": list(self.texts or (self.text,)),
            "finish_reason": self.finish_reason,
            "usage": self.usage,
            "latency_s": self.latency_s,
            "parameters": self.parameters,
            "parameter_notes": list(self.parameter_notes),
        }


@dataclasses.dataclass(frozen=True)
class Painting:
    """A painted image as PNG bytes, with the model that painted it and how."""

    png: bytes = dataclasses.field(repr=False)
    model: str
    revised_prompt: str | None = None
    usage: dict[str, Any] | None = None
    latency_s: float = 0.0
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    parameter_notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The dict the generate dataflow passes on."""
        return {**dataclasses.asdict(self), "parameter_notes": list(self.parameter_notes)}


@dataclasses.dataclass(frozen=True)
class Embedding:
    """A text's vector and the model that made it."""

    vector: tuple[float, ...]
    model: str


class ProviderClient(Protocol):
    """What a registered provider's client does; it implements the roles its spec declares and
    raises image_telephone.ProviderError with a one-line reason when a call fails."""

    def caption(
        self,
        image: bytes,
        prompt: str,
        model: str,
        *,
        max_tokens: int,
        temperature: float | None,
        stop: list[str] | None,
        seed: int | None,
        candidates: int,
    ) -> Completion:
        """Captions the encoded image (PNG or JPEG bytes) as the prompt asks."""

    def paint(
        self,
        prompt: str,
        model: str,
        *,
        size: str | None,
        seed: int | None,
        init_image: bytes | None,
    ) -> Painting:
        """Paints the prompt (onto init_image, a PNG, when given)."""

    def embed(self, text: str, model: str) -> Embedding:
        """Embeds the text."""

    def rewrite(
        self,
        instruction: str,
        model: str,
        *,
        max_tokens: int,
        temperature: float | None,
        seed: int | None,
    ) -> Completion:
        """Answers a text instruction (the creative modes' rewrites)."""
