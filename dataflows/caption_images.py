"""Caption an image: load its bytes, type them by content, fit the size, prompt a model, embed.

A Hamilton dataflow. The provider is chosen by config: ``{"provider": "openai"}`` (any
OpenAI-compatible server, through the ``openai_client`` input) or ``{"provider": "offline"}``
(the built-in deterministic models of the ``image-telephone`` package). Add
``"include_embeddings": True`` to embed the caption.
"""

import base64
import binascii
import contextlib
import datetime
import io
import os
import re
import time
import urllib.parse
import warnings
from collections.abc import Iterator
from typing import Any

from hamilton.function_modifiers import config

from image_telephone.dataflows._openai_chat import (
    _chat_completion,
    _chat_parameters,
    _default_openai_client,
)

# With no config at all the dataflow is OpenAI's, as the original elijahbenizzy one was.
_OPENAI = ["openai", None]


DEFAULT_OPENAI_CAPTION_MODEL = "gpt-4.1-mini"
DEFAULT_OPENAI_EMBEDDINGS_MODEL = "text-embedding-3-small"
CAPTION_MODEL_ENV = "IMAGE_TELEPHONE_CAPTION_MODEL"
EMBEDDINGS_MODEL_ENV = "IMAGE_TELEPHONE_EMBEDDINGS_MODEL"
# OpenAI scales anything larger than 2048 px down anyway; sending less saves bandwidth.
OPENAI_MAX_IMAGE_SIDE = 2048
OFFLINE_MAX_IMAGE_SIDE = 512
# Larger images are refused from their header, before any pixel is decoded: 50 megapixels is
# more than any camera photo needs, and decoding one takes at most a few hundred MB.
MAX_IMAGE_PIXELS = 50_000_000

_MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
REGISTERED_MAX_IMAGE_SIDE = 1024
_BUILT_IN_PROVIDERS = ("openai", "offline", None)


def _registered(configuration: dict[str, Any]) -> bool:
    """Whether the config names a provider registered with image-telephone (not a built-in):
    its variants call the `provider_client` input, which that provider's spec builds."""
    return configuration.get("provider") not in _BUILT_IN_PROVIDERS


def _registered_embedder(configuration: dict[str, Any]) -> bool:
    """Whether a registered provider embeds the caption."""
    return _registered(configuration) and configuration.get("include_embeddings") is True


# A bad-image message is one line; with a prefix such as "error: " it still fits in 200.
_MESSAGE_LIMIT = 190
_SHOWN_LIMIT = 72  # characters of the input's name in such a message
# Modes every image decoder and vision model reads; any other mode is re-encoded.
_PLAIN_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})
_SIXTEEN_BIT_PNG_MODES = frozenset({"I;16", "I;16B"})


class _RefusedImage(ValueError):
    """A bad image whose message is final: one line naming the input and what to do."""


def _shown(image_url: str) -> str:
    """The input as a message names it: printable, without credentials or query, abbreviated."""
    if image_url[:5].lower() == "data:":
        shown = f"{image_url.partition(',')[0][:40]},… ({len(image_url)} characters)"
    else:
        try:
            parts = urllib.parse.urlsplit(image_url)
        except ValueError:
            parts = None
        shown = image_url
        if parts is not None and parts.scheme and parts.netloc:
            host = parts.netloc.rpartition("@")[2]
            shown = f"{parts.scheme}://{host}{parts.path}" + ("?…" if parts.query else "")
    shown = "".join(c if c.isprintable() else "?" for c in shown)
    if len(shown) > _SHOWN_LIMIT:
        half = (_SHOWN_LIMIT - 1) // 2
        shown = f"{shown[:half]}…{shown[-half:]}"
    return shown


def _bad_image(image_url: str, problem: str, fix: str) -> _RefusedImage:
    """A one-line error of at most 190 characters: the input, what is wrong, what to do."""
    head, tail = f"image '{_shown(image_url)}': ", f"; {fix}"
    problem = " ".join(problem.split())
    room = _MESSAGE_LIMIT - len(head) - len(tail)
    if len(problem) > room:
        problem = problem[: room - 1] + "…"
    return _RefusedImage(head + problem + tail)


