"""How much one image differs from the next, without a model: colour histograms and dHash."""

from __future__ import annotations

import numpy as np
from PIL import Image

HISTOGRAM_BINS = 8  # per channel: 8×8×8 colour cubes
HASH_SIDE = 8  # a 64-bit difference hash


def colour_histogram(image: Image.Image) -> np.ndarray:
    """The image's share of pixels in each of the RGB colour cubes, summing to 1."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.uint16).reshape(-1, 3)
    cubes = pixels * HISTOGRAM_BINS // 256
    index = (cubes[:, 0] * HISTOGRAM_BINS + cubes[:, 1]) * HISTOGRAM_BINS + cubes[:, 2]
    counts = np.bincount(index, minlength=HISTOGRAM_BINS**3).astype(float)
    return counts / counts.sum()


def histogram_distance(first: np.ndarray, second: np.ndarray) -> float:
    """Total-variation distance of two colour histograms: 0 same colours, 1 no colour shared."""
    return float(np.abs(first - second).sum() / 2)


def difference_hash(image: Image.Image) -> np.ndarray:
    """dHash: whether each pixel of a tiny grey image is brighter than its right neighbour."""
    grey = image.convert("L").resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.int16)
    return (pixels[:, 1:] > pixels[:, :-1]).ravel()


def hamming_distance(first: np.ndarray, second: np.ndarray) -> int:
    """How many of the hash bits differ (0 to 64)."""
    return int(np.count_nonzero(first != second))
