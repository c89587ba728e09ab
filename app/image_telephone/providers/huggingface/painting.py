"""Paintings from a diffusers pipeline: a batch of prompts with one seeded generator each (so a
painting does not depend on its batch), onto a start image when one is given."""

from __future__ import annotations

import dataclasses
import inspect
import io
import math
from typing import Any

from image_telephone.errors import InputError

IMAGE_STRENGTH = 0.6  # how far a painting onto a start image departs from it
MIN_IMAGE_STEPS = math.ceil(1 / IMAGE_STRENGTH)  # so that at least one step runs


@dataclasses.dataclass(frozen=True)
class PaintRequest:
    """What a batch of paintings shares: size, steps, guidance, and whether it starts from
    images."""

    size: tuple[int, int] | None  # (width, height); None: the model's own
    steps: int
    guidance: float | None  # None: the pipeline's default
    onto_image: bool = False


def defaults(model: str) -> tuple[int, float | None]:
    """(steps, guidance) for a model the game did not set them for: the distilled turbo and
    schnell models take a few steps and no guidance; others 25 steps at their own guidance."""
    name = model.lower()
    if "turbo" in name:
        return 2, 0.0
    if "schnell" in name:
        return 4, 0.0
    return 25, None


def parse_size(size: str | None) -> tuple[int, int] | None:
    """(width, height) from 'WxH' (None for no size or 'auto'); sides must be multiples of 8."""
    if size in (None, "", "auto"):
        return None
    width, _, height = size.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) % 8 or int(height) % 8:
        raise InputError(
            f"size {size!r}: huggingface painters take WIDTHxHEIGHT in multiples of 8, e.g. 512x512"
        )
    return int(width), int(height)


def default_guidance(pipeline: Any) -> float | None:
    """The guidance scale the pipeline uses when given none (to record what ran)."""
    parameter = inspect.signature(pipeline.__call__).parameters.get("guidance_scale")
    return None if parameter is None else parameter.default


def paint(pipeline: Any, request: PaintRequest, items: list[tuple[str, int, Any]]) -> list[bytes]:
    """PNG bytes for each (prompt, seed, start image or None)."""
    import torch

    prompts = [prompt for prompt, _, _ in items]
    options: dict[str, Any] = {
        "num_inference_steps": request.steps,
        # CPU generators: the same seed paints the same picture on every device.
        "generator": [torch.Generator("cpu").manual_seed(seed) for _, seed, _ in items],
    }
    if request.guidance is not None:
        options["guidance_scale"] = request.guidance
    if request.onto_image:
        starts = [start for _, _, start in items]
        if request.size:
            starts = [start.resize(request.size) for start in starts]
        options.update(image=starts, strength=IMAGE_STRENGTH)
    elif request.size:
        options.update(width=request.size[0], height=request.size[1])
    with torch.inference_mode():
        images = pipeline(prompts, **options).images
    return [_png(image) for image in images]


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