def _sniff_image_type(data: bytes) -> str | None:
    """Returns the MIME type of encoded image bytes from their magic number, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, mime in _MAGIC_NUMBERS:
        if data.startswith(magic):
            return mime
    return None


def _read_s3(parsed: urllib.parse.ParseResult, s3_client: Any) -> bytes:
    if s3_client is None:
        import boto3  # only needed for s3:// inputs

        s3_client = boto3.client("s3")
    response = s3_client.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))
    return response["Body"].read()


def _read_http(url: str, timeout_s: float) -> bytes:
    import requests  # only needed for http(s):// inputs

    response = requests.get(url, timeout=timeout_s)
    response.raise_for_status()
    return response.content


def _read_data_uri(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    if not header.endswith(";base64"):
        return urllib.parse.unquote_to_bytes(payload)
    try:
        return base64.b64decode(payload, validate=True)
    except binascii.Error as error:
        raise _bad_image(uri, f"invalid base64 ({error})", "re-encode it") from None


def _read_failure(error: Exception) -> str:
    """A few words on why reading failed: the HTTP status, S3 error code, refusal or timeout."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)  # requests.HTTPError
    if status:
        return f"HTTP {status}"
    if isinstance(response, dict) and response.get("Error", {}).get("Code"):  # botocore
        return f"S3 {response['Error']['Code']}"
    name, detail = type(error).__name__, str(error).lower()
    if isinstance(error, PermissionError):
        return "permission denied"
    if "timeout" in name.lower() or "timed out" in detail:
        return "timed out"
    if "refused" in detail:
        return "connection refused"
    if any(word in detail for word in ("resolve", "name or service", "nodename", "getaddrinfo")):
        return "host not found"
    return name


def image_bytes(
    image_url: str, s3_client: Any | None = None, http_timeout_s: float = 30.0
) -> bytes:
    """The raw bytes behind image_url: a local path, file://, http(s)://, s3:// or data: URI."""
    parsed = urllib.parse.urlparse(image_url)
    scheme = parsed.scheme.lower()
    try:
        if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
            path = urllib.parse.unquote(parsed.path) if scheme == "file" else image_url
            with open(path, "rb") as handle:
                data = handle.read()
        elif scheme in ("http", "https"):
            data = _read_http(image_url, http_timeout_s)
        elif scheme == "s3":
            data = _read_s3(parsed, s3_client)
        elif scheme == "data":
            data = _read_data_uri(image_url)
        else:
            raise _bad_image(
                image_url,
                f"unsupported URL scheme {scheme!r}",
                "use a local path, file://, http(s)://, s3:// or data: URI",
            )
    except FileNotFoundError:
        raise _bad_image(image_url, "no such file", "check the path") from None
    except IsADirectoryError:
        raise _bad_image(image_url, "is a folder", "give an image file") from None
    except ValueError:
        raise
    except Exception as error:  # network and S3 errors, reported as the input's problem
        raise _bad_image(
            image_url,
            f"could not be read ({_read_failure(error)})",
            "check the address and that it is reachable",
        ) from error
    if not data:
        raise _bad_image(image_url, "is empty (0 bytes)", "give a real image")
    return data


def image_mime_type(image_bytes: bytes, image_url: str) -> str:
    """The image's MIME type, read from its content (never from its file name)."""
    mime = _sniff_image_type(image_bytes)
    if mime is None:
        raise _bad_image(
            image_url,
            "is not a PNG, JPEG, GIF or WEBP image (whatever its name says)",
            "give an image file",
        )
    return mime


@config.when_in(provider=_OPENAI)
def max_image_side__openai() -> int:
    """The longest side, in pixels, worth sending to OpenAI vision models."""
    return OPENAI_MAX_IMAGE_SIDE


@config.when(provider="offline")
def max_image_side__offline() -> int:
    """The longest side, in pixels, the offline describer looks at."""
    return OFFLINE_MAX_IMAGE_SIDE


