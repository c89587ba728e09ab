"""Read a prompt into a plan for sketch: the background, the things to paint, the overall look."""

import re
from dataclasses import dataclass, field

from .palette import ALIASES, COLOURS, RGB, paint_rgb
from .vocabulary import (
    BACKGROUND_NOUNS,
    BRIGHTNESS,
    CENTER_WORDS,
    COLUMN_WORDS,
    CONTRAST,
    FILLER,
    GENERIC_THINGS,
    IMAGE_NOUNS,
    NIGHT_WORDS,
    ORIENTATION_WORDS,
    ROW_WORDS,
    SATURATION,
    SHADE_WORDS,
    SIZE_WORDS,
    SPACE_WORDS,
    SPELLINGS,
    SUNSET_WORDS,
    TEXTURE,
    THINGS,
    Band,
    Thing,
    keyword,
)

_LOOKS = {"brightness": BRIGHTNESS, "saturation": SATURATION, "texture": TEXTURE}
_LOOK_WORDS = {
    keyword(phrase): (look, band)
    for look, bands in _LOOKS.items()
    for band in bands
    for phrase in band.phrases
}
_CONTRAST_WORDS = {keyword(phrase): band for band in CONTRAST for phrase in band.phrases}
_SENTENCE_ENDS = frozenset(".;:!?")
_MOOD_WORDS = NIGHT_WORDS | SUNSET_WORDS | SPACE_WORDS


@dataclass
class Item:
    """One thing to paint; a missing colour or position is chosen at painting time."""

    shape: str
    colour: RGB | None = None
    row: int | None = None
    col: int | None = None
    scale: float = 1.0
    extent: float | None = None
    vertical: bool = False


@dataclass
class Plan:
    """What sketch paints: a background (plain or gradient), items, and the overall look."""

    background: RGB | None = None
    gradient: tuple[RGB, RGB] | None = None
    items: list[Item] = field(default_factory=list)
    looks: dict[str, Band] = field(default_factory=dict)  # brightness, saturation, texture
    contrast: Band | None = None
    unknown: list[str] = field(default_factory=list)


@dataclass
class _Phrase:
    """The noun phrase being read: 'a large dark red circle in the top left'."""

    colour: tuple[str, str] | None = None
    thing: Thing | None = None
    row: int | None = None
    col: int | None = None
    placed_at: int = -2  # index of the last position word (-2: none yet)
    scale: float | None = None
    vertical: bool = False

    def empty(self) -> bool:
        """Whether nothing paintable has been read yet."""
        return self.colour is None and self.thing is None


def _tokens(text: str) -> list[str]:
    """Lower-case words (any script), numbers, and sentence punctuation."""
    words = re.findall(r"[^\W\d_]+|\d+|[.;:!?]", text.lower())
    return [SPELLINGS.get(word, word) for word in words]


def _colour_word(word: str) -> tuple[str, str] | None:
    """(name, implied shade) when the word names a colour."""
    if word in COLOURS:
        return word, ""
    return ALIASES.get(word)


def parse(text: str) -> Plan:
    """Read a prompt into a Plan."""
    return _Reader().read(_tokens(text))


