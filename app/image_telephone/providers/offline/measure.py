"""What describe measures in a picture: background, main object, other colours, statistics."""

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from image_telephone.errors import InputError

from .palette import NAMES, nearest_names, shade_of, shade_steps, to_lab
from .regions import components
from .stats import THUMBNAIL_SIDE, PictureStats, picture_stats, thumbnail
from .vocabulary import TEXTURE

_FOREGROUND_DISTANCE = 15.0  # Lab distance from the background colour that makes a pixel stand out
_MIN_SUBJECT = 0.01  # smallest main object, as a fraction of the frame
_MIN_OTHER = 0.02  # smallest secondary colour worth mentioning
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
        with Image.open(io.BytesIO(image)) as opened:
            opened.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))  # JPEG: decode smaller
            opened.load()
            mode = "RGBA" if "A" in opened.getbands() or "transparency" in opened.info else "RGB"
            picture = opened if opened.mode == mode else opened.convert(mode)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        reason = (
            "not a format Pillow reads"
            if isinstance(error, UnidentifiedImageError)
            else str(error) or type(error).__name__
        )
        raise InputError(
            f"offline describe: the image could not be decoded ({len(image)} bytes; {reason})"
        ) from error
    return thumbnail(picture)


def measure(rgb: np.ndarray) -> Measurements:
    """Measure a thumbnail: the background is the colour covering most of the border."""
    stats = picture_stats(rgb)
    if stats.texture >= TEXTURE[1].low:
        rgb = _blurred(rgb)  # so that grain does not split regions apart
    height, width = rgb.shape[:2]
    lab = to_lab(rgb)
    names = nearest_names(lab)
    border = np.ones((height, width), dtype=bool)
    border[2:-2, 2:-2] = False
    background = int(np.bincount(names[border]).argmax())
    background_pixels = border & (names == background)
    background_lab = lab[background_pixels].mean(0)
    foreground = np.linalg.norm(lab - background_lab, axis=-1) > _FOREGROUND_DISTANCE

    # Parts that differ from the background only a little would read as "green on green".
    background_shade = shade_of(NAMES[background], float(background_lab[0]))
    steps = shade_steps(NAMES[background], lab[..., 0])
    distinct = foreground & ~(
        (names == background) & (steps == shade_steps(NAMES[background], background_lab[0]))
    )
    subject, subject_mask = None, np.zeros_like(foreground)
    main = _main_region(distinct, names)
    if main is not None:
        subject = _subject(rgb, *main, lab, rgb[background_pixels].mean(0))
        subject_mask = main[0]
    return Measurements(
        background=NAMES[background],
        background_shade=background_shade,
        background_area=float(np.mean(~foreground & (names == background))),
        subject=subject,
        others=_others(distinct & ~subject_mask, names, lab),
        stats=stats,
    )


def _blurred(rgb: np.ndarray) -> np.ndarray:
    """A 3x3 box blur."""
    padded = np.pad(rgb, ((1, 1), (1, 1), (0, 0)), mode="edge")
    height, width = rgb.shape[:2]
    return sum(padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3)) / 9


def _main_region(
    foreground: np.ndarray, names: np.ndarray
) -> tuple[np.ndarray, int, bool | None] | None:
    """The largest one-colour foreground region, or set of parallel stripes of one colour.

    Returns its mask, its colour (index into NAMES) and for stripes whether they are vertical.
    """
    smallest = _MIN_SUBJECT * names.size
    best: tuple[np.ndarray, int, bool | None] | None = None
    best_area = 0
    counts = np.bincount(names[foreground], minlength=len(NAMES))
    for name in np.nonzero(counts >= smallest)[0]:
        labels, sizes = components(foreground & (names == name))
        big = [labels == index + 1 for index in np.nonzero(sizes >= smallest)[0]]
        candidates: list[tuple[np.ndarray, bool | None]] = [(mask, None) for mask in big]
        for vertical in (False, True):
            bands = [mask for mask in big if _band(mask) is vertical]
            if len(bands) > 1:
                candidates.append((np.logical_or.reduce(bands), vertical))
        for mask, stripes in candidates:
            area = int(mask.sum())
            if area > best_area:
                best, best_area = (mask, int(name), stripes), area
    return best


