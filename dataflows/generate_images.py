"""Paint a caption: build the image prompt, ask an image model, return PNG bytes and metadata.

A Hamilton dataflow. The provider is chosen by config: ``{"provider": "openai"}`` (the images
API through the ``openai_client`` input, always asking for base64 bytes, never an expiring URL)
or ``{"provider": "offline"}`` (the built-in deterministic sketcher of ``image-telephone``).
"""

import base64
import datetime
import functools
import io
import os
import time
from typing import Any

from hamilton.function_modifiers import config

# With no config at all the dataflow is OpenAI's, as the original elijahbenizzy one was.
_OPENAI = ["openai", None]


@functools.cache
def _default_openai_client() -> Any:
    """openai.OpenAI() from the environment, built once: for callers who pass no client."""
    import openai

    return openai.OpenAI()


DEFAULT_OPENAI_IMAGE_MODEL = "gpt-image-2"
ORIGINAL_IMAGE_MODEL = "dall-e-3"  # the elijahbenizzy dataflow's, used when no config is given
FALLBACK_OPENAI_IMAGE_MODEL = "gpt-image-1"
IMAGE_MODEL_ENV = "IMAGE_TELEPHONE_IMAGE_MODEL"
DEFAULT_OPENAI_SIZE = "1024x1024"
DEFAULT_OFFLINE_SIZE = "512x512"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _registered(configuration: dict[str, Any]) -> bool:
    """Whether the config names a provider registered with image-telephone (not a built-in):
    its variants call the `provider_client` input, which that provider's spec builds."""
    return configuration.get("provider") not in ("openai", "offline", None)


def image_prompt(
    image_generation_prompt: str,
    image_style: str | None = None,
    additional_image_prompt: str | None = None,
    style_modifiers: list[str] | None = None,
) -> str:
    """The prompt sent to the image model: the caption, style, addition and style modifiers."""
    if not image_generation_prompt or not image_generation_prompt.strip():
        raise ValueError("image_generation_prompt is empty; give the text to draw")
    parts = [image_generation_prompt.strip()]
    if image_style:
        parts.append(f"The image should be in the {image_style} style.")
    if additional_image_prompt:
        parts.append(additional_image_prompt)
    prompt = " ".join(parts)
    # Modifiers in the VQGAN+CLIP manner: "…, trending on artstation, rendered in Unreal Engine".
    return ", ".join([prompt.rstrip(" ."), *style_modifiers]) if style_modifiers else prompt


@config.when(provider="openai")
def image_model__openai(model: str | None = None) -> str:
    """The image model: the model input, else $IMAGE_TELEPHONE_IMAGE_MODEL, else the default."""
    return model or os.environ.get(IMAGE_MODEL_ENV) or DEFAULT_OPENAI_IMAGE_MODEL


@config.when(provider=None)
def image_model__original(model: str | None = None) -> str:
    """With no config, the original dataflow's model (DALL·E 3, which OpenAI-compatible servers
    still serve; OpenAI has retired it), unless a model is named."""
    return model or os.environ.get(IMAGE_MODEL_ENV) or ORIGINAL_IMAGE_MODEL


@config.when(provider=None)
def image_response_format__original() -> str:
    """With no config, ask for a URL as the original did (generated_image is that URL); the
    bytes are fetched at once all the same (generated_image_png)."""
    return "url"


@config.when(provider="openai")
def image_model_fallback__openai(model: str | None = None) -> str | None:
    """The model to use if the default image model is missing: none for a model someone named."""
    return None if model or os.environ.get(IMAGE_MODEL_ENV) else FALLBACK_OPENAI_IMAGE_MODEL


@config.when(provider="offline")
def image_model__offline() -> str:
    """The built-in offline sketcher's model name."""
    from image_telephone.providers.offline import SKETCH_MODEL

    return SKETCH_MODEL


@config.when_in(provider=_OPENAI)
def image_size__openai(size: str | None = None) -> str:
    """The requested size, WIDTHxHEIGHT (default 1024x1024)."""
    return size or DEFAULT_OPENAI_SIZE


@config.when(provider="offline")
def image_size__offline(size: str | None = None) -> str:
    """The requested size, WIDTHxHEIGHT (default, and for "auto", 512x512)."""
    return DEFAULT_OFFLINE_SIZE if size in (None, "", "auto") else size


@config(_registered, config_used=["provider"])
def image_model__registered(model: str) -> str:
    """A registered provider's image model, as the game resolved it."""
    return model


@config(_registered, config_used=["provider"])
def image_size__registered(size: str | None = None) -> str | None:
    """The requested size, WIDTHxHEIGHT, or None for the provider's own."""
    return size


def _as_png(data: bytes) -> bytes:
    if data.startswith(_PNG_MAGIC):
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()