@contextlib.contextmanager
def _decoding(image_url: str, what: str) -> Iterator[None]:
    """Turns any failure to decode the image into a one-line error naming the input."""
    from PIL import UnidentifiedImageError

    try:
        yield
    except _RefusedImage:
        raise
    except Exception as error:  # Pillow's decoders raise many types on malformed input
        reason = (
            "its header cannot be read"
            if isinstance(error, UnidentifiedImageError)
            else str(error) or type(error).__name__
        )
        raise _bad_image(
            image_url,
            f"is a damaged or truncated {what} ({reason})",
            "re-export or replace the file",
        ) from error


def _too_large(image_url: str, size: str) -> _RefusedImage:
    """The error for an image over MAX_IMAGE_PIXELS, its size as its header gives it."""
    return _bad_image(
        image_url,
        f"is {size}, over the {MAX_IMAGE_PIXELS // 1_000_000}-megapixel limit",
        "scale it down and try again",
    )


def _open_within_limit(image_bytes: bytes, image_url: str) -> Any:
    """The image opened from its header only; refused when it has over MAX_IMAGE_PIXELS pixels."""
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow warns from ~89 megapixels; those are refused below, with the limit named.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(image_bytes))
        except Image.DecompressionBombError as error:  # ~179 megapixels and up: no size kept
            found = re.search(r"\d+", str(error))
            size = f"{int(found.group()) / 1e6:,.0f} megapixels" if found else "far too large"
            raise _too_large(image_url, size) from None
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise _too_large(image_url, f"{width}x{height} pixels")
    return image


def _png_ready(image: Any, lossless: bool) -> Any:
    """The current frame in a mode PNG stores, alpha kept; lossless keeps 1-bit/palette/16-bit."""
    # Not lossless (for models): 1-bit and 16-bit become 8-bit grey, a palette RGB(A).
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA") or (lossless and mode in ("1", "P")):
        return image
    if lossless and mode in _SIXTEEN_BIT_PNG_MODES:
        return image
    if mode.startswith("I"):  # 16- or 32-bit grey; convert("L") would clip it to white
        grey = image.convert("I")
        return grey.convert("I;16") if lossless else grey.point(lambda v: v / 256).convert("L")
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "La":
        return image.convert("LA")
    converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    # A CMYK (or Lab, YCbCr) colour profile does not describe RGB pixels.
    converted.info.pop("icc_profile", None)
    return converted


def _reencoded(image: Any, image_mime_type: str, max_image_side: int) -> bytes:
    """The current frame, upright, in a mode models read, shrunk to fit, as JPEG or PNG."""
    from PIL import ImageOps

    image = _png_ready(image, lossless=False)
    image.thumbnail((max_image_side, max_image_side))
    image = ImageOps.exif_transpose(image)
    keeps_jpeg = image_mime_type == "image/jpeg" and image.mode in ("L", "RGB")
    out = io.BytesIO()
    image.save(
        out, format="JPEG" if keeps_jpeg else "PNG", icc_profile=image.info.get("icc_profile")
    )
    return out.getvalue()


@config(_registered, config_used=["provider"])
def max_image_side__registered() -> int:
    """The longest side, in pixels, sent to a registered provider's captioner."""
    return REGISTERED_MAX_IMAGE_SIDE


def fitted_image(
    image_bytes: bytes, image_mime_type: str, image_url: str, max_image_side: int
) -> bytes:
    """The image checked (pixel limit, truncation); re-encoded if too big, animated or odd mode."""
    with _decoding(image_url, image_mime_type):
        if image_mime_type == "image/png":
            # Checks every chunk's CRC and the end marker without decoding the pixels.
            with _open_within_limit(image_bytes, image_url) as image:
                image.verify()
        with _open_within_limit(image_bytes, image_url) as image:
            if (
                max(image.size) <= max_image_side
                and image.mode in _PLAIN_MODES
                and not getattr(image, "is_animated", False)
            ):
                if image_mime_type != "image/png":
                    image.load()
                return image_bytes
            return _reencoded(image, image_mime_type, max_image_side)


def processed_image_url(image_data_uri: str) -> str:
    """The image as the model receives it (the original elijahbenizzy dataflow's name)."""
    return image_data_uri


