"""The knobs of one game, validated once, recorded in the manifest and compared on resume."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Literal

from image_telephone.errors import InputError
from image_telephone.providers.registry import provider as registered_provider
from image_telephone.redaction import redact_url

# The built-in providers (the dataflows have a variant each); any other registered provider
# plays through its client (`image-telephone models` lists them all).
PROVIDERS: tuple[str, ...] = ("offline", "openai")
OFFLINE = "offline"
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


_ROLE_FIELDS = ("caption_provider", "image_provider", "embeddings_provider")
# Each role's own endpoint field (None: `base_url`), and its provider's field.
_URL_FIELDS = {
    "captioner": ("caption_base_url", "caption_provider"),
    "painter": ("image_base_url", "image_provider"),
    "embedder": ("embeddings_base_url", "embeddings_provider"),
}
_MODEL_FIELDS = {
    "captioner": "caption_model",
    "painter": "image_model",
    "embedder": "embeddings_model",
}
# (flag, the field of its role's provider, the value) of each option that names a model.
_ROLE_OPTIONS = (
    ("--caption-model", "caption_provider", lambda settings: settings.caption_model),
    ("--image-model", "image_provider", lambda settings: settings.image_model),
    ("--embeddings-model", "embeddings_provider", lambda settings: settings.embeddings_model),
)


def _knob(
    default: Any,
    flag: str,
    help: str,
    *,
    role: str | None = None,
    inputs: tuple[str, ...] = (),
    kind: type = str,
    provider_option: str | None = None,
    recorded_unset: bool = True,
) -> Any:
    """A setting declared once: its default, its flag and help, the role whose knob it is
    (caption or image), the dataflows it is an input of (caption, generate, rewrite), and the
    provider role whose declared options it must be among (None: every provider takes it).
    recorded_unset=False: a knob added after runs were named, left out of the record while
    unset, so that those runs keep their names and manifests."""
    metadata = {
        "recorded_unset": recorded_unset,
        "flag": flag,
        "help": help,
        "role": role,
        "inputs": inputs,
        "kind": kind,
        "provider_option": provider_option,
    }
    return dataclasses.field(default=default, metadata=metadata)


def knobs(role: str | None = None) -> list[dataclasses.Field]:
    """The settings a user turns: all of them, or those of one role."""
    return [
        field
        for field in dataclasses.fields(GameSettings)
        if "flag" in field.metadata and (role is None or field.metadata["role"] == role)
    ]


def dataflow_inputs(settings: GameSettings, dataflow: str) -> dict[str, Any]:
    """The knobs one dataflow takes as inputs (caption, generate or rewrite), by input name;
    repeatable knobs as lists, knobs left unset left out."""
    values = {}
    for field in knobs():
        value = getattr(settings, field.name)
        if dataflow in field.metadata["inputs"] and value not in (None, ()):
            values[field.name] = list(value) if isinstance(value, tuple) else value
    return values


@dataclasses.dataclass(frozen=True)
class GameSettings:
    """Everything that shapes a game's channel; two runs with equal settings are comparable."""

    provider: str = OFFLINE  # a registered provider's name
    caption_model: str | None = None
    image_model: str | None = None
    embeddings_model: str | None = None
    # The knobs: each declares its command-line flag, the role it shapes (a tournament's
    # captioners and painters take their role's knobs) and the dataflow inputs it feeds.
    descriptiveness: str | None = _knob(
        None,
        "--descriptiveness",
        "an adverb: somewhat, very, extremely, obsessively…",
        role="caption",
        inputs=("caption",),
    )
    core_prompt: str | None = _knob(
        None, "--core-prompt", "replaces the caption instruction", role="caption"
    )
    additional_prompt: str | None = _knob(
        None, "--prompt", "added to the caption prompt", role="caption", inputs=("caption",)
    )
    image_style: str | None = _knob(
        None, "--style", "image style, e.g. watercolor", role="image", inputs=("generate",)
    )
    additional_image_prompt: str | None = _knob(
        None, "--image-prompt", "added to image prompts", role="image", inputs=("generate",)
    )
    temperature: float | None = _knob(
        None,
        "--temperature",
        "caption temperature, 0..2",
        role="caption",
        inputs=("caption", "rewrite"),
        kind=float,
    )
    max_tokens: int = _knob(
        300,
        "--max-tokens",
        "caption length limit (default 300)",
        role="caption",
        inputs=("caption", "rewrite"),
        kind=int,
    )
    stop: tuple[str, ...] = _knob(
        (), "--stop", "stop sequence (repeatable)", role="caption", inputs=("caption",)
    )
    size: str | None = _knob(
        None, "--size", "image size WIDTHxHEIGHT", role="image", inputs=("generate",)
    )
    steps: int | None = _knob(
        None,
        "--steps",
        "denoising steps, for a painter that takes them (huggingface)",
        role="image",
        kind=int,
        provider_option="painter",
        recorded_unset=False,
    )
    guidance: float | None = _knob(
        None,
        "--guidance",
        "guidance scale, for a painter that takes it (huggingface)",
        role="image",
        kind=float,
        provider_option="painter",
        recorded_unset=False,
    )
    quality: str | None = _knob(
        None,
        "--quality",
        "image quality, for a painter that takes it (see `image-telephone models`)",
        role="image",
        inputs=("generate",),
        provider_option="painter",
    )
    caption_inputs: tuple[str, ...] = _knob(
        (),
        "--caption-input",
        "NAME=VALUE: an input of the captioner's model, added or renamed (repeatable; "
        "replicate, see docs/providers.md)",
        role="caption",
        provider_option="captioner",
        recorded_unset=False,
    )
    image_inputs: tuple[str, ...] = _knob(
        (),
        "--image-input",
        "NAME=VALUE: an input of the painter's model, added or renamed (repeatable; "
        "replicate, see docs/providers.md)",
        role="image",
        provider_option="painter",
        recorded_unset=False,
    )
    seed: int = _knob(0, "--seed", "seed for everything random (default 0)", kind=int)
    base_url: str | None = None
    style_modifiers: tuple[str, ...] = _knob(
        (),
        "--modifier",
        "appended to every image prompt, e.g. 'trending on artstation' (repeatable)",
        role="image",
        inputs=("generate",),
    )
    mode: Mode = "telephone"
    more_of: str | None = _knob(
        None,
        "--more-of",
        "with --mode more: the quality to exaggerate each turn",
        inputs=("rewrite",),
    )
    # Set by resolved(): the model to use when the default image model is missing on the server.
    image_model_fallback: str | None = None
    # Each role's provider; None: `provider`'s. A mixed pair is e.g. an openai captioner and an
    # offline painter.
    caption_provider: str | None = None
    image_provider: str | None = None
    embeddings_provider: str | None = None
    # Each role's OpenAI-compatible endpoint; None: `base_url`. A tournament's painter may call
    # another server than its captioner, and its embedder a third.
    caption_base_url: str | None = None
    image_base_url: str | None = None
    embeddings_base_url: str | None = None

    def __post_init__(self) -> None:
        registered_provider(self.provider)  # an InputError naming the registered ones
        for role, name in zip(_MODEL_FIELDS, _ROLE_FIELDS, strict=True):
            chosen = getattr(self, name) or self.provider
            registered_provider(chosen).models_for(role)  # it must serve the role
            object.__setattr__(self, name, chosen)
        for knob in knobs():
            role, value = knob.metadata["provider_option"], getattr(self, knob.name)
            if role is not None and value not in (None, (), []):
                provider = self.role_providers()[role]
                registered_provider(provider).check_option(role, knob.name, value)
        builtin_only = [
            flag
            for flag, provider_field, value in _ROLE_OPTIONS
            if value(self) and getattr(self, provider_field) == OFFLINE
        ]
        if builtin_only:
            raise InputError(
                f"{', '.join(builtin_only)}: the offline provider has only its built-in models; "
                "drop the option or choose an openai model for that role"
            )
        if self.base_url and not any(map(_calls_endpoint, self.role_providers().values())):
            raise InputError(
                "--base-url: no role plays on an OpenAI-compatible server; drop it or choose "
                "an openai captioner, painter or embedder"
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
        if self.steps is not None and self.steps < 1:
            raise InputError(f"steps {self.steps}: must be at least 1")
        if self.guidance is not None and self.guidance < 0:
            raise InputError(f"guidance {self.guidance}: must be at least 0")
        if self.size is not None and not _is_size(self.size):
            raise InputError(f"size {self.size!r}: expected WIDTHxHEIGHT, e.g. 1024x1024")
        for knob in knobs():  # repeatable knobs: lists from a file or a manifest, kept as tuples
            if isinstance(knob.default, tuple):
                object.__setattr__(self, knob.name, tuple(getattr(self, knob.name)))
        self._check_role_urls()
        # The client needs the URL as given; what is recorded and compared has no credentials.
        object.__setattr__(self, "client_base_url", self.base_url)
        object.__setattr__(self, "base_url", _redact_url(self.base_url))
        given = {}
        for url_field, _ in _URL_FIELDS.values():
            url = getattr(self, url_field)
            given[url_field] = None if url == self.client_base_url else url  # one way to say it
            object.__setattr__(self, url_field, _redact_url(given[url_field]))
        object.__setattr__(self, "_client_role_urls", given)

    def _check_role_urls(self) -> None:
        """Refuses a role's own endpoint where that role's provider calls none."""
        for role, (url_field, provider_field) in _URL_FIELDS.items():
            provider = getattr(self, provider_field)
            if getattr(self, url_field) and not _calls_endpoint(provider):
                raise InputError(
                    f"{url_field}: the {role} is {provider}, which calls no server; drop it or "
                    f"choose an openai {role}"
                )

    def role_providers(self) -> dict[str, str]:
        """The provider of each role: captioner (and rewriter), painter, embedder."""
        return {
            "captioner": self.caption_provider or self.provider,
            "painter": self.image_provider or self.provider,
            "embedder": self.embeddings_provider or self.provider,
        }

    def role_endpoints(self, *, for_client: bool = False) -> dict[str, str | None]:
        """Each role's endpoint: its own base URL, else base_url (None: the provider's default
        server, or a provider that calls none). Credentials are redacted unless for_client."""
        base = self.client_base_url if for_client else self.base_url
        endpoints: dict[str, str | None] = {}
        for role, (url_field, provider_field) in _URL_FIELDS.items():
            own = self._client_role_urls[url_field] if for_client else getattr(self, url_field)
            calls = _calls_endpoint(getattr(self, provider_field))
            endpoints[role] = (own or base) if calls else None
        return endpoints

    @property
    def label(self) -> str:
        """The provider, or the providers of a mixed game joined by '-' (for run names)."""
        return "-".join(dict.fromkeys(self.role_providers().values()))

    def resolved(self) -> GameSettings:
        """These settings with every environment default filled in (models, base URL), so that
        they are recorded, compared on resume, and handed to the dataflows as values."""
        chosen: dict[str, Any] = {}
        # Each role without a URL of its own takes its provider's endpoint variable (None: the
        # provider's default server): OPENAI_BASE_URL is no Replicate server, nor the reverse.
        env_urls: dict[str, str | None] = {}
        for role, provider in self.role_providers().items():
            model_field = _MODEL_FIELDS[role]
            if provider == OFFLINE:
                continue  # built-in models only: nothing in the environment changes them
            spec = registered_provider(provider)
            chosen[model_field], fallback = spec.models_for(role).chosen(getattr(self, model_field))
            if role == "painter":
                chosen["image_model_fallback"] = self.image_model_fallback or fallback
            url_field = _URL_FIELDS[role][0]
            if spec.base_url_env and not self._client_role_urls[url_field]:
                env_urls[url_field] = os.environ.get(spec.base_url_env) or None
        role_urls = dict(self._client_role_urls)  # as given: replace() would get redacted ones
        if env_urls and not self.client_base_url:
            shared = set(env_urls.values())
            # One server for every role (the usual case) is the base URL; else each its own.
            chosen["base_url"] = shared.pop() if len(shared) == 1 else None
            if chosen["base_url"] is None:
                role_urls.update(env_urls)
        elif env_urls:
            chosen["base_url"] = self.client_base_url
        return dataclasses.replace(self, **{**role_urls, **chosen})

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready dict (no secrets: keys never enter settings)."""
        record = dataclasses.asdict(self)
        for knob in knobs():
            if isinstance(knob.default, tuple):
                record[knob.name] = list(record[knob.name])
        for knob in knobs():
            if not knob.metadata["recorded_unset"] and record[knob.name] in (None, (), []):
                del record[knob.name]
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
            f"{key}: {mine.get(key)!r} -> {theirs.get(key)!r}"
            for key in dict.fromkeys([*mine, *theirs])
            if mine.get(key) != theirs.get(key)
        ]


def _calls_endpoint(provider: str) -> bool:
    """Whether the provider calls a server (and so has an endpoint), not built-in models."""
    spec = registered_provider(provider)
    return spec.needs_key or spec.base_url_env is not None


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
