"""sketch: the built-in image model. It paints the colours, shapes and places a prompt names."""

import io
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageDraw

from image_telephone.errors import InputError

from .hashing import stable_hash
from .palette import COLOURS, RGB
from .parse import Item, Plan, parse
from .stats import THUMBNAIL_SIDE, chroma, luminance, thumbnail
from .vocabulary import TEXTURE, Band

SKETCH_MODEL = "offline-sketch-1"

_MAX_SIDE = 4096
_GRID = (0.22, 0.5, 0.78)  # centres of the 3x3 grid's rows and columns, as fractions
_RADIUS = 0.2  # an object's radius at scale 1, as a fraction of the shorter side
_BAND = 0.22  # a band's thickness at scale 1, as a fraction of the frame
# Half width and half height of each shape, in radii; every shape has about a circle's area.
_EXTENTS = {
    "circle": (1.0, 1.0),
    "oval": (1.35, 0.75),
    "square": (0.9, 0.9),
    "rectangle": (1.2, 0.65),
    "triangle": (1.4, 1.23),
    "star": (1.5, 1.58),
    "blob": (1.55, 1.55),
}
_SLOTS = ((1, 1), (2, 0), (0, 2), (0, 0), (2, 2), (1, 0), (1, 2), (0, 1), (2, 1))
_QUIET_NOISE = 5.0  # noise amplitude (of 255) when the prompt says nothing about texture
_TEXTURE_NOISE = dict(zip(TEXTURE, (2.0, 18.0, 40.0), strict=True))
_NOISE_CELLS = (12, 24, 48)  # noise grid sizes for the quiet pattern; texture words use 64

_Step = Callable[[np.ndarray], np.ndarray]  # one adjustment of RGB floats in 0..1


def sketch(prompt: str, *, size: tuple[int, int] = (512, 512), seed: int = 0) -> bytes:
    """Paint what the prompt names and return it as PNG bytes."""
    width, height = size
    if not (1 <= width <= _MAX_SIDE and 1 <= height <= _MAX_SIDE):
        raise InputError(f"offline sketch: size must be 1..{_MAX_SIDE} pixels a side, not {size}")
    plan = parse(prompt)
    background = plan.background or _hashed_colour(prompt, "background", avoid=None)
    canvas = _background(plan, background, size)
    draw = ImageDraw.Draw(canvas)
    shapes = np.random.default_rng(stable_hash(prompt, str(seed), "shapes"))
    items = sorted(_laid_out(plan.items), key=lambda item: item.shape not in ("band", "stripes"))
    for index, item in enumerate(items):
        colour = item.colour or _hashed_colour(prompt, str(index), avoid=background)
        _paint(draw, item, colour, size, shapes)
    canvas = _adjusted(canvas, plan)
    canvas = _textured(canvas, plan, seed)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _hashed_colour(prompt: str, salt: str, avoid: RGB | None) -> RGB:
    """A palette colour picked by hashing the prompt, far from the colour to avoid."""
    choices = [rgb for rgb in COLOURS.values() if avoid is None or math.dist(rgb, avoid) > 120]
    return choices[stable_hash(prompt, salt) % len(choices)]


def _background(plan: Plan, colour: RGB, size: tuple[int, int]) -> Image.Image:
    """A plain background, or a top-to-bottom gradient (sunset)."""
    if plan.gradient is None:
        return Image.new("RGB", size, colour)
    top, bottom = plan.gradient
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), ramp)


def _laid_out(items: list[Item]) -> list[Item]:
    """Give a half-placed object the middle of its row or column, an unplaced one a free cell."""
    objects = [item for item in items if item.shape not in ("band", "stripes")]
    for item in objects:
        if (item.row is None) != (item.col is None):
            item.row = 1 if item.row is None else item.row
            item.col = 1 if item.col is None else item.col
    taken = [(item.row, item.col) for item in objects if item.row is not None]
    for item in objects:
        if item.row is None:
            # The cell farthest from those already taken (the first such, on ties).
            item.row, item.col = max(
                _SLOTS, key=lambda slot: min((math.dist(slot, other) for other in taken), default=0)
            )
            taken.append((item.row, item.col))
    return items


def _paint(
    draw: ImageDraw.ImageDraw,
    item: Item,
    colour: RGB,
    size: tuple[int, int],
    shapes: np.random.Generator,
) -> None:
    """Draw one item."""
    width, height = size
    if item.shape == "band":
        _band(draw, item, colour, size)
        return
    if item.shape == "stripes":
        for stripe in range(5):
            _band(draw, item, colour, size, stripe)
        return
    r = _RADIUS * min(size) * item.scale
    x = _placed(item.col or 0, _EXTENTS[item.shape][0] * r / width) * width
    y = _placed(item.row or 0, _EXTENTS[item.shape][1] * r / height) * height
    if item.shape == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    elif item.shape == "oval":
        draw.ellipse((x - 1.35 * r, y - 0.75 * r, x + 1.35 * r, y + 0.75 * r), fill=colour)
    elif item.shape == "square":
        draw.rectangle((x - 0.9 * r, y - 0.9 * r, x + 0.9 * r, y + 0.9 * r), fill=colour)
    elif item.shape == "rectangle":
        draw.rectangle((x - 1.2 * r, y - 0.65 * r, x + 1.2 * r, y + 0.65 * r), fill=colour)
    elif item.shape == "triangle":
        draw.polygon([(x, y - 1.23 * r), (x - 1.4 * r, y + r), (x + 1.4 * r, y + r)], fill=colour)
    else:
        # A star alternates long and short spokes; a blob has random ones.
        spokes = 10 if item.shape == "star" else 8
        radii = (
            [1.58, 0.68] * 5
            if item.shape == "star"
            else (0.45 + 1.1 * shapes.random(spokes)).tolist()
        )
        angles = [-math.pi / 2 + 2 * math.pi * k / spokes for k in range(spokes)]
        draw.polygon(
            [
                (x + r * length * math.cos(angle), y + r * length * math.sin(angle))
                for length, angle in zip(radii, angles, strict=True)
            ],
            fill=colour,
        )