def _blend(png: bytes, init_image: bytes) -> bytes:
    """The painting laid half-transparent over the init image (resized to match), as PNG."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as painted, Image.open(io.BytesIO(init_image)) as start:
        base = start.convert("RGB").resize(painted.size)
        out = io.BytesIO()
        Image.blend(base, painted.convert("RGB"), 0.5).save(out, format="PNG")
        return out.getvalue()


def _image_request(
    model: str, prompt: str, size: str, quality: str | None, response_format: str
) -> dict[str, Any]:
    """Images API arguments: GPT Image models always answer base64; others must be asked."""
    request: dict[str, Any] = {"model": model, "prompt": prompt, "size": size, "n": 1}
    if quality:
        request["quality"] = quality
    if not model.startswith("gpt-image"):
        request["response_format"] = response_format
    return request


def _model_is_missing(error: Any) -> bool:
    return (
        getattr(error, "code", None) == "model_not_found" or getattr(error, "status_code", 0) == 404
    )


@config.when_in(provider=_OPENAI)
def image_generation__openai(
    image_prompt: str,
    image_model: str,
    image_size: str,
    image_model_fallback: str | None = None,
    image_response_format: str = "b64_json",
    openai_client: Any = None,
    quality: str | None = None,
    init_image: bytes | None = None,
) -> dict:
    """The images API's answer: PNG bytes, revised prompt, usage, latency, the model used.

    With an init_image (PNG bytes) the images edit endpoint paints the prompt onto it."""
    import openai

    client = openai_client or _default_openai_client()

    def ask(request: dict[str, Any]) -> Any:
        if init_image is None:
            return client.images.generate(**request)
        return client.images.edit(image=("start.png", init_image, "image/png"), **request)

    request = _image_request(image_model, image_prompt, image_size, quality, image_response_format)
    started = time.perf_counter()
    notes: list[str] = []
    try:
        response = ask(request)
    except (openai.NotFoundError, openai.BadRequestError) as error:
        if image_model_fallback is None or not _model_is_missing(error):
            raise
        notes.append(f"{image_model} not available; fell back to {image_model_fallback}")
        request = _image_request(
            image_model_fallback, image_prompt, image_size, quality, image_response_format
        )
        response = ask(request)
    image = response.data[0]
    if image.b64_json:
        data = base64.b64decode(image.b64_json)
    else:  # a URL (asked for, or the server's choice): fetch the bytes now, before it expires
        import requests

        fetched = requests.get(image.url, timeout=60)
        fetched.raise_for_status()
        data = fetched.content
    usage = getattr(response, "usage", None)
    return {
        "png": _as_png(data),
        "url": image.url if not image.b64_json else None,
        "revised_prompt": getattr(image, "revised_prompt", None),
        "usage": usage.model_dump() if usage is not None else None,
        "latency_s": round(time.perf_counter() - started, 4),
        "model": request["model"],
        "parameters": {k: v for k, v in request.items() if k not in ("model", "prompt")},
        "parameter_notes": notes,
    }


@config.when(provider="offline")
def image_generation__offline(
    image_prompt: str,
    image_model: str,
    image_size: str,
    seed: int | None = None,
    init_image: bytes | None = None,
) -> dict:
    """The offline sketcher's picture of the prompt (blended half and half with init_image when
    one is given), with the same fields as an API answer."""
    from image_telephone.providers.offline import sketch

    try:
        width, height = (int(side) for side in image_size.lower().split("x"))
    except ValueError:
        width = height = 0
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise ValueError(
            f"size {image_size!r}: expected WIDTHxHEIGHT within 16..4096, e.g. 512x512"
        )
    started = time.perf_counter()
    png = sketch(image_prompt, size=(width, height), seed=seed or 0)
    if init_image is not None:
        png = _blend(png, init_image)
    return {
        "png": png,
        "revised_prompt": None,
        "usage": None,
        "latency_s": round(time.perf_counter() - started, 4),
        "model": image_model,
        "parameters": {"size": image_size, "seed": seed or 0},
        "parameter_notes": [],
    }


@config(_registered, config_used=["provider"])
def image_generation__registered(
    image_prompt: str,
    provider_client: Any,
    image_model: str,
    image_size: str | None,
    seed: int | None = None,
    init_image: bytes | None = None,
) -> dict:
    """A registered provider's painting of the prompt, as PNG bytes with its metadata."""
    painting = provider_client.paint(
        image_prompt, image_model, size=image_size, seed=seed, init_image=init_image
    )
    return {**painting.as_dict(), "png": _as_png(painting.png)}


def generated_image_png(image_generation: dict) -> bytes:
    """The painted image as PNG bytes: durable, what a run stores."""
    return image_generation["png"]


def generated_image(image_generation: dict) -> str:
    """Where the painted image is, as the original dataflow said: the URL the server answered
    with (it expires), else a data: URI of the PNG."""
    url = image_generation.get("url")
    if url:
        return url
    return "data:image/png;base64," + base64.b64encode(image_generation["png"]).decode("ascii")


def metadata(image_prompt: str, image_generation: dict, provider: str) -> dict:
    """What was asked of which model, its revised prompt and usage, stamped with the UTC time."""
    return {
        "image_prompt": image_prompt,
        "revised_prompt": image_generation["revised_prompt"],
        "provider": provider,
        "image_model": image_generation["model"],
        "image_parameters": image_generation["parameters"],
        "parameter_notes": image_generation["parameter_notes"],
        "usage": image_generation["usage"],
        "latency_s": image_generation["latency_s"],
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }
