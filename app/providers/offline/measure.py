"""What describe measures in a picture: background, main object, other colours, statistics."""

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ...errors import InputError
from .palette import NAMES, nearest_names, shade_of, to_lab
from .regions import components
from .stats import THUMBNAIL_SIDE, PictureStats, picture_stats, thumbnail

_FOREGROUND_DISTANCE = 22.0  # Lab distance from the background colour that makes a pixel stand out
_MIN_SUBJECT = 0.01  # smallest main object, as a fraction of the frame
_MIN_OTHER = 0.03  # smallest secondary colour worth mentioning
_MAX_OTHERS = 3


@dataclass(frozen=True)
class Region:
    """A coloured part of the picture; x and y locate its centroid as fractions of the frame."""

    colour: str
    shade: str
    x: float
    y: float
    area: float
    shape: str = "blob"
    vertical: bool = False
    aspect: float = 1.0  # bounding box width / height

    @property
    def cell(self) -> tuple[int, int]:
        """(row, column) of the 3x3 grid cell holding the centroid."""
        return min(2, int(self.y * 3)), min(2, int(self.x * 3))


@dataclass(frozen=True)
class Measurements:
    """Everything describe can say about one picture."""

    background: str
    background_shade: str
    background_area: float
    subject: Region | None
    others: tuple[Region, ...]
    stats: PictureStats


def decode(image: bytes) -> np.ndarray:
    """Decode any image Pillow opens into a small RGB thumbnail (floats in 0..1)."""
    try:
        with Image.open(io.BytesIO(image)) as picture:
            picture.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))  # JPEG: decode smaller
            transparent = "A" in picture.getbands() or "transparency" in picture.info
            rgb = picture.convert("RGBA" if transparent else "RGB")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        raise InputError(f"offline describe: the image could not be decoded ({error})") from error
    return thumbnail(rgb)


def measure(rgb: np.ndarray) -> Measurements:
    """Measure a thumbnail: the background is the colour covering most of the border."""
    height, width = rgb.shape[:2]
    frame = height * width
    lab = to_lab(rgb)
    names = nearest_names(lab)
    border = np.ones((height, width), dtype=bool)
    border[2:-2, 2:-2] = False
    background = int(np.bincount(names[border]).argmax())
    background_pixels = border & (names == background)
    background_lab = lab[background_pixels].mean(0)
    background_shade = shade_of(NAMES[background], float(background_lab[0]))
    foreground = np.linalg.norm(lab - background_lab, axis=-1) > _FOREGROUND_DISTANCE

    labels, sizes = components(foreground)
    subject, subject_mask = None, np.zeros_like(foreground)
    if sizes.size and sizes.max() >= _MIN_SUBJECT * frame:
        subject, subject_mask = _subject(
            rgb, labels, sizes, names, lab, rgb[background_pixels].mean(0)
        )

    return Measurements(
        background=NAMES[background],
        background_shade=background_shade,
        background_area=float(np.mean(~foreground & (names == background))),
        subject=subject,
        others=_others(foreground & ~subject_mask, names, lab),
        stats=picture_stats(rgb),
    )


def _majority(names: np.ndarray, lab: np.ndarray, mask: np.ndarray) -> tuple[int, str]:
    """The most common colour name under a mask, and its shade there."""
    name = int(np.bincount(names[mask]).argmax())
    return name, shade_of(NAMES[name], float(lab[mask & (names == name), 0].mean()))


