"""The study's video grid, drawn from a real offline tournament: one tile per pair and level."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from image_telephone.analysis.frames import captioned_tile
from image_telephone.store.storage import LocalStore
from image_telephone.tournament import load_tournament, run_tournament
from image_telephone.tournament.video_grid import (
    PROMPT_LINES,
    TILE_WIDTH,
    grid_frames,
    grid_layout,
    representative_games,
    write_video_grid,
)

from .conftest import png_bytes
from .test_tournament_config import OFFLINE_PAIRS, THREE_PROMPTS, write_tournament

PAIRS = [("plain", "sketch"), ("plain", "watercolor"), ("verbose", "sketch")]
PAIRS += [("verbose", "watercolor")]
LEVELS = ["easy", "medium", "impossible"]


def read_file(location: str) -> bytes:
    return Path(location).read_bytes()


@pytest.fixture(scope="module")
def turns(tmp_path_factory):
    """The turn table of 2 × 2 offline pairs on 3 levels, seeds 10 then 9, 3 turns a game."""
    folder = tmp_path_factory.mktemp("cup")
    body = THREE_PROMPTS + "seeds = [10, 9]\n" + OFFLINE_PAIRS
    return run_tournament(load_tournament(write_tournament(folder, body))).turns


@pytest.fixture(scope="module")
def frames(turns):
    return grid_frames(turns, read_file)


def region(frame, box, part):
    """The picture square ('image') or the text band below it ('text') of a cell."""
    left, top, right, bottom = box
    width = right - left
    return frame.crop(
        (left, top, right, top + width) if part == "image" else (left, top + width, right, bottom)
    )


def same(a, b) -> bool:
    return ImageChops.difference(a, b).getbbox() is None


def expected_text(prompt: str, caption: str):
    """The text band a tile of this prompt and caption shows, drawn on its own."""
    tile = captioned_tile(
        None, 0, caption, TILE_WIDTH, heading=f"prompt: {prompt}", heading_lines=PROMPT_LINES
    )
    return tile.crop((0, TILE_WIDTH, TILE_WIDTH, tile.height))


def test_one_tile_per_pair_and_level_and_one_frame_per_turn(turns, frames):
    layout = grid_layout(turns)
    assert list(layout.pairs) == PAIRS and list(layout.levels) == LEVELS
    assert layout.pairs_across  # 4 pairs, 3 levels: the longer side runs across
    boxes = [layout.box(pair, level) for pair in PAIRS for level in LEVELS]
    assert len(set(boxes)) == 12
    for a in boxes:  # inside the frame, and no two cells overlap
        assert 0 <= a[0] < a[2] <= layout.size[0] and 0 <= a[1] < a[3] <= layout.size[1]
        for b in boxes:
            assert a == b or a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    # levels go down easy → impossible; pairs go across in the table's order
    assert layout.box(PAIRS[0], "easy")[1] < layout.box(PAIRS[0], "impossible")[1]
    assert layout.box(PAIRS[0], "easy")[0] < layout.box(PAIRS[3], "easy")[0]
    assert len(frames) == 3 and {frame.size for frame in frames} == {layout.size}
    assert not same(frames[0], frames[1]) and not same(frames[1], frames[2])


def test_each_cell_is_its_pairs_first_prompt_at_the_lowest_seed(turns):
    games = representative_games(turns)
    assert sorted(games) == sorted((*pair, level) for pair in PAIRS for level in LEVELS)
    first_prompt = {"easy": "red-circle", "medium": "lighthouse-dusk"}
    first_prompt["impossible"] = "summer-never-had"
    for (captioner, painter, level), game in games.items():
        rows = turns[turns["run_name"] == game.run_name]
        assert set(rows["seed"]) == {9}  # 10 comes first in the table and in run names
        assert set(rows["prompt_id"]) == {first_prompt[level]}
        assert (rows["captioner"].iloc[0], rows["painter"].iloc[0]) == (captioner, painter)
        assert list(game.captions) == list(rows.sort_values("turn")["caption"])


def test_a_cells_text_is_its_games_prompt_and_current_caption(turns, frames):
    layout = grid_layout(turns)
    games = representative_games(turns)
    for (captioner, painter, level), game in games.items():
        box = layout.box((captioner, painter), level)
        for turn, frame in enumerate(frames):
            shown = region(frame, box, "text")
            assert same(shown, expected_text(game.prompt, game.captions[turn]))
    # and a text band tells captions apart: the verbose captioner's differs from the plain one's
    plain, verbose = games[("plain", "sketch", "easy")], games[("verbose", "sketch", "easy")]
    assert plain.captions[0] != verbose.captions[0]
    assert not same(
        expected_text(plain.prompt, plain.captions[0]),
        expected_text(verbose.prompt, verbose.captions[0]),
    )


def test_a_cells_picture_is_its_games_image_at_that_turn(turns):
    # Each stored image is read back as a solid colour of its own: the colour says which it is.
    locations = list(turns["image"])
    colour = {at: (index % 250, index // 250, 200) for index, at in enumerate(locations)}
    frames = grid_frames(turns, lambda at: png_bytes(colour[at], size=(40, 40)))
    layout = grid_layout(turns)
    for (captioner, painter, level), game in representative_games(turns).items():
        box = layout.box((captioner, painter), level)
        for turn, frame in enumerate(frames):
            middle = region(frame, box, "image").getpixel((TILE_WIDTH // 2, TILE_WIDTH // 2))
            assert middle == colour[game.images[turn]]


def test_a_game_that_ended_early_holds_its_last_frame(turns, frames):
    ended = representative_games(turns)[("plain", "sketch", "medium")].run_name
    short = turns[(turns["run_name"] != ended) | (turns["turn"] < 2)]
    held = grid_frames(short, read_file)
    assert len(held) == 3
    box = grid_layout(short).box(("plain", "sketch"), "medium")
    assert same(region(held[2], box, "text"), region(held[1], box, "text"))
    picture, before = region(held[2], box, "image"), region(held[1], box, "image")
    foot = TILE_WIDTH - 24  # the badge "ended at turn 1" is written across the picture's foot
    assert same(picture.crop((0, 0, TILE_WIDTH, foot)), before.crop((0, 0, TILE_WIDTH, foot)))
    assert not same(picture, before)
    other = grid_layout(short).box(("verbose", "sketch"), "medium")
    assert same(region(held[2], other, "image"), region(frames[2], other, "image"))


def test_missing_and_unreadable_images_become_grey_tiles(turns, frames, tmp_path):
    games = representative_games(turns)
    at = {pair: games[(*pair, "easy")].images[1] for pair in PAIRS}
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG but not really")

    def reader(location: str) -> bytes:
        if location == at[PAIRS[2]]:
            raise ConnectionError("connection reset")
        return read_file(str(garbage) if location == at[PAIRS[1]] else location)

    table = turns.copy()
    table.loc[table["image"] == at[PAIRS[0]], "image"] = None  # no image recorded
    table.loc[table["image"] == at[PAIRS[3]], "image"] = str(tmp_path / "gone.png")
    broken = grid_frames(table, reader)
    layout = grid_layout(table)
    for pair in PAIRS:
        picture = region(broken[1], layout.box(pair, "easy"), "image")
        colours = picture.getcolors(1 << 16)
        assert max(colours)[1] == (225, 225, 225) and max(colours)[0] > 0.9 * TILE_WIDTH**2
        assert same(
            region(broken[0], layout.box(pair, "easy"), "image"),
            region(frames[0], layout.box(pair, "easy"), "image"),
        )
    intact = layout.box(PAIRS[0], "medium")
    assert same(region(broken[1], intact, "image"), region(frames[1], intact, "image"))


def test_levels_run_down_the_side_when_they_outnumber_the_pairs(turns):
    one_pair = turns[(turns["captioner"] == "plain") & (turns["painter"] == "sketch")]
    layout = grid_layout(one_pair)
    assert not layout.pairs_across
    easy, medium = layout.box(PAIRS[0], "easy"), layout.box(PAIRS[0], "medium")
    assert easy[1] == medium[1] and easy[2] < medium[0]
    assert len(grid_frames(one_pair, read_file)) == 3


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffmpeg and ffprobe")
def test_write_video_grid_writes_the_gif_and_the_mp4(turns, tmp_path):
    store = LocalStore(tmp_path / "results")
    assert write_video_grid(store, turns, read_file) == ["video_grid.gif", "video_grid.mp4"]
    gif = Image.open(io.BytesIO(store.read_bytes("video_grid.gif")))
    assert gif.n_frames == 3 and gif.size == grid_layout(turns).size
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0",
         str(tmp_path / "results" / "video_grid.mp4")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    width, height = grid_layout(turns).size
    assert probe.stdout.strip() == f"{width},{height},3"
    assert write_video_grid(store, turns.iloc[:0], read_file) == []


def test_accented_letters_and_dashes_are_drawn_not_boxes():
    # A font without these glyphs draws every one as the same box: the tiles would be equal.
    def text(caption):
        return expected_text("a café — naïve", caption)

    assert not same(text("é"), text("ü")) and not same(text("—"), text("ß"))


def test_a_pair_with_no_game_at_a_level_is_a_grey_cell(turns, frames):
    gone = (turns["captioner"] == "verbose") & (turns["painter"] == "watercolor")
    table = turns[~(gone & (turns["level"] == "impossible"))]
    drawn = grid_frames(table, read_file)
    layout = grid_layout(table)
    assert layout == grid_layout(turns) and len(drawn) == 3
    picture = region(drawn[0], layout.box(PAIRS[3], "impossible"), "image")
    assert max(picture.getcolors(1 << 16))[1] == (225, 225, 225)
    assert same(drawn[2].crop((0, 0, 600, 600)), frames[2].crop((0, 0, 600, 600)))
