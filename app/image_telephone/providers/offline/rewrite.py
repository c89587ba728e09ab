"""The offline rewriters of the creative modes: make a caption more of something, or go on
to the next comic panel. Both speak the words sketch reads (vocabulary.py)."""

import re

from .vocabulary import BRIGHTNESS, CONTRAST, SATURATION, SIZES, TEXTURE, Band

REWRITE_MODEL = "offline-rewrite-1"
_SCALES: tuple[tuple[Band, ...], ...] = (BRIGHTNESS, SATURATION, TEXTURE, CONTRAST, SIZES)
_PANEL_PREFIX = re.compile(r"^\s*panel \d+ of \d+:\s*", re.IGNORECASE)
_TIME_OF_DAY = re.compile(r",? (?:at sunset|at night)\b", re.IGNORECASE)
_COLUMN = re.compile(r"\b(left|center|centre|middle|right)\b", re.IGNORECASE)
_DEGREES = ("even more", "much more", "far more", "absurdly")
_NEXT_COLUMN = {
    "left": "middle",
    "center": "right",
    "centre": "right",
    "middle": "right",
    "right": "left",
}


def _stronger_words() -> dict[str, str]:
    """Each band phrase mapped to the first phrase of the band above it (top bands stay)."""
    stronger = {}
    for bands in _SCALES:
        for lower, upper in zip(bands, bands[1:], strict=False):
            for phrase in lower.phrases:
                stronger[phrase] = upper.phrases[0]
    return stronger


_STRONGER = _stronger_words()
_STRONGER_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _STRONGER), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def intensify(text: str, more_of: str, intensity: int = 1) -> str:
    """The caption made more extreme: known adjectives go up intensity bands, more_of grows."""
    stronger = text.strip().rstrip(" .")
    for _ in range(max(intensity, 1)):
        stronger = _STRONGER_PATTERN.sub(lambda m: _STRONGER[m.group(1).lower()], stronger)
    degree = _DEGREES[min(max(intensity, 1), len(_DEGREES)) - 1]
    return f"{stronger}, {degree} {more_of.strip()}"


def continue_story(text: str, *, panel: int, panels: int) -> str:
    """The next panel: the same scene, its subject one step across, and time moving on."""
    scene = _TIME_OF_DAY.sub("", _PANEL_PREFIX.sub("", text.strip())).rstrip(" .")
    scene = _COLUMN.sub(lambda m: _NEXT_COLUMN[m.group(1).lower()], scene, count=1)
    progress = (panel + 1) / max(panels, 1)
    time_of_day = "" if progress < 0.5 else (", at sunset" if progress < 0.85 else ", at night")
    return f"Panel {panel + 1} of {panels}: {scene}{time_of_day}"