def _box(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Row and column indices of a mask's pixels and its bounding box height and width."""
    ys, xs = np.nonzero(mask)
    return ys, xs, int(ys.max() - ys.min() + 1), int(xs.max() - xs.min() + 1)


def _neighbours(array: np.ndarray, outside: object) -> list[np.ndarray]:
    """The values above, below, left and right of each element; `outside` beyond the edge."""
    padded = np.pad(array, 1, constant_values=outside)
    return [padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]


def _band(mask: np.ndarray) -> bool | None:
    """Whether a region is a thin band spanning the frame: True vertical, False horizontal."""
    height, width = mask.shape
    _, _, box_height, box_width = _box(mask)
    if box_width >= 0.9 * width and box_height <= 0.45 * height:
        return False
    if box_height >= 0.9 * height and box_width <= 0.45 * width:
        return True
    return None


def _subject(
    rgb: np.ndarray, labels: np.ndarray, sizes: np.ndarray, names: np.ndarray, lab: np.ndarray,
    background_rgb: np.ndarray,
) -> tuple[Region, np.ndarray]:
    """The largest foreground region as the main object, with its mask."""
    height, width = labels.shape
    mask = labels == int(sizes.argmax()) + 1
    name, shade = _majority(names, lab, mask)
    vertical = _band(mask)
    if vertical is None:
        weights = _coverage(rgb, mask, rgb[mask & (names == name)].mean(0), background_rgb)
        solid = weights > 0.5
        shape = _shape(solid if solid.any() else mask, float(weights.sum()))
        vertical = False
    else:
        # Several parallel bands of the same colour are stripes.
        stripes = []
        for index in np.nonzero(sizes >= _MIN_SUBJECT * labels.size)[0]:
            other = labels == index + 1
            if _band(other) is vertical and _majority(names, lab, other)[0] == name:
                stripes.append(other)
        shape = "band"
        if len(stripes) > 1:
            shape, mask = "stripes", np.logical_or.reduce(stripes)
        weights = mask.astype(np.float64)
    ys, xs = np.mgrid[:height, :width]
    total = weights.sum()
    _, _, box_height, box_width = _box(weights > 0.5 if (weights > 0.5).any() else mask)
    region = Region(
        colour=NAMES[name], shade=shade,
        x=float(((xs + 0.5) * weights).sum() / total / width),
        y=float(((ys + 0.5) * weights).sum() / total / height),
        area=float(total / labels.size), shape=shape, vertical=vertical,
        aspect=box_width / box_height,
    )
    return region, mask


def _coverage(
    rgb: np.ndarray, mask: np.ndarray, colour: np.ndarray, background: np.ndarray
) -> np.ndarray:
    """How much of each pixel the region covers: 1 inside, a blend estimate along its edge."""
    around = _neighbours(mask, False)
    grown = mask | np.logical_or.reduce(around)
    inner = mask & np.logical_and.reduce(around)
    # Thumbnail pixels on an edge are box averages, so they lie between the two colours.
    direction = colour - background
    blend = np.clip((rgb - background) @ direction / max(direction @ direction, 1e-6), 0, 1)
    return np.where(inner, 1.0, np.where(grown, blend, 0.0))


def _shape(solid: np.ndarray, area: float) -> str:
    """Name a compact region's shape from how it fills its bounding box."""
    ys, xs, box_height, box_width = _box(solid)
    height, width = solid.shape
    fill = area / (box_height * box_width)
    aspect = box_width / box_height
    squarish = 0.8 <= aspect <= 1.25
    lower_half = np.mean(ys - ys.min() >= box_height / 2)
    if fill >= 0.88:
        return "square" if squarish else "rectangle"
    if fill >= 0.7:
        # A disc cut off by the frame keeps its fill ratio, but looks narrower across the cut.
        cut_across = xs.min() == 0 or xs.max() == width - 1
        cut_along = ys.min() == 0 or ys.max() == height - 1
        round_ = (aspect >= 0.8 or cut_across) and (aspect <= 1.25 or cut_along)
        return "circle" if round_ else "oval"
    if 0.42 <= fill < 0.62 and abs(lower_half - 0.5) > 0.15:
        return "triangle"
    if 0.28 <= fill < 0.5 and squarish:
        return "star"
    return "blob"


def _others(mask: np.ndarray, names: np.ndarray, lab: np.ndarray) -> tuple[Region, ...]:
    """Secondary colours outside the main object, largest first."""
    height, width = names.shape
    # Only pixels whose four neighbours share their name: edges blend neighbouring colours.
    core = mask & np.logical_and.reduce([near == names for near in _neighbours(names, -1)])
    counts = np.bincount(names[core], minlength=len(NAMES))
    regions = []
    for name in np.argsort(-counts, kind="stable")[:_MAX_OTHERS]:
        if counts[name] < _MIN_OTHER * names.size:
            break
        ys, xs = np.nonzero(core & (names == name))
        regions.append(Region(
            colour=NAMES[name], shade=shade_of(NAMES[name], float(lab[ys, xs, 0].mean())),
            x=(xs.mean() + 0.5) / width, y=(ys.mean() + 0.5) / height,
            area=counts[name] / names.size,
        ))
    return tuple(regions)
