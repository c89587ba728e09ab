"""A multimodal judge: CLIP or SigLIP through transformers, captions and images in one space."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from image_telephone.extras import require_extra

from .base import Judge, check_location

CLIP_BATCH = 32


def _model(model_id: str) -> tuple[Any, Any, str]:
    """The model, its processor and device, loaded once per process (the huggingface provider's
    cache: float32 on every device, so distances do not move with precision)."""
    from image_telephone.providers.huggingface.loading import choose_device, loaded

    on = choose_device()

    def build(source: str) -> tuple[Any, Any]:
        from transformers import AutoModel, AutoProcessor

        model = AutoModel.from_pretrained(source).to(on).eval()
        return model, AutoProcessor.from_pretrained(source)

    model, processor = loaded("judge", model_id, on, build)
    return model, processor, on


def _unit(features: Any) -> np.ndarray:
    # transformers 5 returns an output whose pooler_output is the projected features
    tensor = getattr(features, "pooler_output", features)
    rows = tensor.float().cpu().numpy()
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class ClipJudge(Judge):
    """Image-to-image, caption-to-caption and caption-to-image distances, as the study's judge
    (ImageBind) gave them."""

    kind = "clip"
    multimodal = True

    def __init__(self, spec: str, model: str):
        require_extra("local", f"judge {spec!r}", ("torch", "transformers"))
        self.spec, self.model = spec, check_location(spec, model)

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """Unit text vectors (truncated to the model's context)."""
        import torch

        model, processor, device = _model(self.model)
        siglip = "siglip" in model.config.model_type
        rows = []
        for first in range(0, len(texts), CLIP_BATCH):
            batch = processor(
                text=texts[first : first + CLIP_BATCH],
                padding="max_length" if siglip else True,
                truncation=True,
                return_tensors="pt",
            ).to(device)
            with torch.inference_mode():
                rows.append(_unit(model.get_text_features(**batch)))
        return np.vstack(rows)

    def image_vectors(self, pngs: list[bytes]) -> np.ndarray:
        """Unit image vectors."""
        import torch
        from PIL import Image

        model, processor, device = _model(self.model)
        rows = []
        for first in range(0, len(pngs), CLIP_BATCH):
            images = [
                Image.open(io.BytesIO(data)).convert("RGB")
                for data in pngs[first : first + CLIP_BATCH]
            ]
            batch = processor(images=images, return_tensors="pt").to(device)
            with torch.inference_mode():
                rows.append(_unit(model.get_image_features(**batch)))
        return np.vstack(rows)
