"""The game's images as PNG: any mode Pillow opens, the first frame, what PNG can hold kept."""

from __future__ import annotations

import io

# The pixel limit, mode conversion and messages live in the standalone dataflow (it may not
# import this package); sharing its helpers keeps one implementation of each.
from image_telephone.dataflows.caption_images import (
    MAX_IMAGE_PIXELS,
    _decoding,
    _open_within_limit,
    _png_ready,
)
from image_telephone.errors import InputError

__all__ = ["MAX_IMAGE_PIXELS", "as_png"]


def as_png(data: bytes, name: str) -> bytes:
    """PNG bytes of the image named name: a still PNG as is, else its first frame, upright."""
    from PIL import ImageOps

    try:
        with _decoding(name, "image"), _open_within_limit(data, name) as image:
            if image.format == "PNG" and not getattr(image, "is_animated", False):
                return data  # also keeps what Pillow cannot write, e.g. 16-bit RGB
            # Alpha, palette (with its transparency), 1-bit and 16-bit grey stay as they are.
            frame = ImageOps.exif_transpose(_png_ready(image, lossless=True))
            out = io.BytesIO()
            frame.save(out, format="PNG", icc_profile=frame.info.get("icc_profile"))
            return out.getvalue()
    except ValueError as error:
        raise InputError(str(error)) from error
