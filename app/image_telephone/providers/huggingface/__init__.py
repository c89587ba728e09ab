"""The huggingface provider: open models on this machine (the local extra) — transformers
captioners, diffusers painters, sentence-transformers embedders, loaded once and batched.

This module only declares the provider: the registry loads every SPEC when the command starts,
so torch, transformers and diffusers are imported by the client, at the first call."""

from __future__ import annotations

from typing import Any

from image_telephone.providers.registry import ProviderOption, ProviderSpec, RoleModels

CAPTION_MODEL = "Salesforce/blip-image-captioning-base"
IMAGE_MODEL = "stabilityai/sd-turbo"
EMBEDDINGS_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
CAPTION_MODEL_ENV = "IMAGE_TELEPHONE_HF_CAPTION_MODEL"
IMAGE_MODEL_ENV = "IMAGE_TELEPHONE_HF_IMAGE_MODEL"
EMBEDDINGS_MODEL_ENV = "IMAGE_TELEPHONE_HF_EMBEDDINGS_MODEL"
CHAT_CAPTIONERS = ("HuggingFaceTB/SmolVLM-256M-Instruct", "Qwen/Qwen2-VL-2B-Instruct")


def connect(endpoint: str | None) -> Any:
    """The client (one per game; the models and batchers behind it are shared by the process),
    or a one-line error naming the local extra when it is not installed."""
    from image_telephone.extras import require_extra

    require_extra("local", "the huggingface provider")
    from .client import HuggingFaceClient

    return HuggingFaceClient()


SPEC = ProviderSpec(
    name="huggingface",
    description="open models on this machine: transformers, diffusers, sentence-transformers "
    "(the local extra)",
    roles={
        "captioner": RoleModels(
            CAPTION_MODEL,
            CAPTION_MODEL_ENV,
            (
                "Salesforce/blip-image-captioning-large",
                "Salesforce/blip2-opt-2.7b",
                *CHAT_CAPTIONERS,
                "llava-hf/llava-1.5-7b-hf",
            ),
        ),
        "painter": RoleModels(
            IMAGE_MODEL,
            IMAGE_MODEL_ENV,
            (
                "stabilityai/sdxl-turbo",
                "stable-diffusion-v1-5/stable-diffusion-v1-5",
                "stabilityai/stable-diffusion-2-1",
                "stabilityai/stable-diffusion-xl-base-1.0",
                "black-forest-labs/FLUX.1-schnell",
            ),
        ),
        "embedder": RoleModels(
            EMBEDDINGS_MODEL,
            EMBEDDINGS_MODEL_ENV,
            ("sentence-transformers/all-mpnet-base-v2", "BAAI/bge-small-en-v1.5"),
        ),
        # The creative modes rewrite with the captioner's model: a chat model can, BLIP cannot.
        "rewriter": RoleModels(CHAT_CAPTIONERS[0], known=CHAT_CAPTIONERS),
    },
    connect=connect,
    options={
        "steps": ProviderOption("painter", "denoising steps (default: the model's, 2 for turbo)"),
        "guidance": ProviderOption("painter", "guidance scale (default: the model's, 0 for turbo)"),
    },
)
