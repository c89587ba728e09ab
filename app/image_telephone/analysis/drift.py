"""A game's drift as a Hamilton dataflow: per-turn distances, then the per-game numbers.

Inputs: ``run_name``, ``captions`` and ``turn_problems`` (one entry per turn), ``caption_vectors``
(turns × dimensions, a row of NaN where a turn has no embedding), ``reference_vector`` (what
"the start" means: the start prompt's embedding, else caption 0's), ``images`` (PIL images or
None), ``convergence_threshold`` and ``convergence_turns``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from .image_change import colour_histogram, difference_hash, hamming_distance, histogram_distance

HALF_LIFE_SIMILARITY = 0.5


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, vectors / norms, np.nan)


def unit_vectors(caption_vectors: np.ndarray) -> np.ndarray:
    """Caption embeddings scaled to length 1 (NaN rows stay NaN)."""
    return _unit_rows(np.asarray(caption_vectors, dtype=float))


def unit_reference(reference_vector: np.ndarray) -> np.ndarray:
    """The start's embedding scaled to length 1."""
    return _unit_rows(np.asarray(reference_vector, dtype=float))


def _cosine_distance(cosines: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - cosines, 0.0, 2.0)  # rounding can put equal vectors at -1e-16


def distance_to_start(unit_vectors: np.ndarray, unit_reference: np.ndarray) -> np.ndarray:
    """Cosine distance of each caption to the start: 0 same direction, 1 orthogonal."""
    return _cosine_distance(unit_vectors @ unit_reference)


def similarity_to_start(distance_to_start: np.ndarray) -> np.ndarray:
    """Cosine similarity of each caption to the start."""
    return 1.0 - distance_to_start


def distance_to_previous(unit_vectors: np.ndarray) -> np.ndarray:
    """Cosine distance of each caption to the caption before it (NaN for turn 0)."""
    steps = _cosine_distance(np.einsum("ij,ij->i", unit_vectors[1:], unit_vectors[:-1]))
    return np.concatenate([[np.nan], steps])


def caption_words(captions: list[str | None]) -> np.ndarray:
    """Words in each caption (NaN where there is none)."""
    return np.array([len(text.split()) if text is not None else np.nan for text in captions])


def caption_chars(captions: list[str | None]) -> np.ndarray:
    """Characters in each caption (NaN where there is none)."""
    return np.array([len(text) if text is not None else np.nan for text in captions])


def image_histograms(images: list[Image.Image | None]) -> list[np.ndarray | None]:
    """Each image's colour histogram."""
    return [colour_histogram(image) if image is not None else None for image in images]


def histogram_change(image_histograms: list[np.ndarray | None]) -> np.ndarray:
    """Colour-histogram distance of each image to the one before (0 to 1, NaN for turn 0)."""
    return _pairwise_change(image_histograms, histogram_distance)


def image_hashes(images: list[Image.Image | None]) -> list[np.ndarray | None]:
    """Each image's 64-bit difference hash."""
    return [difference_hash(image) if image is not None else None for image in images]


def hash_change(image_hashes: list[np.ndarray | None]) -> np.ndarray:
    """dHash bits that flipped since the image before (0 to 64, NaN for turn 0)."""
    return _pairwise_change(image_hashes, hamming_distance)


def _pairwise_change(values: list, measure: Callable[[Any, Any], float]) -> np.ndarray:
    changes = [
        measure(current, previous) if current is not None and previous is not None else np.nan
        for previous, current in zip([None, *values[:-1]], values, strict=True)
    ]
    return np.array(changes, dtype=float)


def turn_metrics(
    run_name: str,
    captions: list[str | None],
    turn_problems: list[str],
    caption_words: np.ndarray,
    caption_chars: np.ndarray,
    distance_to_start: np.ndarray,
    similarity_to_start: np.ndarray,
    distance_to_previous: np.ndarray,
    histogram_change: np.ndarray,
    hash_change: np.ndarray,
) -> pd.DataFrame:
    """The tidy table: one row per turn."""
    return pd.DataFrame(
        {
            "run": run_name,
            "turn": np.arange(len(captions)),
            "caption": pd.array(captions, dtype="string"),
            "caption_words": pd.array(caption_words, dtype="Int64"),
            "caption_chars": pd.array(caption_chars, dtype="Int64"),
            "distance_to_start": distance_to_start,
            "similarity_to_start": similarity_to_start,
            "distance_to_previous": distance_to_previous,
            "histogram_change": histogram_change,
            "hash_change": pd.array(hash_change, dtype="Int64"),
            "missing": [bool(problem) for problem in turn_problems],
            "problems": turn_problems,
        }
    )


def convergence_turn(
    distance_to_previous: np.ndarray, convergence_threshold: float, convergence_turns: int
) -> int | None:
    """First turn from which k consecutive captions each stay within the threshold of the last."""
    within = distance_to_previous <= convergence_threshold  # NaN compares False: gaps break runs
    for turn in range(1, len(within) - convergence_turns + 1):
        if within[turn : turn + convergence_turns].all():
            return turn
    return None


def half_life(similarity_to_start: np.ndarray) -> int | None:
    """First turn whose cosine similarity to the start falls below 0.5."""
    below = np.flatnonzero(similarity_to_start < HALF_LIFE_SIMILARITY)
    return int(below[0]) if below.size else None


def total_drift(distance_to_start: np.ndarray) -> float | None:
    """Cosine distance of the last measured caption to the start."""
    measured = distance_to_start[~np.isnan(distance_to_start)]
    return float(measured[-1]) if measured.size else None


def path_length(distance_to_previous: np.ndarray) -> float:
    """Sum of the caption-to-caption distances: how far the chain walked in all."""
    return float(np.nansum(distance_to_previous))


def game_metrics(
    convergence_turn: int | None,
    half_life: int | None,
    total_drift: float | None,
    path_length: float,
    turn_problems: list[str],
) -> dict:
    """The per-game numbers."""
    return {
        "turns": len(turn_problems),
        "missing_turns": [turn for turn, problem in enumerate(turn_problems) if problem],
        "convergence_turn": convergence_turn,
        "half_life": half_life,
        "total_drift": _rounded(total_drift),
        "path_length": _rounded(path_length),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 6)
