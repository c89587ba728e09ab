"""The huggingface provider's client: what a game calls. Each call waits in its model's batcher,
so concurrent games of one process (a tournament's threads) are served in batches."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from image_telephone.errors import InputError, ProviderError
from image_telephone.providers.base import Completion, Embedding, Painting
from image_telephone.providers.batching import Batcher, batch_limits

from . import CHAT_CAPTIONERS, captioning, loading, painting

_batchers: dict[tuple[str, str, str], Batcher] = {}
_guard = threading.Lock()


def batcher(kind: str, model: str, device: str) -> Batcher:
    """The process's one batcher of a model (captioner, painter or embedder) on a device."""
    with _guard:
        key = (kind, model, device)
        if key not in _batchers:
            _batchers[key] = Batcher(_runner(kind, model, device), *batch_limits())
        return _batchers[key]


def _runner(kind: str, model: str, device: str) -> Callable[[Hashable, list], Sequence]:
    """The function a batcher runs: a batch of one model's items, its errors in one line."""
    run = {"captioner": _caption_batch, "painter": _paint_batch, "embedder": _embed_batch}[kind]

    def run_batch(request: Hashable, items: list) -> Sequence:
        try:
            return run(model, device, request, items)
        except (ProviderError, InputError):
            raise
        except Exception as error:
            raise ProviderError(_failure(kind, model, device, error)) from error

    return run_batch


def _failure(kind: str, model: str, device: str, error: BaseException) -> str:
    text = loading.first_line(error)
    if "out of memory" in text.lower():
        return (
            f"huggingface {kind} {model}: out of memory on {device} ({text}); lower "
            "IMAGE_TELEPHONE_BATCH_SIZE or --size, or choose a smaller model"
        )
    return f"huggingface {kind} {model} on {device}: {type(error).__name__}: {text}"


def _caption_batch(model: str, device: str, request: Any, items: list) -> list[list[str]]:
    return captioning.generate(loading.caption_pipeline(model, device), request, items)


def _paint_batch(model: str, device: str, request: Any, items: list) -> list[bytes]:
    load = loading.image_to_image if request.onto_image else loading.text_to_image
    return painting.paint(load(model, device), request, items)


def _embed_batch(model: str, device: str, request: Any, items: list) -> list[tuple[float, ...]]:
    encoder = loading.sentence_transformer(model, device)
    vectors = encoder.encode(items, batch_size=len(items), convert_to_numpy=True)
    return [tuple(float(value) for value in vector) for vector in vectors]


def _open_image(data: bytes) -> Any:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGB")
    except Exception as error:
        raise InputError(f"image for a huggingface model: cannot be read ({error})") from error


class HuggingFaceClient:
    """Captions, paints, embeds and rewrites with open models on this machine; the models and
    their batchers are the process's, shared by every game (and client) in it."""

    def __init__(self, device: str | None = None):
        self.device = loading.choose_device(device)
        self.limits = batch_limits()  # read when a game starts; the latest game's apply

    def _batcher(self, kind: str, model: str) -> Batcher:
        shared = batcher(kind, model, self.device)
        shared.max_size, shared.max_wait_s = self.limits
        return shared

    def _record(self, model: str) -> dict[str, Any]:
        return {"model": model, "device": self.device, "dtype": _dtype_name(self.device)}

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
        """Captions the image: a chat model as the prompt asks, a BLIP-style one from a prefix."""
        request = captioning.text_request(
            "caption", prompt, max_tokens, temperature, seed, candidates
        )
        return self._complete(model, request, _open_image(image), stop)

    def rewrite(
        self,
        instruction: str,
        model: str,
        *,
        max_tokens: int,
        temperature: float | None,
        seed: int | None,
    ) -> Completion:
        """Answers a text instruction with the captioner's model (a chat model)."""
        if not captioning.is_chat(loading.caption_pipeline(model, self.device)):
            raise ProviderError(
                f"huggingface captioner {model}: has no chat template, so it cannot rewrite "
                "captions (the creative modes); choose a chat captioner, e.g. "
                f"huggingface:{CHAT_CAPTIONERS[0]}, or play --mode telephone"
            )
        request = captioning.text_request("rewrite", "", max_tokens, temperature, seed)
        return self._complete(model, request, instruction, None)

    def _complete(
        self, model: str, request: captioning.TextRequest, item: Any, stop: list[str] | None
    ) -> Completion:
        started = time.perf_counter()
        texts, batch_size = self._batcher("captioner", model).submit_sized(item, request)
        texts = [captioning.cut_at_stop(text, stop) for text in texts]
        chat = captioning.is_chat(loading.caption_pipeline(model, self.device))
        asked = {}  # what a caption was asked: the game's prompt, or BLIP's prefix
        if request.kind == "caption":
            asked = {"prompt": request.prompt if chat else captioning.CAPTION_PREFIX}
        return Completion(
            text=texts[0],
            texts=tuple(texts),
            finish_reason=None,
            latency_s=round(time.perf_counter() - started, 4),
            parameters={
                **self._record(model),
                "max_tokens": request.max_tokens,
                "temperature": request.temperature_used,
                "seed": request.seed,
                **asked,
                "batch_size": batch_size,
            },
            parameter_notes=() if chat or not asked else (_PREFIX_NOTE,),
        )

    def paint(
        self,
        prompt: str,
        model: str,
        *,
        size: str | None,
        seed: int | None,
        init_image: bytes | None,
        steps: int | None = None,
        guidance: float | None = None,
    ) -> Painting:
        """Paints the prompt (onto init_image when given) with a generator seeded by seed."""
        default_steps, default_guidance = painting.defaults(model)
        steps = steps or default_steps
        if init_image is not None:  # image-to-image runs steps × strength of them: at least one
            steps = max(steps, painting.MIN_IMAGE_STEPS)
        request = painting.PaintRequest(
            painting.parse_size(size),
            steps,
            default_guidance if guidance is None else guidance,
            init_image is not None,
        )
        start = _open_image(init_image) if init_image is not None else None
        started = time.perf_counter()
        png, batch_size = self._batcher("painter", model).submit_sized(
            (prompt, seed or 0, start), request
        )
        guidance_used = request.guidance
        if guidance_used is None:
            guidance_used = painting.default_guidance(loading.text_to_image(model, self.device))
        return Painting(
            png=png,
            model=model,
            latency_s=round(time.perf_counter() - started, 4),
            parameters={
                **self._record(model),
                "size": size or _size_of(png),
                "steps": request.steps,
                "guidance": guidance_used,
                "seed": seed or 0,
                **({"strength": painting.IMAGE_STRENGTH} if start is not None else {}),
                "batch_size": batch_size,
            },
        )

    def embed(self, text: str, model: str) -> Embedding:
        """The text's sentence-transformers vector."""
        return Embedding(self._batcher("embedder", model).submit(text), model)


_PREFIX_NOTE = (
    "a BLIP-style captioner takes no instruction: it continued "
    f"'{captioning.CAPTION_PREFIX}' instead of the caption prompt"
)


def _size_of(png: bytes) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return f"{image.width}x{image.height}"


def _dtype_name(device: str) -> str:
    return str(loading.dtype(device)).removeprefix("torch.")
