"""The words describe writes and sketch reads back: shapes, scenes, positions and adjectives.

Every phrase describe may write is listed here, first the one it writes at temperature 0,
so that sketch can read back whatever describe says.
"""

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    """A named range [low, high) of one measured picture statistic, and the words for it."""

    phrases: tuple[str, ...]
    low: float
    high: float
    scale: float = 1.0  # for size bands: how much sketch scales an object named this way


def band_for(bands: tuple[Band, ...], value: float) -> Band:
    """The band of this scale that holds the value (the last band when it is above them all)."""
    return next((band for band in bands if value < band.high), bands[-1])


def keyword(phrase: str) -> str:
    """The word sketch keys a phrase on: its last word, not counting 'of'."""
    return [word for word in re.split(r"[\s-]+", phrase) if word != "of"][-1]


# Mean Rec. 601 luma.
BRIGHTNESS = (
    Band(("dark", "gloomy"), 0.0, 0.2),
    Band(("dim", "dusky"), 0.2, 0.38),
    Band(("softly lit", "evenly lit"), 0.38, 0.6),
    Band(("bright", "sunny", "light"), 0.6, 1.01),
)
# Mean chroma: largest minus smallest RGB channel.
SATURATION = (
    Band(("muted", "faded", "pale"), 0.0, 0.1),
    Band(("subtly colored", "gently colored"), 0.1, 0.28),
    Band(("vivid", "colorful", "saturated"), 0.28, 1.01),
)
# Mean gradient magnitude of the 64-pixel thumbnail.
TEXTURE = (
    Band(("smooth", "clean", "plain"), 0.0, 0.04),
    Band(("lightly textured", "grainy"), 0.04, 0.1),
    Band(("busy", "noisy", "cluttered"), 0.1, math.inf),
)
# Standard deviation of luminance; describe writes "<word>-contrast".
CONTRAST = (
    Band(("low", "soft"), 0.0, 0.1),
    Band(("moderate", "medium"), 0.1, 0.25),
    Band(("high", "strong", "stark"), 0.25, 1.01),
)
# Fraction of the frame the main object covers.
SIZES = (
    Band(("tiny",), 0.0, 0.04, scale=0.45),
    Band(("small", "little"), 0.04, 0.085, scale=0.65),
    Band(("medium-sized", "mid-sized"), 0.085, 0.18, scale=1.0),
    Band(("large", "big"), 0.18, 0.29, scale=1.35),
    Band(("huge", "giant", "enormous"), 0.29, 1.01, scale=1.65),
)
# Fraction of the frame a secondary colour covers: "with some white at the bottom".
AMOUNTS = (
    Band(("a little", "a touch of", "a bit of"), 0.0, 0.08, scale=0.65),
    Band(("some", "patches of"), 0.08, 0.2, scale=0.9),
    Band(("a lot of", "plenty of", "lots of"), 0.2, 1.01, scale=1.45),
)
# Mean difference between the picture and its mirror image.
SYMMETRY = (
    Band(("symmetric", "mirror-symmetric", "balanced"), 0.0, 0.03),
    Band(("roughly symmetric", "nearly symmetric"), 0.03, 0.06),
    Band(("lopsided", "asymmetric"), 0.06, math.inf),
)

# describe's shape names, each with the synonyms it may use at higher temperature.
SHAPE_PHRASES: dict[str, tuple[str, ...]] = {
    "circle": ("circle", "disc", "ball", "round shape"),
    "oval": ("oval", "ellipse"),
    "square": ("square", "box", "block"),
    "rectangle": ("rectangle", "panel", "slab"),
    "triangle": ("triangle", "pyramid", "wedge"),
    "star": ("star", "star shape"),
    "band": ("band", "strip", "stripe"),
    "stripes": ("stripes", "lines", "streaks"),
    "blob": ("blob", "patch", "splotch", "smudge"),
}
SHADE_PHRASES: dict[str, tuple[str, ...]] = {
    "": ("",),
    "dark": ("dark", "deep"),
    "light": ("light", "pale"),
}


@dataclass(frozen=True)
class Thing:
    """A noun sketch can paint, with what it paints when the text does not say."""

    shape: str
    colour: tuple[str, str] | None = None  # (name, shade)
    row: int | None = None
    col: int | None = None
    scale: float = 1.0
    extent: float | None = None  # bands: fraction of the frame they span across


_SKY = Thing("band", ("blue", "light"), row=0, extent=0.65)
_WATER = Thing("band", ("blue", ""), row=2, extent=0.4)
_GRASS = Thing("band", ("green", ""), row=2, extent=0.35)
_SAND = Thing("band", ("yellow", "light"), row=2, extent=0.4)