def image_data_uri(fitted_image: bytes) -> str:
    """The fitted image as a base64 data URI whose MIME type matches its bytes."""
    mime = _sniff_image_type(fitted_image)
    return f"data:{mime};base64,{base64.b64encode(fitted_image).decode('ascii')}"


def core_prompt() -> str:
    """The core instruction given to the captioner; override this node to change it."""
    return "Please provide a caption for this image."


def caption_prompt(
    core_prompt: str,
    descriptiveness: str | None = None,
    additional_prompt: str | None = None,
) -> str:
    """The full caption prompt: the core prompt, how descriptive to be, and any addition."""
    parts = [core_prompt]
    if descriptiveness:
        parts.append(f"The caption should be {descriptiveness} descriptive.")
    if additional_prompt:
        parts.append(additional_prompt)
    return " ".join(parts)


@config.when_in(provider=_OPENAI)
def caption_model__openai(model: str | None = None) -> str:
    """The vision model: the model input, else $IMAGE_TELEPHONE_CAPTION_MODEL, else the default."""
    return model or os.environ.get(CAPTION_MODEL_ENV) or DEFAULT_OPENAI_CAPTION_MODEL


@config.when(provider="offline")
def caption_model__offline() -> str:
    """The built-in offline describer's model name."""
    from image_telephone.providers.offline import DESCRIBE_MODEL

    return DESCRIBE_MODEL


@config(_registered, config_used=["provider"])
def caption_model__registered(model: str) -> str:
    """A registered provider's vision model, as the game resolved it."""
    return model


@config.when_in(provider=_OPENAI)
def caption_completion__openai(
    image_data_uri: str,
    caption_prompt: str,
    caption_model: str,
    openai_client: Any = None,
    max_tokens: int = 300,
    temperature: float | None = None,
    stop: list[str] | None = None,
    seed: int | None = None,
    candidates: int = 1,
) -> dict:
    """The chat completion for the prompt and image: text (and all `candidates` texts), usage,
    latency, parameter notes."""
    notes: list[str] = []
    params = _chat_parameters(caption_model, max_tokens, temperature, stop, seed, notes)
    if candidates > 1:
        params["n"] = candidates
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": caption_prompt},
                {"type": "image_url", "image_url": {"url": image_data_uri}},
            ],
        }
    ]
    started = time.perf_counter()
    response = _chat_completion(openai_client, caption_model, messages, params, notes)
    texts = [(choice.message.content or "").strip() for choice in response.choices]
    return {
        "text": texts[0],
        "texts": texts,
        "finish_reason": response.choices[0].finish_reason,
        "usage": response.usage.model_dump() if response.usage else None,
        "latency_s": round(time.perf_counter() - started, 4),
        "parameters": params,
        "parameter_notes": notes,
    }


@config.when(provider="offline")
def caption_completion__offline(
    fitted_image: bytes,
    max_tokens: int = 300,
    descriptiveness: str | None = None,
    temperature: float | None = None,
    stop: list[str] | None = None,
    seed: int | None = None,
    candidates: int = 1,
) -> dict:
    """The offline describer's caption(s) of the image, with the same fields as a completion."""
    from image_telephone.providers.offline import describe

    params = {
        "descriptiveness": descriptiveness,
        "temperature": temperature or 0.0,
        "seed": seed or 0,
        "max_words": max_tokens,
        "stop": list(stop or ()),
    }
    started = time.perf_counter()
    # Candidates differ by seed, as n completions of a sampled model do.
    texts = [
        describe(fitted_image, **{**params, "seed": params["seed"] + i}) for i in range(candidates)
    ]
    return {
        "text": texts[0],
        "texts": texts,
        "finish_reason": "stop",
        "usage": None,
        "latency_s": round(time.perf_counter() - started, 4),
        "parameters": params,
        "parameter_notes": [],
    }


