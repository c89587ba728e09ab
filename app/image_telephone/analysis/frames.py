"""Images with their captions underneath: tiles, the contact sheet, the GIF and the MP4."""

from __future__ import annotations

import importlib.util
import io
import math
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from image_telephone.errors import StorageError

GIF_FRAME_MS = 1000
CAPTION_LINES = 6
_MARGIN = 6
_BACKGROUND, _INK, _FAINT, _ALERT = (255, 255, 255), (20, 20, 20), (110, 110, 110), (190, 30, 30)
_GUTTER = _GREY = (225, 225, 225)


@cache
def font_of(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The captions' font at a pixel size, one per size per process: DejaVu Sans where
    matplotlib ships it (the report extra), else Pillow's bundled font, which lacks accented
    letters and dashes (it draws boxes for é, ü, —)."""
    path = _dejavu_sans()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)


def _dejavu_sans() -> str | None:
    spec = importlib.util.find_spec("matplotlib")  # finds the package without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
        if os.path.isfile(path):
            return path
    return None


def captioned_tile(
    image: Image.Image | None,
    turn: int,
    caption: str | None,
    width: int,
    problem: str = "",
    *,
    heading: str | None = None,
    heading_lines: int = 1,
    missing: str = "image missing",
    badge: str = "",
) -> Image.Image:
    """The image fitted in a width × width square, 'turn N' and the wrapped caption below it.

    A heading (wrapped to heading_lines, in faint ink) replaces 'turn N'; the caption keeps the
    lines left, so every tile of a width has one size. `missing` is written on the grey square
    drawn for an absent image; a badge is a short alert written across the image's foot.
    """
    size = max(10, width // 20)
    font, line_height = font_of(size), size + 3
    band = 2 * _MARGIN + (CAPTION_LINES + 1) * line_height
    tile = Image.new("RGB", (width, width + band + (width + band) % 2), _BACKGROUND)
    draw = ImageDraw.Draw(tile)
    if image is None:
        draw.rectangle((0, 0, width - 1, width - 1), fill=_GREY)
        notes = wrap(missing, font, width - 2 * _MARGIN, 3)
        for index, line in enumerate(notes):
            middle = width / 2 + (index - (len(notes) - 1) / 2) * line_height
            draw.text((width / 2, middle), line, fill=_ALERT, font=font, anchor="mm")
    else:
        fitted = ImageOps.contain(image, (width, width))
        tile.paste(fitted, ((width - fitted.width) // 2, (width - fitted.height) // 2))
    if badge:
        draw.rectangle((0, width - line_height - 4, width - 1, width - 1), fill=_BACKGROUND)
        draw.text((width / 2, width - 2), badge, fill=_ALERT, font=font, anchor="md")
    top = width + _MARGIN
    heading_lines = min(max(1, heading_lines), CAPTION_LINES)
    head = wrap(heading, font, width - 2 * _MARGIN, heading_lines) if heading else []
    for index, line in enumerate(head or [f"turn {turn}"]):
        draw.text((_MARGIN, top + index * line_height), line, fill=_FAINT, font=font)
    top += max(1, len(head)) * line_height
    text, colour = (caption, _INK) if caption else (problem or "no caption", _ALERT)
    lines = CAPTION_LINES + 1 - max(1, len(head))
    for index, line in enumerate(wrap(text, font, width - 2 * _MARGIN, lines)):
        draw.text((_MARGIN, top + index * line_height), line, fill=colour, font=font)
    return tile


def wrap(
    text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float, lines: int
) -> list[str]:
    """Greedy word wrap to a pixel width; past the last line the text ends in an ellipsis."""
    out: list[str] = []
    for word in text.split():
        if out and font.getlength(f"{out[-1]} {word}") <= width:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        while out[-1] and font.getlength(out[-1] + "…") > width:
            out[-1] = out[-1][:-1]
        out[-1] += "…"
    return out


def contact_sheet(tiles: list[Image.Image], columns: int | None = None) -> Image.Image:
    """All tiles in a grid, in turn order, left to right then top to bottom."""
    columns = columns or max(1, math.ceil(math.sqrt(len(tiles))))
    width, height = tiles[0].size[0] + _MARGIN, tiles[0].size[1] + _MARGIN
    rows = math.ceil(len(tiles) / columns)
    sheet = Image.new("RGB", (columns * width + _MARGIN, rows * height + _MARGIN), _GUTTER)
    for index, tile in enumerate(tiles):
        sheet.paste(
            tile, (_MARGIN + (index % columns) * width, _MARGIN + (index // columns) * height)
        )
    return sheet


def gif_bytes(tiles: list[Image.Image], frame_ms: int = GIF_FRAME_MS) -> bytes:
    """An endlessly looping animated GIF of the tiles."""
    # Fast octree palettes per frame: several times quicker than Pillow's default, and smaller.
    frames = [tile.quantize(colors=255, method=Image.Quantize.FASTOCTREE) for tile in tiles]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=frame_ms,
        loop=0,
        optimize=False,
    )
    return buffer.getvalue()


def mp4_bytes(tiles: list[Image.Image], frame_ms: int = GIF_FRAME_MS) -> bytes | None:
    """An H.264 MP4 of the tiles when ffmpeg is on PATH, else None."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    width, height = tiles[0].size
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "chain.mp4"
        command = [
            ffmpeg, "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-framerate", f"{1000 / frame_ms:g}", "-i", "-",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart",
            str(target),
        ]  # fmt: skip
        frames = b"".join(tile.tobytes() for tile in tiles)
        done = subprocess.run(command, input=frames, capture_output=True, timeout=300)
        if done.returncode != 0:
            raise StorageError(
                f"ffmpeg could not write the MP4 ({done.stderr.decode(errors='replace').strip()}); "
                "fix or remove ffmpeg from PATH to skip the video"
            )
        return target.read_bytes()
