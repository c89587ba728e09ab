"""Where the huggingface provider's models come from: the device and precision to run them at,
and each model loaded once per process (lazily, thread-safe), shared by every game in it.

A model is a Hub id (from the local cache, downloaded when online) or a local folder."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from image_telephone.errors import InputError, ProviderError

DEVICE_ENV = "IMAGE_TELEPHONE_DEVICE"
DEVICES = ("cuda", "mps", "cpu")

_models: dict[tuple[str, str, str], Any] = {}
_loading: dict[tuple[str, str, str], threading.Lock] = {}
_guard = threading.Lock()


def choose_device(requested: str | None = None) -> str:
    """The device to run on: the one requested, else $IMAGE_TELEPHONE_DEVICE, else the first of
    cuda, mps and cpu that this machine has."""
    chosen = requested or os.environ.get(DEVICE_ENV)
    if chosen:
        if chosen.split(":")[0] not in DEVICES:
            raise InputError(f"device {chosen!r} ({DEVICE_ENV}): expected cuda, cuda:N, mps or cpu")
        return chosen
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def dtype(on: str) -> Any:
    """Half precision on a GPU (bfloat16 where it has it: no fp16 overflow in SDXL's VAE),
    float32 on the CPU."""
    import torch

    if on.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float16 if on == "mps" else torch.float32


def loaded(kind: str, model_id: str, on: str, build: Callable[[str], Any]) -> Any:
    """The model of this kind, id and device, built by build(source) the first time it is asked
    for; concurrent first callers wait for the one load. A failed load is not remembered."""
    key = (kind, model_id, on)
    with _guard:
        if key in _models:
            return _models[key]
        lock = _loading.setdefault(key, threading.Lock())
    with lock:
        if key not in _models:
            source = _source(model_id)
            _quiet_loading()
            try:
                _models[key] = build(source)
            except (ProviderError, InputError):
                raise
            except Exception as error:
                fix = (
                    "check that the folder holds a saved model"
                    if Path(source).is_dir()
                    else f"check the id, or download it with `hf download {model_id}`"
                )
                raise ProviderError(
                    f"huggingface model {model_id!r}: could not load it as a {kind} "
                    f"({first_line(error)}); {fix}"
                ) from error
        return _models[key]


def _quiet_loading() -> None:
    """No "Loading weights" bar from transformers: it would cut through the game's progress."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def _source(model_id: str) -> str:
    """The folder or Hub id to load from: a local folder as it is; a Hub id must be in the local
    cache when the Hub is off (HF_HUB_OFFLINE), else it is downloaded by the loader."""
    if Path(model_id).expanduser().is_dir():
        return str(Path(model_id).expanduser())
    if model_id.startswith((".", "/", "~")) or model_id.count("/") > 1:
        raise InputError(
            f"huggingface model {model_id!r}: no such folder; give a Hub id or a folder"
        )
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot_download(model_id, local_files_only=True)
    except LocalEntryNotFoundError as error:
        if _offline():
            raise ProviderError(
                f"huggingface model {model_id!r}: not in the local cache and HF_HUB_OFFLINE is "
                f"set; download it first: hf download {model_id}"
            ) from error
    except Exception:  # a malformed id: the loader says what is wrong with it
        pass
    return model_id


def _offline() -> bool:
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return constants.HF_HUB_OFFLINE or value.upper() in ("1", "ON", "YES", "TRUE")


def first_line(error: BaseException) -> str:
    """The error's first line, at most 200 characters: what a one-line message quotes."""
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return line if len(line) <= 200 else line[:197] + "..."


def caption_pipeline(model_id: str, on: str | None = None) -> Any:
    """The transformers image-text-to-text pipeline of a captioner (BLIP, BLIP-2, SmolVLM,
    Qwen2-VL, LLaVA…), at half precision on a GPU."""
    on = choose_device(on)

    def build(source: str) -> Any:
        from transformers import pipeline

        return pipeline("image-text-to-text", model=source, device=on, dtype=dtype(on))

    return loaded("captioner", model_id, on, build)


def text_to_image(model_id: str, on: str | None = None) -> Any:
    """The diffusers text-to-image pipeline of a painter (SD 1.5/2.1, SD-Turbo, SDXL, FLUX…)."""
    on = choose_device(on)

    def build(source: str) -> Any:
        from diffusers import AutoPipelineForText2Image
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()  # "Loading pipeline components" too
        painter = AutoPipelineForText2Image.from_pretrained(source, dtype=dtype(on)).to(on)
        painter.set_progress_bar_config(disable=True)
        return painter

    return loaded("painter", model_id, on, build)


def image_to_image(model_id: str, on: str | None = None) -> Any:
    """The painter's image-to-image pipeline, sharing the text-to-image one's weights."""
    on = choose_device(on)
    text_pipeline = text_to_image(model_id, on)

    def build(source: str) -> Any:
        from diffusers import AutoPipelineForImage2Image

        painter = AutoPipelineForImage2Image.from_pipe(text_pipeline)
        painter.set_progress_bar_config(disable=True)
        return painter

    return loaded("image-to-image painter", model_id, on, build)


def sentence_transformer(model_id: str, device: str | None = None) -> Any:
    """The cached SentenceTransformer of an embedder (a Hub id or a folder). Kept at float32 on
    every device: embedders are small, and a judge's distances should not move with precision."""
    on = choose_device(device)

    def build(source: str) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(source, device=on)

    return loaded("embedder", model_id, on, build)
