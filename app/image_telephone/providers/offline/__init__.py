"""The built-in offline models: deterministic, no network, fast, and lossy on purpose."""

from .describe import DESCRIBE_MODEL, describe
from .embed import EMBED_DIMENSIONS, EMBED_MODEL, embed
from .rewrite import REWRITE_MODEL, continue_story, intensify
from .sketch import SKETCH_MODEL, sketch
from .title import TITLE_MODEL, title_from_caption

__all__ = [
    "DESCRIBE_MODEL",
    "EMBED_DIMENSIONS",
    "EMBED_MODEL",
    "REWRITE_MODEL",
    "SKETCH_MODEL",
    "TITLE_MODEL",
    "continue_story",
    "describe",
    "embed",
    "intensify",
    "sketch",
    "title_from_caption",
]