THINGS: dict[str, Thing] = {
    **{
        phrase.split()[0]: Thing(shape)
        for shape, phrases in SHAPE_PHRASES.items()
        for phrase in phrases
    },
    "disk": Thing("circle"),
    "dot": Thing("circle", scale=0.45),
    "sun": Thing("circle", ("yellow", "bright"), row=0, col=2, scale=0.8),
    "moon": Thing("circle", ("white", ""), row=0, col=0, scale=0.6),
    "egg": Thing("oval", ("white", "")),
    "cube": Thing("square"),
    "mountain": Thing("triangle", ("gray", ""), row=2, col=1, scale=1.6),
    "hill": Thing("triangle", ("green", ""), row=2, col=1, scale=1.6),
    "peak": Thing("triangle"),
    "bar": Thing("band"),
    "cloud": Thing("blob", ("white", ""), row=0),
    "sky": _SKY,
    **dict.fromkeys(("sea", "ocean", "water", "lake"), _WATER),
    **dict.fromkeys(("grass", "field", "meadow", "lawn"), _GRASS),
    "forest": Thing("band", ("green", "dark"), row=2, extent=0.45),
    **dict.fromkeys(("desert", "sand", "dune", "beach"), _SAND),
    "snow": Thing("band", ("white", ""), row=2, extent=0.35),
}
# Nouns that name an object without saying what it looks like.
GENERIC_THINGS = frozenset({"shape", "form", "object", "thing", "figure"})
IMAGE_NOUNS = frozenset(
    {"picture", "image", "scene", "photo", "photograph", "painting", "drawing", "frame", "view"}
)
BACKGROUND_NOUNS = frozenset({"background", "backdrop", "backgrounds", "backdrops"})

# Scene words that set the whole picture's mood rather than paint one thing.
NIGHT_WORDS = frozenset({"night", "midnight", "nighttime"})
SUNSET_WORDS = frozenset({"sunset", "sunrise", "dusk", "dawn"})
SPACE_WORDS = frozenset({"space", "cosmos", "void"})

# Grid rows and columns 0..2; describe's phrase for each cell, then the synonyms.
POSITION_PHRASES: dict[tuple[int, int], tuple[str, ...]] = {
    (0, 0): ("in the top left", "in the upper left", "in the top left corner"),
    (0, 1): ("at the top", "near the top", "along the top edge"),
    (0, 2): ("in the top right", "in the upper right", "in the top right corner"),
    (1, 0): ("on the left", "to the left", "on the left side"),
    (1, 1): ("in the center", "in the middle", "in the centre"),
    (1, 2): ("on the right", "to the right", "on the right side"),
    (2, 0): ("in the bottom left", "in the lower left", "in the bottom left corner"),
    (2, 1): ("at the bottom", "near the bottom", "along the bottom edge"),
    (2, 2): ("in the bottom right", "in the lower right", "in the bottom right corner"),
}
BAND_ROW_PHRASES: dict[int, tuple[str, ...]] = {
    0: ("along the top", "across the top"),
    1: ("across the middle", "through the middle"),
    2: ("along the bottom", "across the bottom"),
}
BAND_COLUMN_PHRASES: dict[int, tuple[str, ...]] = {
    0: ("down the left side", "along the left edge"),
    1: ("down the middle", "through the middle"),
    2: ("down the right side", "along the right edge"),
}
ROW_WORDS = {"top": 0, "upper": 0, "bottom": 2, "lower": 2}
COLUMN_WORDS = {"left": 0, "right": 2}
CENTER_WORDS = frozenset({"center", "centre", "middle", "central"})

# Adjectives just before a colour (or a thing) give that colour a shade.
SHADE_WORDS = {
    "dark": "dark",
    "deep": "dark",
    "dim": "dark",
    "light": "light",
    "pale": "light",
    "bright": "bright",
    "vivid": "bright",
}
ORIENTATION_WORDS = {"vertical": True, "horizontal": False}
SIZE_WORDS: dict[str, float] = {
    keyword(phrase): band.scale
    for bands in (SIZES, AMOUNTS)
    for band in bands
    for phrase in band.phrases
}
ARTICLES = ("a", "one")
PICTURE_PHRASES = ("picture", "image", "scene")
BACKGROUND_PHRASES = (
    "on a {} background",
    "against a {} backdrop",
    "over a {} background",
    "set on a {} background",
)

# Words sketch knows but paints nothing for; everything else it does not know seeds texture.
FILLER = frozenset(
    """a an the one of on in at to and with over under against set is are it its this that
    there here also plus very softly gently subtly lightly evenly roughly nearly mirror
    corner edge side across down through along near up mid main covers about fills
    centroid symmetric balanced lopsided asymmetric contrast""".split()
)
# British spellings and plurals read as the words above.
SPELLINGS = {
    "colourful": "colorful",
    "coloured": "colored",
    "circles": "circle",
    "squares": "square",
    "triangles": "triangle",
    "rectangles": "rectangle",
    "stars": "star",
    "blobs": "blob",
    "discs": "disc",
    "ovals": "oval",
    "boxes": "box",
    "mountains": "mountain",
    "hills": "hill",
    "clouds": "cloud",
}
