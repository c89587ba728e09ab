"""The study's video grid: one game per captioner × painter pair and level, animated by turn."""

from __future__ import annotations

import bisect
import dataclasses
import io
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from PIL import Image, ImageDraw

from image_telephone.analysis.frames import captioned_tile, font_of, gif_bytes, mp4_bytes
from image_telephone.store.storage import Store

from .prompts import level_order

logger = logging.getLogger(__name__)

VIDEO_GRID_GIF, VIDEO_GRID_MP4 = "video_grid.gif", "video_grid.mp4"
TILE_WIDTH = 176
FRAME_MS = 2000  # a frame holds dozens of captions: slower than one run's chain
PROMPT_LINES = 2
_GAP, _HEADER_SIZE = 6, 13
_LINE = _HEADER_SIZE + 4
_INK, _FAINT, _PAPER, _GUTTER = (20, 20, 20), (110, 110, 110), (255, 255, 255), (225, 225, 225)
_READERS = 8  # parallel image reads: a remote store answers one read at a time
Picture = Image.Image | str  # a fitted image, or the note that replaces one that failed
Pair = tuple[str, str]


@dataclasses.dataclass(frozen=True)
class Game:
    """The game a cell shows: its prompt and, in turn order, its turns, captions and images."""

    run_name: str
    prompt: str
    turns: tuple[int, ...]
    captions: tuple[str | None, ...]
    images: tuple[str | None, ...]


@dataclasses.dataclass(frozen=True)
class GridLayout:
    """Where each pair × level cell sits on a frame; pairs run across when they outnumber levels."""

    pairs: tuple[Pair, ...]
    levels: tuple[str, ...]
    pairs_across: bool
    tile: tuple[int, int]
    origin: tuple[int, int]  # the first cell's top-left, past the row and column headers
    size: tuple[int, int]

    def box(self, pair: Pair, level: str) -> tuple[int, int, int, int]:
        """The cell's (left, top, right, bottom) on every frame."""
        row, column = self.pairs.index(pair), self.levels.index(level)
        if self.pairs_across:
            row, column = column, row
        left = self.origin[0] + column * (self.tile[0] + _GAP)
        top = self.origin[1] + row * (self.tile[1] + _GAP)
        return left, top, left + self.tile[0], top + self.tile[1]


def representative_games(turns: pd.DataFrame) -> dict[tuple[str, str, str], Game]:
    """Per (captioner, painter, level): the game of the level's first prompt and lowest seed."""
    if turns.empty:
        return {}
    rank = {prompt_id: index for index, prompt_id in enumerate(pd.unique(turns["prompt_id"]))}
    ordered = turns.assign(_rank=turns["prompt_id"].map(rank)).sort_values(
        ["_rank", "seed", "run_name", "turn"], kind="stable"
    )
    games = {}
    for cell, rows in ordered.groupby(["captioner", "painter", "level"], sort=False):
        rows = rows[rows["run_name"] == rows["run_name"].iloc[0]]
        games[cell] = Game(
            run_name=rows["run_name"].iloc[0],
            prompt=rows["prompt"].iloc[0],
            turns=tuple(int(turn) for turn in rows["turn"]),
            captions=tuple(_text(caption) for caption in rows["caption"]),
            images=tuple(_text(image) for image in rows["image"]),
        )
    return games


def grid_layout(turns: pd.DataFrame, tile_width: int = TILE_WIDTH) -> GridLayout:
    """The frame's layout for a turn table: pairs in table order, levels easy → impossible."""
    pairs = tuple(dict.fromkeys(zip(turns["captioner"], turns["painter"], strict=True)))
    levels = tuple(level_order(set(turns["level"])))
    tile = captioned_tile(None, 0, None, tile_width).size
    across = len(pairs) > len(levels)
    font = font_of(_HEADER_SIZE)
    row_heads = [[level] for level in levels] if across else [_pair_lines(p) for p in pairs]
    widest = max(font.getlength(line) for lines in row_heads for line in lines)
    head_width = min(tile_width, int(widest) + 2 * _GAP)
    origin = (_even(_GAP + head_width + _GAP), 2 * _LINE + 2 * _GAP)
    columns, rows = (len(pairs), len(levels)) if across else (len(levels), len(pairs))
    size = (
        _even(origin[0] + columns * (tile[0] + _GAP)),
        _even(origin[1] + rows * (tile[1] + _GAP)),
    )
    return GridLayout(pairs, levels, across, tile, origin, size)


