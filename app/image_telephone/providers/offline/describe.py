"""describe: the built-in caption model. It measures the picture and says what it found."""

import math
import random
import re
from collections.abc import Sequence

from image_telephone.errors import InputError

from .measure import Measurements, Region, decode, measure
from .vocabulary import (
    AMOUNTS,
    ARTICLES,
    BACKGROUND_PHRASES,
    BAND_COLUMN_PHRASES,
    BAND_ROW_PHRASES,
    BRIGHTNESS,
    CONTRAST,
    PICTURE_PHRASES,
    POSITION_PHRASES,
    SATURATION,
    SHADE_PHRASES,
    SHAPE_PHRASES,
    SIZES,
    SYMMETRY,
    TEXTURE,
    band_for,
)

DESCRIBE_MODEL = "offline-describe-1"

# 0: one clause; 1: adds brightness, saturation, texture; 2: adds contrast, symmetry, size and
# the other colours; 3: adds the measured numbers.
_LEVELS = {
    **dict.fromkeys(("somewhat", "slightly", "barely", "briefly", "tersely"), 0),
    **dict.fromkeys(("very", "quite", "fairly", "rather", "moderately"), 1),
    **dict.fromkeys(("extremely", "highly", "really", "thoroughly", "richly"), 2),
    **dict.fromkeys(("obsessively", "exhaustively", "painstakingly", "insanely"), 3),
}
_FALLBACK = "an image"


def describe(
    image: bytes,
    *,
    descriptiveness: str | None = None,
    temperature: float = 0.0,
    seed: int = 0,
    max_words: int | None = None,
    stop: Sequence[str] = (),
) -> str:
    """Caption an encoded image in plain English that sketch can read back."""
    if not temperature >= 0:  # also rejects NaN
        raise InputError(f"offline describe: temperature must be 0 or more, not {temperature}")
    if max_words is not None and max_words < 1:
        raise InputError(f"offline describe: max_words must be at least 1, not {max_words}")
    caption = _caption(measure(decode(image)), _level(descriptiveness), _Wording(temperature, seed))
    caption = _A_BEFORE_VOWEL.sub(r"\1n ", caption)
    return _truncate(caption, max_words, (stop,) if isinstance(stop, str) else stop)


_A_BEFORE_VOWEL = re.compile(r"\b([Aa]) (?=[aeiou])")


def _level(descriptiveness: str | None) -> int:
    """Detail level 0..3 for an adverb; an adverb it does not know means 1."""
    if descriptiveness is None or not descriptiveness.strip():
        return 0
    return _LEVELS.get(descriptiveness.strip().lower(), 1)


class _Wording:
    """Chooses among synonyms: always the first at temperature 0, more freely as it rises."""

    def __init__(self, temperature: float, seed: int) -> None:
        self._random = random.Random(seed)
        self._chance = 1 - math.exp(-temperature)

    def pick(self, phrases: Sequence[str]) -> str:
        """The usual phrase, or with the temperature's chance one of its synonyms."""
        if len(phrases) > 1 and self._random.random() < self._chance:
            return self._random.choice(phrases[1:])
        return phrases[0]

    def order(self, words: list[str]) -> list[str]:
        """The words in the given order, or with half the temperature's chance shuffled."""
        if self._random.random() < self._chance / 2:
            return self._random.sample(words, len(words))
        return words

    def article(self, before: str, choose: bool = True) -> str:
        """'a' or 'an' for the word that follows, or when choosing, sometimes 'one'."""
        article = self.pick(ARTICLES) if choose else ARTICLES[0]
        return "an" if article == "a" and before[:1] in tuple("aeiou") else article


def _caption(measured: Measurements, level: int, wording: _Wording) -> str:
    """Compose the caption for a detail level."""
    clause = _scene(measured, level, wording)
    if level == 0:
        return clause
    stats = measured.stats
    looks = [
        wording.pick(band_for(scale, value).phrases)
        for scale, value in (
            (BRIGHTNESS, stats.brightness),
            (SATURATION, stats.saturation),
            (TEXTURE, stats.texture),
        )
    ]
    if level >= 2:
        looks.append(wording.pick(band_for(CONTRAST, stats.contrast).phrases) + "-contrast")
    looks = wording.order(looks)
    caption = (
        f"{wording.article(looks[0], choose=False)} {', '.join(looks)} "
        f"{wording.pick(PICTURE_PHRASES)} of {clause}"
    )
    if level >= 2:
        caption += "; it is " + wording.pick(band_for(SYMMETRY, stats.asymmetry).phrases)
        if measured.others:
            caption += ", with " + " and ".join(_other(other, wording) for other in measured.others)
    if level >= 3:
        caption += "; " + _numbers(measured)
    return caption


def _colour(name: str, shade: str, wording: _Wording) -> str:
    """A colour name with its shade: 'dark blue'."""
    return f"{wording.pick(SHADE_PHRASES[shade])} {name}".strip()


def _scene(measured: Measurements, level: int, wording: _Wording) -> str:
    """The main clause: the object, where it is, and the background."""
    background = _colour(measured.background, measured.background_shade, wording)
    subject = measured.subject
    if subject is None:
        return f"{wording.article('plain')} plain {background} background"
    words = [
        _colour(subject.colour, subject.shade, wording),
        wording.pick(SHAPE_PHRASES[subject.shape]),
    ]
    if subject.shape in ("band", "stripes"):
        row, col = subject.cell
        if subject.vertical:
            words.insert(0, "vertical")
        position = (
            ""
            if subject.shape == "stripes"
            else wording.pick(
                BAND_COLUMN_PHRASES[col] if subject.vertical else BAND_ROW_PHRASES[row]
            )
        )
    else:
        if level >= 2:
            words.insert(0, wording.pick(band_for(SIZES, subject.area).phrases))
        position = wording.pick(POSITION_PHRASES[subject.cell])
    if subject.shape != "stripes":
        words.insert(0, wording.article(words[0]))
    background_phrase = wording.pick(BACKGROUND_PHRASES).format(background)
    return " ".join(word for word in (*words, position, background_phrase) if word)


def _other(region: Region, wording: _Wording) -> str:
    """A secondary colour: 'a little yellow in the top right'."""
    amount = wording.pick(band_for(AMOUNTS, region.area).phrases)
    colour = _colour(region.colour, region.shade, wording)
    return f"{amount} {colour} {wording.pick(POSITION_PHRASES[region.cell])}"


def _numbers(measured: Measurements) -> str:
    """The obsessive extras: measured percentages, in words sketch does not paint."""
    stats = measured.stats
    parts = []
    subject = measured.subject
    if subject is not None:
        parts.append(
            f"the main object covers about {subject.area:.0%} of the frame, with its centroid "
            f"{subject.x:.0%} across and {subject.y:.0%} down and a width "
            f"{subject.aspect:.1f} times its height"
        )
    parts.append(f"the background fills {measured.background_area:.0%} of the frame")
    parts.append(
        f"mean brightness is {stats.brightness:.0%}, saturation {stats.saturation:.0%}, "
        f"contrast {stats.contrast:.0%} and texture {stats.texture:.0%}"
    )
    return "; ".join(parts)


def _truncate(caption: str, max_words: int | None, stop: Sequence[str]) -> str:
    """Cut at the first stop string, keep at most max_words words, never return nothing."""
    cuts = [caption.find(marker) for marker in stop if marker and marker in caption]
    if cuts:
        caption = caption[: min(cuts)]
    words = caption.split()[:max_words]
    return " ".join(words).rstrip(",;:") or _FALLBACK
