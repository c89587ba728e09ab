"""The built-in offline models: deterministic, no network, fast, and lossy on purpose."""

from image_telephone.providers.registry import ProviderSpec, RoleModels

from .describe import DESCRIBE_MODEL, describe
from .embed import EMBED_DIMENSIONS, EMBED_MODEL, embed
from .rewrite import REWRITE_MODEL, continue_story, intensify
from .sketch import SKETCH_MODEL, sketch
from .title import TITLE_MODEL, title_from_caption

SPEC = ProviderSpec(
    name="offline",
    description="built-in demonstration models: no network, no key, deterministic, lossy",
    roles={
        "captioner": RoleModels(DESCRIBE_MODEL, known=(DESCRIBE_MODEL,)),
        "painter": RoleModels(SKETCH_MODEL, known=(SKETCH_MODEL,)),
        "embedder": RoleModels(EMBED_MODEL, known=(EMBED_MODEL,)),
        "rewriter": RoleModels(REWRITE_MODEL, known=(REWRITE_MODEL,)),
    },
)

__all__ = [
    "DESCRIBE_MODEL",
    "EMBED_DIMENSIONS",
    "EMBED_MODEL",
    "REWRITE_MODEL",
    "SPEC",
    "SKETCH_MODEL",
    "TITLE_MODEL",
    "continue_story",
    "describe",
    "embed",
    "intensify",
    "sketch",
    "title_from_caption",
]
