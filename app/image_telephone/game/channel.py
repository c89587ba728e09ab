"""The channel: the two Hamilton dataflows, built once, with the game's inputs and named errors."""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import openai
from hamilton import driver

from image_telephone.dataflows import caption_images, generate_images, rewrite_captions
from image_telephone.errors import InputError
from image_telephone.game.settings import PROVIDERS, GameSettings, dataflow_inputs
from image_telephone.game.tracking import HamiltonNodeSpans
from image_telephone.images import as_png
from image_telephone.providers.openai_client import build_openai_client, provider_error
from image_telephone.providers.registry import provider as registered_provider


def _build_driver(module: ModuleType, **config: Any) -> driver.Driver:
    """The module's driver for the config, built once per process: a Driver is reentrant, and
    building one (reading the module's functions and types) costs more than a turn's nodes."""
    return _cached_driver(module, tuple(sorted(config.items())))


@functools.cache
def _cached_driver(module: ModuleType, config: tuple[tuple[str, Any], ...]) -> driver.Driver:
    # Node spans show each Hamilton node inside its Burr step in the tracker UI.
    return (
        driver.Builder()
        .with_config(dict(config))
        .with_modules(module)
        .with_adapters(HamiltonNodeSpans())
        .build()
    )


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _role_clients(
    settings: GameSettings, api_key: str | None, shared: Any, given: dict[str, Any]
) -> dict[str, Any]:
    """The OpenAI client of each role that plays on an OpenAI-compatible server: the one given
    for it, else the shared one, else one built per endpoint (roles on one endpoint share it)."""
    built: dict[str | None, Any] = {}
    clients = {}
    endpoints = settings.role_endpoints(for_client=True)
    for role, provider in settings.role_providers().items():
        if provider != "openai":
            continue
        client = given.get(role) or shared
        if client is None:
            url = endpoints[role]
            client = built[url] if url in built else build_openai_client(url, api_key)
            built[url] = client
        clients[role] = client
    return clients


# The client call each role makes: a role's declared provider options go to it.
_ROLE_CALLS = {"captioner": "caption", "painter": "paint", "embedder": "embed"}


class _WithOptions:
    """A registered provider's client whose role call also gets the role's provider options
    (e.g. replicate's image_inputs) as keyword arguments."""

    def __init__(self, client: Any, call: str, options: dict[str, Any]):
        self._client, self._call, self._options = client, call, options

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        return functools.partial(attribute, **self._options) if name == self._call else attribute


def _provider_clients(settings: GameSettings, given: dict[str, Any]) -> dict[str, Any]:
    """The client of each role played by a registered (not built-in) provider: the one given
    for it (a tournament's paced client), else one built by its spec once per provider and
    endpoint; with the role's provider options set, they go to its calls."""
    built: dict[tuple[str, str | None], Any] = {}
    clients = {}
    endpoints = settings.role_endpoints(for_client=True)
    for role, provider in settings.role_providers().items():
        if provider in PROVIDERS:
            continue  # the dataflows' openai and offline variants play the built-ins
        spec = registered_provider(provider)
        if spec.connect is None:
            raise InputError(f"provider {provider!r} declares no client (connect); it cannot play")
        key = (provider, endpoints[role])
        if given.get(role) is not None:
            built[key] = given[role]
        elif key not in built:
            built[key] = spec.connect(endpoints[role])
        options = {
            name: getattr(settings, name)
            for name, option in spec.options.items()
            if option.role == role and getattr(settings, name, None) not in (None, ())
        }
        client = built[key]
        clients[role] = _WithOptions(client, _ROLE_CALLS[role], options) if options else client
    return clients


