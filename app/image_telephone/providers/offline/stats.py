"""Whole-picture statistics, measured the same way by describe and by sketch's adjustments."""

from dataclasses import dataclass

import numpy as np
from PIL import Image

THUMBNAIL_SIDE = 64


@dataclass(frozen=True)
class PictureStats:
    """Brightness, saturation, contrast, texture and asymmetry of a picture, each about 0..1."""

    brightness: float
    saturation: float
    contrast: float
    texture: float
    asymmetry: float


def thumbnail(image: Image.Image) -> np.ndarray:
    """An RGB or RGBA picture box-averaged to at most THUMBNAIL_SIDE pixels a side, on white.

    Returns RGB floats in 0..1.
    """
    scale = THUMBNAIL_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    if image.mode == "RGBA":
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    return np.asarray(image.convert("RGB"), dtype=np.float64) / 255


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of RGB floats in 0..1."""
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def chroma(rgb: np.ndarray) -> float:
    """Mean chroma (largest minus smallest channel) of RGB floats in 0..1.

    Unlike HSV saturation it does not call near-black pixels vivid, and blending towards grey
    scales it exactly.
    """
    return float(np.mean(rgb.max(-1) - rgb.min(-1)))


def texture(luma: np.ndarray) -> float:
    """Mean gradient magnitude of a luma image."""
    if min(luma.shape) < 2:
        return 0.0
    return float(np.mean(np.hypot(np.diff(luma, axis=1)[:-1], np.diff(luma, axis=0)[:, :-1])))


def picture_stats(rgb: np.ndarray) -> PictureStats:
    """Measure a thumbnail (RGB floats in 0..1)."""
    luma = luminance(rgb)
    return PictureStats(
        brightness=float(luma.mean()),
        saturation=chroma(rgb),
        contrast=float(luma.std()),
        texture=texture(luma),
        asymmetry=float(np.mean(np.abs(rgb - rgb[:, ::-1]))),
    )
