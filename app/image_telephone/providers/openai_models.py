"""The OpenAI provider's declaration: its roles, default models (from the dataflows, where the
hub's users find them too), the environment variables of its models, key and endpoint."""

from __future__ import annotations

from image_telephone.dataflows import caption_images, generate_images, rewrite_captions
from image_telephone.providers.registry import ProviderOption, ProviderSpec, RoleModels

SPEC = ProviderSpec(
    name="openai",
    description="OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio, Azure)",
    roles={
        "captioner": RoleModels(
            caption_images.DEFAULT_OPENAI_CAPTION_MODEL,
            caption_images.CAPTION_MODEL_ENV,
            ("gpt-4.1-mini", "gpt-4.1", "gpt-4o-mini", "gpt-4o", "gpt-5", "o4-mini"),
        ),
        "painter": RoleModels(
            generate_images.DEFAULT_OPENAI_IMAGE_MODEL,
            generate_images.IMAGE_MODEL_ENV,
            ("gpt-image-2", "gpt-image-1", "dall-e-3", "dall-e-2"),
            fallback=generate_images.FALLBACK_OPENAI_IMAGE_MODEL,
        ),
        "embedder": RoleModels(
            caption_images.DEFAULT_OPENAI_EMBEDDINGS_MODEL,
            caption_images.EMBEDDINGS_MODEL_ENV,
            ("text-embedding-3-small", "text-embedding-3-large"),
        ),
        "rewriter": RoleModels(
            rewrite_captions.DEFAULT_OPENAI_REWRITE_MODEL, rewrite_captions.REWRITE_MODEL_ENV
        ),
    },
    key_env="OPENAI_API_KEY",
    base_url_env="OPENAI_BASE_URL",
    options={
        "quality": ProviderOption(
            "painter",
            "image quality: low/medium/high/auto (GPT Image), standard/hd (DALL·E 3)",
            ("auto", "low", "medium", "high", "standard", "hd"),
        )
    },
)