def _box(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Row and column indices of a mask's pixels and its bounding box height and width."""
    ys, xs = np.nonzero(mask)
    return ys, xs, int(ys.max() - ys.min() + 1), int(xs.max() - xs.min() + 1)


def _neighbours(array: np.ndarray) -> list[np.ndarray]:
    """The values above, below, left and right of each element (the frame edge repeats)."""
    padded = np.pad(array, 1, mode="edge")
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
    rgb: np.ndarray,
    mask: np.ndarray,
    name: int,
    stripes: bool | None,
    lab: np.ndarray,
    background_rgb: np.ndarray,
) -> Region:
    """Describe the main region: colour, place, size and shape."""
    height, width = mask.shape
    shade = shade_of(NAMES[name], float(lab[mask, 0].mean()))
    vertical = _band(mask) if stripes is None else stripes
    if vertical is not None:
        shape = "band" if stripes is None else "stripes"
        weights = mask.astype(np.float64)
    else:
        weights = _coverage(rgb, mask, rgb[mask].mean(0), background_rgb)
        shape = _shape(weights)
    ys, xs = np.mgrid[:height, :width]
    total = weights.sum()
    box_height, box_width = _extent(weights)
    return Region(
        colour=NAMES[name],
        shade=shade,
        x=float(((xs + 0.5) * weights).sum() / total / width),
        y=float(((ys + 0.5) * weights).sum() / total / height),
        area=float(total / mask.size),
        shape=shape,
        vertical=bool(vertical),
        aspect=box_width / box_height,
    )


def _coverage(
    rgb: np.ndarray, mask: np.ndarray, colour: np.ndarray, background: np.ndarray
) -> np.ndarray:
    """How much of each pixel the region covers: 1 inside, a blend estimate along its edge."""
    around = _neighbours(mask)
    grown = mask | np.logical_or.reduce(around)
    inner = mask & np.logical_and.reduce(around)
    # Thumbnail pixels on an edge are box averages, so they lie between the two colours.
    direction = colour - background
    blend = np.clip((rgb - background) @ direction / max(direction @ direction, 1e-6), 0, 1)
    return np.where(inner, 1.0, np.where(grown, blend, 0.0))


def _extent(weights: np.ndarray) -> tuple[float, float]:
    """Height and width of a region's bounding box, in pixels.

    A partly covered edge row or column counts for as much of it as the region covers.
    """
    return float(weights.max(1).sum()), float(weights.max(0).sum())


def _shape(weights: np.ndarray) -> str:
    """Name a compact region's shape from how it fills its bounding box."""
    box_height, box_width = _extent(weights)
    fill = float(weights.sum()) / (box_height * box_width)
    ys, xs, _, _ = _box(weights >= min(0.5, float(weights.max())))
    height, width = weights.shape
    aspect = box_width / box_height
    squarish = 0.8 <= aspect <= 1.25
    lower_half = np.mean(ys - ys.min() >= (ys.max() - ys.min() + 1) / 2)
    # Fill ratios: square 1, circle pi/4, triangle 1/2, five-pointed star about 0.4.
    if fill >= 0.9:
        return "square" if squarish else "rectangle"
    if fill >= 0.72:
        # A disc cut off by the frame keeps its fill ratio, but looks narrower across the cut.
        cut_across = xs.min() == 0 or xs.max() == width - 1
        cut_along = ys.min() == 0 or ys.max() == height - 1
        round_ = (aspect >= 0.8 or cut_across) and (aspect <= 1.25 or cut_along)
        return "circle" if round_ else "oval"
    if 0.46 <= fill and abs(lower_half - 0.5) > 0.15:
        return "triangle"
    if 0.3 <= fill < 0.5 and squarish:
        return "star"
    return "blob"


def _others(mask: np.ndarray, names: np.ndarray, lab: np.ndarray) -> tuple[Region, ...]:
    """Secondary colours outside the main object, largest first."""
    height, width = names.shape
    # Only pixels whose four neighbours share their name: edges blend neighbouring colours.
    core = mask & np.logical_and.reduce([near == names for near in _neighbours(names)])
    counts = np.bincount(names[core], minlength=len(NAMES))
    regions = []
    for name in np.argsort(-counts, kind="stable")[:_MAX_OTHERS]:
        if counts[name] < _MIN_OTHER * names.size:
            break
        ys, xs = np.nonzero(core & (names == name))
        regions.append(
            Region(
                colour=NAMES[name],
                shade=shade_of(NAMES[name], float(lab[ys, xs, 0].mean())),
                x=float(xs.mean() + 0.5) / width,
                y=float(ys.mean() + 0.5) / height,
                area=float(counts[name] / names.size),
            )
        )
    return tuple(regions)
