"""A game's drift as a Hamilton dataflow: per-turn distances, then the per-game numbers.

Inputs: ``run_name``, ``captions`` and ``turn_problems`` (one entry per turn), ``caption_vectors``
(turns × dimensions, the judge's, a row of NaN where a turn has none), ``reference_vector`` (what
"the start" means: the start prompt's vector, else caption 0's), ``prompt_vector`` (the start
prompt's, NaN when there is none), ``image_vectors`` (a multimodal judge's, else NaN),
``perceptual_hashes`` (each image's pHash or None), ``images`` (thumbnails or None),
``convergence_threshold`` and ``convergence_turns``. The distances are analysis.measures', the
same functions a tournament's turn table uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from . import measures
from .image_change import colour_histogram, difference_hash, hamming_distance, histogram_distance

HALF_LIFE_SIMILARITY = 0.5


def _firsts(rows: int) -> np.ndarray:
    return np.arange(rows) == 0  # a run is one chain


def distance_to_start(caption_vectors: np.ndarray, reference_vector: np.ndarray) -> np.ndarray:
    """Cosine distance of each caption to the start: 0 same direction, 1 orthogonal."""
    starts = np.broadcast_to(reference_vector, caption_vectors.shape)
    return measures.distance_to_start(caption_vectors, starts)


def similarity_to_start(distance_to_start: np.ndarray) -> np.ndarray:
    """Cosine similarity of each caption to the start."""
    return 1.0 - distance_to_start


def distance_to_previous(caption_vectors: np.ndarray, prompt_vector: np.ndarray) -> np.ndarray:
    """Cosine distance of each caption to the text before it: turn 0's is the start prompt
    (NaN for an image start, or a prompt with no vector)."""
    starts = np.broadcast_to(prompt_vector, caption_vectors.shape)
    return measures.distance_to_previous(caption_vectors, starts, _firsts(len(caption_vectors)))


def image_distance_to_start(image_vectors: np.ndarray) -> np.ndarray:
    """Cosine distance of each image to the chain's first image (a multimodal judge's vectors)."""
    first = _firsts(len(image_vectors))
    return measures.distance_to_start(image_vectors, measures.chain_starts(image_vectors, first))


def image_distance_to_previous(image_vectors: np.ndarray) -> np.ndarray:
    """Cosine distance of each image to the image before it (NaN for the first image)."""
    nothing = np.full_like(image_vectors, np.nan, dtype=float)
    return measures.distance_to_previous(image_vectors, nothing, _firsts(len(image_vectors)))


def caption_image_distance(caption_vectors: np.ndarray, image_vectors: np.ndarray) -> np.ndarray:
    """Cosine distance of caption k to the image it describes (NaN unless the judge sees both)."""
    if caption_vectors.shape != image_vectors.shape:
        return np.full(len(caption_vectors), np.nan)
    return measures.cosine_distances(caption_vectors, image_vectors)


def phash_distance_to_previous(perceptual_hashes: list[int | None]) -> np.ndarray:
    """pHash bits that differ from the image before, over 64 (NaN for the first image)."""
    return measures.hash_distance_to_previous(perceptual_hashes, _firsts(len(perceptual_hashes)))


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


def image_hashes(images: list[Image.Image | None]) -> list[int | None]:
    """Each image's 64-bit difference hash."""
    return [difference_hash(image) if image is not None else None for image in images]


def hash_change(image_hashes: list[int | None]) -> np.ndarray:
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
    image_distance_to_start: np.ndarray,
    image_distance_to_previous: np.ndarray,
    caption_image_distance: np.ndarray,
    histogram_change: np.ndarray,
    hash_change: np.ndarray,
    phash_distance_to_previous: np.ndarray,
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
            "image_distance_to_start": image_distance_to_start,
            "image_distance_to_previous": image_distance_to_previous,
            "caption_image_distance": caption_image_distance,
            "histogram_change": histogram_change,
            "hash_change": pd.array(hash_change, dtype="Int64"),
            "phash_distance_to_previous": phash_distance_to_previous,
            "missing": [bool(problem) for problem in turn_problems],
            "problems": turn_problems,
        }
    )


def convergence_turn(
    distance_to_previous: np.ndarray, convergence_threshold: float, convergence_turns: int
) -> int | None:
    """First turn ≥ 1 from which k consecutive captions each stay within the threshold of the
    caption before."""
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
    """Sum of the step distances, the start prompt's to caption 0 included: how far the chain
    walked in all."""
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
