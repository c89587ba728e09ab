"""The offline titler: turns a describe caption into a short, evocative title, not a description."""

import random
import re

from .hashing import stable_hash

TITLE_MODEL = "offline-title-1"
_COLOUR_NOUNS = {
    "red": "Ember",
    "orange": "Flare",
    "yellow": "Sun",
    "green": "Moss",
    "teal": "Lagoon",
    "blue": "Tide",
    "purple": "Dusk",
    "pink": "Blush",
    "brown": "Earth",
    "black": "Void",
    "white": "Frost",
    "gray": "Ash",
    "grey": "Ash",
}
_SHAPE_NOUNS = {
    "circle": "Orb",
    "disc": "Orb",
    "ball": "Orb",
    "round": "Orb",
    "square": "Block",
    "box": "Block",
    "rectangle": "Slab",
    "triangle": "Peak",
    "star": "Star",
    "band": "Horizon",
    "stripes": "Lines",
    "blob": "Drift",
    "shape": "Form",
}
_MOODS = {
    "dark": "Midnight",
    "dim": "Quiet",
    "bright": "Radiant",
    "vivid": "Electric",
    "muted": "Faded",
    "busy": "Restless",
    "smooth": "Still",
    "symmetric": "Balanced",
}
_SCENE_WORDS = {
    "crypto": ("Genesis", "Ledger", "Mint", "Block"),
    "nft": ("Token", "Mint"),
    "glitch": ("Signal", "Static"),
    "vapor": ("Neon", "Mirage"),
}
_TEMPLATES = (
    "{mood} {first}",
    "{first} over {second}",
    "The {first} of {second}",
    "{mood} {first} and {second}",
    "{first} {scene}",
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def title_from_caption(caption: str, context: str | None = None, seed: int = 0) -> str:
    """A title drawn from the caption's colours, shapes and mood, flavoured by the context."""
    words = _words(caption)
    nouns = [_SHAPE_NOUNS[w] for w in words if w in _SHAPE_NOUNS]
    nouns += [_COLOUR_NOUNS[w] for w in words if w in _COLOUR_NOUNS]
    moods = [_MOODS[w] for w in words if w in _MOODS] or ["Silent"]
    scene = [s for w in _words(context or "") for s in _SCENE_WORDS.get(w, ())] or ["Study"]
    rng = random.Random(stable_hash(caption, context or "", str(seed)))
    first, second = (nouns + ["Form", "Field"])[:2] if len(nouns) < 2 else rng.sample(nouns, 2)
    template = rng.choice(_TEMPLATES)
    return template.format(
        mood=rng.choice(moods), first=first, second=second, scene=rng.choice(scene)
    )