class _Reader:
    """Reads tokens left to right, building noun phrases and collecting loose adjectives."""

    def __init__(self) -> None:
        self.plan = Plan()
        self.phrase = _Phrase()
        self.pending: list[tuple[int, str]] = []  # adjectives not yet tied to a noun
        self.waiting: _Phrase | None = None  # a position read before its noun
        self.last_item: Item | None = None  # trailing positions may still move it
        self.last_placed = -2  # index of the last position word that placed it

    def read(self, words: list[str]) -> Plan:
        """Read all words and return the plan."""
        for index, word in enumerate(words):
            self._word(index, word, words[index - 1] if index else "")
        self._loose()
        self._finish()
        return self.plan

    def _word(self, index: int, word: str, previous: str) -> None:
        """Handle one word."""
        colour = _colour_word(word)
        if word in _SENTENCE_ENDS:
            self._loose()
            self._finish()
            self.last_item = None
        elif colour is not None:
            if not self.phrase.empty():
                self._finish()
            name, shade = colour
            self.phrase.colour = (name, self._adjectives(index) or shade)
        elif word in THINGS:
            if self.phrase.thing is not None:
                self._finish()
            self.phrase.thing = THINGS[word]
            shade = self._adjectives(index)
            if shade and self.phrase.colour is None and self.phrase.thing.colour is not None:
                self.phrase.colour = (self.phrase.thing.colour[0], shade)
        elif word in GENERIC_THINGS:
            self._adjectives(index)
        elif word in BACKGROUND_NOUNS:
            if self.phrase.colour is not None and self.phrase.thing is None:
                self.plan.background = paint_rgb(*self.phrase.colour)
                self.phrase = _Phrase()
            self._loose()
        elif word in ROW_WORDS or word in COLUMN_WORDS or word in CENTER_WORDS:
            self._position(index, word)
        elif word == "contrast" and previous in _CONTRAST_WORDS:
            self.plan.contrast = _CONTRAST_WORDS[previous]
            self.pending = [(i, w) for i, w in self.pending if w != previous]
        elif word in _MOOD_WORDS:
            self._mood(word)
            self._loose()
        elif (
            word in SHADE_WORDS
            or word in SIZE_WORDS
            or word in ORIENTATION_WORDS
            or word in _LOOK_WORDS
            or word in _CONTRAST_WORDS
        ):
            self.pending.append((index, word))
        elif word in IMAGE_NOUNS:
            self._loose()
        elif word not in FILLER:
            self.plan.unknown.append(word)

    def _adjectives(self, index: int) -> str:
        """Tie pending sizes and orientation to the phrase; return a shade said just before."""
        shade = ""
        for position, word in self.pending:
            if word in SHADE_WORDS and position == index - 1:
                shade = SHADE_WORDS[word]
            elif word in SIZE_WORDS:
                self.phrase.scale = SIZE_WORDS[word]
            elif word in ORIENTATION_WORDS:
                self.phrase.vertical = ORIENTATION_WORDS[word]
            else:
                self._look(word)
        self.pending = []
        if self.waiting is not None:
            self.phrase.row, self.phrase.col = self.waiting.row, self.waiting.col
            self.phrase.placed_at = self.waiting.placed_at
            self.waiting = None
        return shade

    def _loose(self) -> None:
        """Adjectives tied to no noun describe the whole picture."""
        for _, word in self.pending:
            self._look(word)
        self.pending = []

    def _look(self, word: str) -> None:
        """Set brightness, saturation or texture from a word such as 'dim' or 'busy'."""
        if word in _LOOK_WORDS:
            look, band = _LOOK_WORDS[word]
            self.plan.looks[look] = band

    def _position(self, index: int, word: str) -> None:
        """Place the phrase being read, the item just read, or the next noun."""
        phrase = self.phrase
        if not phrase.empty() and phrase.placed_at in (-2, index - 1):
            target: _Phrase | Item = phrase
        else:
            # A second position after a gap starts a new phrase.
            self._finish()
            if (
                self.waiting is None
                and self.last_item is not None
                and self.last_placed in (-2, index - 1)
            ):
                target, self.last_placed = self.last_item, index
            else:
                target = self.waiting = self.waiting or _Phrase()
        if word in ROW_WORDS:
            target.row = ROW_WORDS[word]
        elif word in COLUMN_WORDS:
            target.col = COLUMN_WORDS[word]
        else:
            target.row = 1 if target.row is None else target.row
            target.col = 1 if target.col is None else target.col
        if isinstance(target, _Phrase):
            target.placed_at = index

    def _mood(self, word: str) -> None:
        """Night, sunset and space set the background and the light."""
        if word in NIGHT_WORDS:
            self.plan.background = self.plan.background or paint_rgb("blue", "dark")
            self.plan.looks.setdefault("brightness", BRIGHTNESS[0])
        elif word in SUNSET_WORDS:
            self.plan.gradient = (paint_rgb("pink"), paint_rgb("orange", "bright"))
        else:
            self.plan.background = self.plan.background or paint_rgb("black")

    def _finish(self) -> None:
        """Turn the phrase read so far into an item."""
        phrase, self.phrase = self.phrase, _Phrase()
        if phrase.empty():
            return
        thing = phrase.thing or Thing("blob")
        colour = phrase.colour or thing.colour
        item = Item(
            shape=thing.shape,
            colour=None if colour is None else paint_rgb(*colour),
            row=thing.row if phrase.row is None else phrase.row,
            col=thing.col if phrase.col is None else phrase.col,
            scale=thing.scale if phrase.scale is None else phrase.scale,
            extent=thing.extent,
            vertical=phrase.vertical,
        )
        self.plan.items.append(item)
        self.last_item, self.last_placed = item, phrase.placed_at