class Channel:
    """Runs caption_images and generate_images for one game's settings; clients built once."""

    def __init__(
        self,
        settings: GameSettings,
        api_key: str | None = None,
        s3_client: Any = None,
        openai_client: Any = None,
        openai_clients: dict[str, Any] | None = None,
    ):
        """openai_clients: a ready client per role (captioner, painter, embedder), e.g. each
        role's endpoint's in a tournament (an OpenAI client, or a paced provider's); else
        openai_client for every role; else one client built per endpoint the roles call."""
        self.settings = settings
        roles = settings.role_providers()
        self.caption_driver = _build_driver(
            caption_images, provider=roles["captioner"], include_embeddings=True
        )
        # The caption DAG once more, with the embedder's provider; its caption nodes are
        # overridden by the captioner's answer, so only the embedding is computed there.
        self.analyze_driver = _build_driver(
            caption_images, provider=roles["embedder"], include_embeddings=True
        )
        self.generate_driver = _build_driver(generate_images, provider=roles["painter"])
        # The creative modes rewrite each caption; plain telephone needs no rewrite driver.
        self.rewrite_driver = (
            _build_driver(rewrite_captions, provider=roles["captioner"], goal=settings.mode)
            if settings.mode != "telephone"
            else None
        )
        clients = _role_clients(settings, api_key, openai_client, openai_clients or {})
        registered = _provider_clients(settings, openai_clients or {})
        self.caption_inputs = _without_none(
            {
                "openai_client": clients.get("captioner"),
                "provider_client": registered.get("captioner"),
                "s3_client": s3_client,
                "model": settings.caption_model,
                "embeddings_model": settings.embeddings_model,
                **dataflow_inputs(settings, "caption"),
            }
        )
        # The analysis embeds with the embedder's client (its endpoint may be another server).
        self.analyze_inputs = _without_none(
            {
                **self.caption_inputs,
                "openai_client": clients.get("embedder"),
                "provider_client": registered.get("embedder"),
            }
        )
        self.caption_overrides = _without_none({"core_prompt": settings.core_prompt})
        self.generate_inputs = _without_none(
            {
                "openai_client": clients.get("painter"),
                "provider_client": registered.get("painter"),
                "model": settings.image_model,
                **dataflow_inputs(settings, "generate"),
            }
        )
        # The fallback node reads the environment; the game's settings have already decided.
        self.generate_overrides = (
            {"image_model_fallback": settings.image_model_fallback}
            if roles["painter"] == "openai"
            else {}
        )
        self.rewrite_inputs = _without_none(
            {
                "openai_client": clients.get("captioner"),
                "provider_client": registered.get("captioner"),
                "model": settings.caption_model,
                **dataflow_inputs(settings, "rewrite"),
            }
        )

    @functools.cached_property
    def caption_model(self) -> str:
        """The captioner's model name, as its provider resolves it."""
        return self.caption_driver.execute(["caption_model"], inputs=self.caption_inputs)[
            "caption_model"
        ]

    def _seed(self, turn: int) -> int:
        return self.settings.seed + turn

    def models(self) -> dict[str, str]:
        """The resolved model names (defaults and environment applied)."""
        embedding = self.analyze_driver.execute(["embedding_model"], inputs=self.analyze_inputs)
        image = self.generate_driver.execute(
            ["image_model"], inputs=self.generate_inputs, overrides=self.generate_overrides
        )
        return {
            "caption_model": self.caption_model,
            "embeddings_model": embedding["embedding_model"],
            "image_model": image["image_model"],
        }

    def roles(self, models: dict[str, str]) -> dict[str, dict[str, str | None]]:
        """Who plays each role: provider, model (from models()) and endpoint (None for a
        built-in model)."""
        endpoints = self.settings.role_endpoints()
        return {
            role: {"provider": provider, "model": models[model_key], "endpoint": endpoints[role]}
            for (role, provider), model_key in zip(
                self.settings.role_providers().items(),
                ("caption_model", "image_model", "embeddings_model"),
                strict=True,
            )
        }

    def load_image(self, image_url: str) -> bytes:
        """The start image as PNG bytes, fully decoded once so bad input fails here."""
        try:
            loaded = self.caption_driver.execute(
                ["image_bytes", "image_mime_type", "fitted_image"],
                inputs={**self.caption_inputs, "image_url": image_url},
            )
        except ValueError as error:
            raise InputError(str(error)) from error
        return as_png(loaded["image_bytes"], image_url)

    def caption(
        self,
        image_url: str,
        turn: int,
        image: bytes | None = None,
        framing: str | None = None,
    ) -> dict[str, Any]:
        """The caption completion (text, usage, latency) for the image at image_url (whose
        bytes, when the caller has them, come as image so they are not fetched again)."""
        inputs = {**self.caption_inputs, "image_url": image_url, "seed": self._seed(turn)}
        if framing:
            inputs["additional_prompt"] = " ".join(
                filter(None, [framing, self.settings.additional_prompt])
            )
        overrides = {**self.caption_overrides, **({"image_bytes": image} if image else {})}
        try:
            result = self.caption_driver.execute(
                ["caption_completion"], inputs=inputs, overrides=overrides
            )
        except openai.APIError as error:
            raise provider_error(error, "caption the image", self._model("caption")) from error
        return result["caption_completion"]

    def analyze(self, image_url: str, completion: dict[str, Any]) -> dict[str, Any]:
        """The caption's metadata and embedding, reusing the caption DAG with overrides."""
        try:
            result = self.analyze_driver.execute(
                ["metadata", "completion_metadata"],
                inputs={**self.analyze_inputs, "image_url": image_url},
                overrides={
                    **self.caption_overrides,
                    "caption_completion": completion,
                    "generated_caption": completion["text"],
                    "caption_model": self.caption_model,
                },
            )
        except openai.APIError as error:
            raise provider_error(error, "embed the caption", self._model("embeddings")) from error
        roles = self.settings.role_providers()
        # The metadata node names the provider of its config, the embedder's: set both.
        return {
            **result["metadata"],
            **result["completion_metadata"],
            "provider": roles["captioner"],
            "embeddings_provider": roles["embedder"],
        }

    def paint(
        self, prompt: str, turn: int, init_image: bytes | None = None
    ) -> tuple[bytes, dict[str, Any]]:
        """PNG bytes and generation metadata for the prompt (painted onto init_image if given)."""
        inputs = {
            **self.generate_inputs,
            "image_generation_prompt": prompt,
            "seed": self._seed(turn),
            "init_image": init_image,
        }
        try:
            result = self.generate_driver.execute(
                ["generated_image_png", "metadata"],
                inputs=inputs,
                overrides=self.generate_overrides,
            )
        except openai.APIError as error:
            raise provider_error(error, "draw the caption", self._model("image")) from error
        return result["generated_image_png"], result["metadata"]

    def rewrite(self, caption: str, turn: int, **goal_inputs: Any) -> dict[str, Any]:
        """The mode's rewrite of a caption (text, usage, latency): more of it, or the next panel."""
        inputs = {
            **self.rewrite_inputs,
            **goal_inputs,
            "caption_text": caption,
            "seed": self._seed(turn),
        }
        try:
            result = self.rewrite_driver.execute(["rewrite_completion"], inputs=inputs)
        except openai.APIError as error:
            raise provider_error(error, "rewrite the caption", self._model("caption")) from error
        return result["rewrite_completion"]

    def _model(self, kind: str) -> str:
        chosen = {
            "caption": self.settings.caption_model,
            "image": self.settings.image_model,
            "embeddings": self.settings.embeddings_model,
        }[kind]
        role = {"caption": "captioner", "image": "painter", "embeddings": "embedder"}[kind]
        return chosen or f"the {self.settings.role_providers()[role]} {kind} model"