def grid_frames(
    turns: pd.DataFrame, read_image: Callable[[str], bytes], tile_width: int = TILE_WIDTH
) -> list[Image.Image]:
    """One frame per turn: every cell shows its game's image and caption at that turn."""
    games = representative_games(turns)
    if not games:
        return []
    layout = grid_layout(turns, tile_width)
    pictures = _read_pictures(games.values(), read_image, tile_width)
    background = _headers(layout)
    frames = []
    for turn in sorted({turn for game in games.values() for turn in game.turns}):
        frame = background.copy()
        draw = ImageDraw.Draw(frame)
        draw.text((_GAP, _GAP), f"turn {turn}", fill=_INK, font=font_of(_HEADER_SIZE + 3))
        for pair in layout.pairs:
            for level in layout.levels:
                tile = _cell(games.get((*pair, level)), turn, pictures, tile_width)
                frame.paste(tile, layout.box(pair, level)[:2])
        frames.append(frame)
    return frames


def write_video_grid(
    store: Store, turns: pd.DataFrame, read_image: Callable[[str], bytes]
) -> list[str]:
    """Writes video_grid.gif (and video_grid.mp4 when ffmpeg is on PATH); returns their keys."""
    frames = grid_frames(turns, read_image)
    if not frames:
        return []
    store.write_bytes(VIDEO_GRID_GIF, gif_bytes(frames, FRAME_MS), "image/gif")
    video = mp4_bytes(frames, FRAME_MS)
    if video is None:
        return [VIDEO_GRID_GIF]
    store.write_bytes(VIDEO_GRID_MP4, video, "video/mp4")
    return [VIDEO_GRID_GIF, VIDEO_GRID_MP4]


def _cell(game: Game | None, turn: int, pictures: dict[str, Picture], width: int) -> Image.Image:
    if game is None:
        return captioned_tile(None, turn, None, width, "no turn stored", missing="no game played")
    index = max(0, bisect.bisect_right(game.turns, turn) - 1)
    held = turn > game.turns[-1]
    picture = pictures.get(game.images[index] or "", "image missing")
    return captioned_tile(
        picture if isinstance(picture, Image.Image) else None,
        game.turns[index],
        game.captions[index],
        width,
        heading=f"prompt: {game.prompt}",
        heading_lines=PROMPT_LINES,
        missing=picture if isinstance(picture, str) else "",
        badge=f"ended at turn {game.turns[-1]}" if held else "",
    )


def _headers(layout: GridLayout) -> Image.Image:
    frame = Image.new("RGB", layout.size, _GUTTER)
    draw = ImageDraw.Draw(frame)
    font = font_of(_HEADER_SIZE)
    draw.rectangle((0, 0, layout.size[0], layout.origin[1] - _GAP), fill=_PAPER)
    draw.rectangle((0, 0, layout.origin[0] - _GAP, layout.size[1]), fill=_PAPER)
    for pair in layout.pairs:
        for level in layout.levels:
            left, top, right, bottom = layout.box(pair, level)
            if layout.pairs_across:
                column, row = _pair_lines(pair), [level]
            else:
                column, row = [level], _pair_lines(pair)
            for index, line in enumerate(column):
                position = (left + (right - left) / 2, _GAP + index * _LINE)
                draw.text(position, _fit(line, right - left), fill=_INK, font=font, anchor="ma")
            for index, line in enumerate(row):
                position = (_GAP, top + _GAP + index * _LINE)
                draw.text(position, _fit(line, layout.origin[0] - 2 * _GAP), fill=_INK, font=font)
    return frame


def _read_pictures(
    games: Iterable[Game], read_image: Callable[[str], bytes], width: int
) -> dict[str, Picture]:
    locations = sorted({image for game in games for image in game.images if image})
    with ThreadPoolExecutor(_READERS) as pool:
        pictures = pool.map(lambda at: _picture(at, read_image, width), locations)
        return dict(zip(locations, pictures, strict=True))


def _picture(location: str, read_image: Callable[[str], bytes], width: int) -> Picture:
    try:
        data = read_image(location)
    except Exception as error:  # whatever the reader raises (a store, a network), the grid goes on
        logger.warning("video grid: %s: could not read (%s)", location, error)
        return "image unreadable"
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (width, width))  # JPEG decodes at a fraction of its size
            picture = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        logger.warning("video grid: %s: not an image (%s)", location, error)
        return "image unreadable"
    picture.thumbnail((width, width))
    return picture


def _pair_lines(pair: Pair) -> list[str]:
    return [pair[0], f"with {pair[1]}"]


def _fit(text: str, width: float) -> str:
    font = font_of(_HEADER_SIZE)
    while len(text) > 1 and font.getlength(text) > width:
        text = text[:-2] + "…"
    return text


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _even(number: int) -> int:
    return number + number % 2