@config(_registered, config_used=["provider"])
def caption_completion__registered(
    fitted_image: bytes,
    caption_prompt: str,
    provider_client: Any,
    caption_model: str,
    max_tokens: int = 300,
    temperature: float | None = None,
    stop: list[str] | None = None,
    seed: int | None = None,
    candidates: int = 1,
) -> dict:
    """A registered provider's caption of the image, with the same fields as a completion."""
    completion = provider_client.caption(
        fitted_image,
        caption_prompt,
        caption_model,
        max_tokens=max_tokens,
        temperature=temperature,
        stop=stop,
        seed=seed,
        candidates=candidates,
    )
    return completion.as_dict()


def generated_caption(caption_completion: dict) -> str:
    """The caption text."""
    return caption_completion["text"]


@config.when_in(provider=_OPENAI, include_embeddings=[True])
def embedding_model__openai(embeddings_model: str | None = None) -> str:
    """The embeddings model: the input, else $IMAGE_TELEPHONE_EMBEDDINGS_MODEL, else default."""
    return (
        embeddings_model or os.environ.get(EMBEDDINGS_MODEL_ENV) or DEFAULT_OPENAI_EMBEDDINGS_MODEL
    )


@config.when(provider="offline", include_embeddings=True)
def embedding_model__offline() -> str:
    """The built-in offline embedder's model name."""
    from image_telephone.providers.offline import EMBED_MODEL

    return EMBED_MODEL


@config.when_in(provider=_OPENAI, include_embeddings=[True])
def caption_embeddings__openai(
    generated_caption: str, embedding_model: str, openai_client: Any = None
) -> list[float]:
    """The caption's embedding vector from the OpenAI embeddings API."""
    client = openai_client or _default_openai_client()
    response = client.embeddings.create(input=[generated_caption], model=embedding_model)
    return list(response.data[0].embedding)


@config.when(provider="offline", include_embeddings=True)
def caption_embeddings__offline(generated_caption: str) -> list[float]:
    """The caption's embedding vector from the offline hashed n-gram embedder."""
    from image_telephone.providers.offline import embed

    return embed(generated_caption)


@config(_registered_embedder, config_used=["provider", "include_embeddings"])
def embedding_model__registered(embeddings_model: str) -> str:
    """A registered provider's embeddings model, as the game resolved it."""
    return embeddings_model


@config(_registered_embedder, config_used=["provider", "include_embeddings"])
def caption_embeddings__registered(
    generated_caption: str, provider_client: Any, embedding_model: str
) -> list[float]:
    """The caption's embedding from a registered provider."""
    return list(provider_client.embed(generated_caption, embedding_model).vector)


@config.when(include_embeddings=True)
def embeddings_metadata(caption_embeddings: list[float], embedding_model: str) -> dict:
    """The embedding and the model that made it."""
    return {"caption_embeddings": caption_embeddings, "embeddings_model": embedding_model}


def caption_metadata(
    image_url: str,
    generated_caption: str,
    caption_prompt: str,
    caption_model: str,
    provider: str = "openai",
) -> dict:
    """What was asked of which model and what it answered (never the client or its key); with
    generated_caption overridden no model is called for it, as in the original dataflow."""
    shown = image_url if not image_url.startswith("data:") else "data:…"
    return {
        "image_url": shown,
        "original_image_url": shown,  # the original elijahbenizzy dataflow's name
        "generated_caption": generated_caption,
        "caption_prompt": caption_prompt,
        "provider": provider,
        "caption_model": caption_model,
    }


def completion_metadata(caption_completion: dict) -> dict:
    """How the caption was made: parameters sent, what was changed for the model, usage, time."""
    return {
        "caption_parameters": caption_completion["parameters"],
        "parameter_notes": caption_completion["parameter_notes"],
        "usage": caption_completion["usage"],
        "latency_s": caption_completion["latency_s"],
        "finish_reason": caption_completion["finish_reason"],
    }


def metadata(
    caption_metadata: dict,
    embeddings_metadata: dict | None = None,
    additional_metadata: dict | None = None,
) -> dict:
    """Caption metadata merged with embeddings and extras (pass completion_metadata there to
    keep how the caption was made), stamped with the UTC time."""
    out = dict(caption_metadata)
    out.update(embeddings_metadata or {})
    out.update(additional_metadata or {})
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    out["created_at"] = out["execution_time"] = now  # the latter: the original dataflow's name
    return out
