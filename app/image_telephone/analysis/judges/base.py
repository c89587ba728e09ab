"""A judge: a named ruler that turns captions (and, if it can, images) into vectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from image_telephone.errors import InputError


class Judge:
    """Measures games it did not play: text vectors, image vectors when multimodal, a record."""

    kind: str = ""
    spec: str = ""
    model: str = ""
    endpoint: str | None = None
    multimodal: bool = False  # whether image_vectors gives vectors in the text vectors' space
    measures_meaning: bool = True

    def record(self) -> dict[str, Any]:
        """Who measured: spec, kind, model and endpoint (never a key), written with the results."""
        return {
            "judge": self.spec,
            "kind": self.kind,
            "model": self.model,
            "endpoint": self.endpoint,
            "multimodal": self.multimodal,
        }

    def describe(self) -> str:
        """One line naming the judge, for the command's output and the report pages."""
        where = f" at {self.endpoint}" if self.endpoint else ""
        images = ", images too" if self.multimodal else ""
        caveat = "" if self.measures_meaning else " (hashed n-grams: does not capture meaning)"
        return f"{self.model} ({self.kind}{where}{images}){caveat}"

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """One row per text."""
        raise NotImplementedError

    def image_vectors(self, pngs: list[bytes]) -> np.ndarray | None:
        """One row per image (encoded bytes), or None for a text-only judge."""
        return None


def check_location(spec: str, model: str) -> str:
    """The model, refused now (before any work) when it is a path to no folder."""
    if model.startswith((".", "/", "~")) and not Path(model).expanduser().is_dir():
        raise InputError(f"judge {spec!r}: no such folder; give a model folder or a hub id")
    return model
