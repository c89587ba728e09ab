"""The knobs of one game, validated once, recorded in the manifest and compared on resume."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Literal

from image_telephone.errors import InputError
from image_telephone.providers.registry import provider as registered_provider
from image_telephone.redaction import redact_url

# The providers the game's dataflows have variants for; `image-telephone models` lists every
# registered provider with its roles and models.
Provider = Literal["offline", "openai"]
PROVIDERS: tuple[str, ...] = ("offline", "openai")
Mode = Literal["telephone", "more", "story"]
MODES: tuple[str, ...] = ("telephone", "more", "story")


def default_provider() -> tuple[str, str]:
    """The provider to use when none is named, and why."""
    if os.environ.get("OPENAI_API_KEY"):
        return "openai", "OPENAI_API_KEY is set"
    return "offline", "OPENAI_API_KEY is not set"


def mixed_prompt(first: str, second: str) -> str:
    """Two prompts mixed into one start text, in the manner of VQGAN+CLIP's weighted prompts."""
    if not first.strip() or not second.strip():
        raise InputError("--mix: both prompts need words; give two non-empty prompts")
    return f"{first.strip().rstrip('.')}, blended with {second.strip().rstrip('.')}"


def _redact_url(url: str | None) -> str | None:
    """The URL with its credentials replaced by REDACTED, so they never reach the manifest."""
    return redact_url(url) if url else url


@dataclasses.dataclass(frozen=True)
class GameSettings:
    """Everything that shapes a game's channel; two runs with equal settings are comparable."""

    provider: Provider = "offline"
    caption_model: str | None = None
    image_model: str | None = None
    embeddings_model: str | None = None
    descriptiveness: str | None = None
    core_prompt: str | None = None
    additional_prompt: str | None = None
    image_style: str | None = None
    additional_image_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int = 300
    stop: tuple[str, ...] = ()
    size: str | None = None
    quality: str | None = None
    seed: int = 0
    base_url: str | None = None
    style_modifiers: tuple[str, ...] = ()
    mode: Mode = "telephone"
    more_of: str | None = None
    # Set by resolved(): the model to use when the default image model is missing on the server.
    image_model_fallback: str | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise InputError(
                f"provider {self.provider!r}: unknown; choose one of {', '.join(PROVIDERS)}"
            )
        if self.provider == "offline":
            named = [
                flag
                for flag, value in (
                    ("--caption-model", self.caption_model),
                    ("--image-model", self.image_model),
                    ("--embeddings-model", self.embeddings_model),
                    ("--base-url", self.base_url),
                )
                if value
            ]
            if named:
                raise InputError(
                    f"{', '.join(named)}: the offline provider has only its built-in models; "
                    "drop the option or use --provider openai"
                )
        if self.mode not in MODES:
            raise InputError(f"mode {self.mode!r}: unknown; choose one of {', '.join(MODES)}")
        if (self.mode == "more") != bool(self.more_of and self.more_of.strip()):
            raise InputError(
                "--more-of: give it (e.g. --more-of 'hard-working') with --mode more, and only then"
            )
        if self.temperature is not None and not 0 <= self.temperature <= 2:
            raise InputError(f"temperature {self.temperature}: must be between 0 and 2")
        if self.max_tokens < 1:
            raise InputError(f"max tokens {self.max_tokens}: must be at least 1")
        if self.size is not None and not _is_size(self.size):
            raise InputError(f"size {self.size!r}: expected WIDTHxHEIGHT, e.g. 1024x1024")
        object.__setattr__(self, "stop", tuple(self.stop))
        object.__setattr__(self, "style_modifiers", tuple(self.style_modifiers))
        # The client needs the URL as given; what is recorded and compared has no credentials.
        object.__setattr__(self, "client_base_url", self.base_url)
        object.__setattr__(self, "base_url", _redact_url(self.base_url))

    def resolved(self) -> GameSettings:
        """These settings with every environment default filled in (models, base URL), so that
        they are recorded, compared on resume, and handed to the dataflows as values."""
        spec = registered_provider(self.provider)
        if not spec.needs_key and spec.base_url_env is None:
            return self  # built-in models only: nothing in the environment changes them
        caption_model, _ = spec.models_for("captioner").chosen(self.caption_model)
        embeddings_model, _ = spec.models_for("embedder").chosen(self.embeddings_model)
        image_model, fallback = spec.models_for("painter").chosen(self.image_model)
        endpoint = os.environ.get(spec.base_url_env) if spec.base_url_env else None
        return dataclasses.replace(
            self,
            caption_model=caption_model,
            embeddings_model=embeddings_model,
            image_model=image_model,
            image_model_fallback=self.image_model_fallback or fallback,
            base_url=self.client_base_url or endpoint or None,
        )

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready dict (no secrets: keys never enter settings)."""
        record = dataclasses.asdict(self)
        record["stop"] = list(self.stop)
        record["style_modifiers"] = list(self.style_modifiers)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> GameSettings:
        """Settings back from a manifest record; unknown keys are ignored."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in record.items() if key in names})

    def differences(self, other: GameSettings) -> list[str]:
        """'name: old -> new' for every setting that differs."""
        mine, theirs = self.as_record(), other.as_record()
        return [
            f"{key}: {mine[key]!r} -> {theirs[key]!r}" for key in mine if mine[key] != theirs[key]
        ]


def _is_size(size: str) -> bool:
    if size == "auto":
        return True
    width, _, height = size.lower().partition("x")
    return (
        width.isdigit()
        and height.isdigit()
        and 16 <= int(width) <= 4096
        and 16 <= int(height) <= 4096
    )
