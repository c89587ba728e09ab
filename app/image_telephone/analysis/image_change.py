"""How much one image differs from the next, without a model: colour histograms, and the
perceptual hashes of the imagehash library (dHash and pHash, 64 bits each)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

HISTOGRAM_BINS = 8  # per channel: 8×8×8 colour cubes


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


def difference_hash(image: Image.Image) -> int:
    """dHash (imagehash.dhash) as a 64-bit integer: where light and dark sit."""
    import imagehash

    return int(str(imagehash.dhash(image)), 16)


def perceptual_hash(image: Image.Image) -> int:
    """pHash (imagehash.phash, a DCT hash) as a 64-bit integer: the image's coarse structure."""
    import imagehash

    return int(str(imagehash.phash(image)), 16)


def png_perceptual_hash(data: bytes) -> int:
    """pHash of encoded image bytes (the full image, as a tournament and a report both hash)."""
    with Image.open(io.BytesIO(data)) as image:
        return perceptual_hash(image)


def hamming_distance(first: int, second: int) -> int:
    """How many of the hash bits differ (0 to 64)."""
    return (first ^ second).bit_count()