def _placed(cell: int, extent: float) -> float:
    """Centre (a fraction) for a grid cell: inside the frame if it fits, always in its cell."""
    centre = min(max(_GRID[cell], extent + 0.02), 1 - extent - 0.02)
    return min(max(centre, cell / 3 + 0.02), (cell + 1) / 3 - 0.02)


def _band(
    draw: ImageDraw.ImageDraw,
    item: Item,
    colour: RGB,
    size: tuple[int, int],
    stripe: int | None = None,
) -> None:
    """A band across the frame (down it when vertical), or one of five stripes."""
    length = size[0] if item.vertical else size[1]
    if stripe is not None:
        period = length / 5
        thickness = period * 0.5 * min(item.scale, 1.6)
        start = stripe * period + (period - thickness) / 2
    else:
        thickness = length * (item.extent or _BAND * item.scale)
        cell = item.col if item.vertical else item.row
        cell = 1 if cell is None else cell
        # Bands at an edge hug it, as sky and sea do.
        start = (0.0, (length - thickness) / 2, length - thickness)[cell]
    end = start + thickness
    box = (start, 0, end, size[1]) if item.vertical else (0, start, size[0], end)
    draw.rectangle(box, fill=colour)


def _target(band: Band, value: float) -> float:
    """The value moved just inside the band, or unchanged when it is already there."""
    if band.low <= value < band.high:
        return value
    top = min(band.high, 1.0)
    margin = 0.15 * (top - band.low)
    return min(max(value, band.low + margin), top - margin)


def _adjusted(canvas: Image.Image, plan: Plan) -> Image.Image:
    """Bring the measured contrast, saturation and brightness into the bands the prompt named.

    Each step is planned on the thumbnail describe would measure, then applied to the canvas.
    """
    small = thumbnail(canvas)
    steps: list[_Step] = []
    for band, planner in (
        (plan.contrast, _contrast),
        (plan.looks.get("saturation"), _saturation),
        (plan.looks.get("brightness"), _brightness),
        (plan.looks.get("brightness"), _whitening),
    ):
        step = None if band is None else planner(small, band)
        if step is not None:
            small = step(small)
            steps.append(step)
    if not steps:
        return canvas
    rgb = np.asarray(canvas, dtype=np.float32) / 255
    for step in steps:
        rgb = step(rgb)
    return Image.fromarray(np.rint(rgb * 255).astype(np.uint8))


def _contrast(small: np.ndarray, band: Band) -> _Step | None:
    """Stretch or squeeze luma about its mean, shifting all three channels alike."""
    luma = luminance(small)
    current = float(luma.std())
    wanted = _target(band, current)
    if wanted == current:
        return None
    gain, mean = min(wanted / max(current, 1e-3), 10.0) - 1, float(luma.mean())
    return lambda rgb: np.clip(rgb + (gain * (luminance(rgb) - mean))[..., None], 0, 1)


def _saturation(small: np.ndarray, band: Band) -> _Step | None:
    """Blend towards or away from each pixel's grey, which scales chroma exactly."""
    current = chroma(small)
    wanted = _target(band, current)
    if wanted == current:
        return None
    gain = min(wanted / max(current, 1e-3), 10.0)

    def step(rgb: np.ndarray) -> np.ndarray:
        grey = luminance(rgb)[..., None]
        return np.clip(grey + gain * (rgb - grey), 0, 1)

    return step


def _brightness(small: np.ndarray, band: Band) -> _Step | None:
    """Scale all channels: darkens exactly, and brightens without washing colours out."""
    current = float(luminance(small).mean())
    wanted = _target(band, current)
    if wanted == current:
        return None
    gain = min(wanted / max(current, 1e-3), 2.5)
    return lambda rgb: np.clip(rgb * gain, 0, 1)


def _whitening(small: np.ndarray, band: Band) -> _Step | None:
    """Blend towards white, for brightness that scaling could not reach."""
    current = float(luminance(small).mean())
    wanted = _target(band, current)
    if wanted <= current:
        return None
    amount = (wanted - current) / (1 - current)
    return lambda rgb: rgb + (1 - rgb) * amount


def _textured(canvas: Image.Image, plan: Plan, seed: int) -> Image.Image:
    """Overlay a noise pattern seeded by the words sketch did not know and the seed."""
    texture = plan.looks.get("texture")
    noise_source = np.random.default_rng(stable_hash(" ".join(plan.unknown), str(seed), "texture"))
    if texture is None:
        amplitude = _QUIET_NOISE
        cells = (int(noise_source.choice(_NOISE_CELLS)), int(noise_source.choice(_NOISE_CELLS)))
    else:
        # One noise cell per thumbnail pixel, so describe measures the texture asked for.
        longest = max(canvas.size)
        amplitude = _TEXTURE_NOISE[texture]
        cells = tuple(max(1, round(THUMBNAIL_SIDE * side / longest)) for side in canvas.size)
    noise = np.clip(128 + amplitude * noise_source.standard_normal(cells[::-1]), 0, 255)
    layer = Image.fromarray(noise.astype(np.uint8)).resize(canvas.size, Image.Resampling.BILINEAR)
    return ImageChops.add(canvas, Image.merge("RGB", (layer, layer, layer)), offset=-128)
