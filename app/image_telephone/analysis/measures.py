"""One definition of each distance, shared by a run's report and a tournament's turn table.

Rows are turns in chain order; ``first`` marks each chain's first turn (a run is one chain, a
tournament table many, each game's turns consecutive). Missing values are rows of NaN and give
NaN distances.
"""

from __future__ import annotations

import numpy as np

HASH_BITS = 64  # an 8×8 perceptual hash


def cosine_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 − cosine similarity of each row of a with the same row of b: 0 same direction, 1
    orthogonal (NaN where either row is missing or zero)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosines = np.einsum("ij,ij->i", a, b) / np.where(norms > 0, norms, np.nan)
    return np.clip(1.0 - cosines, 0.0, 2.0)  # rounding can put equal vectors at -1e-16


def previous_rows(vectors: np.ndarray, starts: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Each row's predecessor: the row before it, or for a chain's first row its start row."""
    previous = np.empty_like(vectors, dtype=float)
    previous[1:] = vectors[:-1]
    previous[first] = starts[first]
    return previous


def distance_to_start(vectors: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cosine distance of each row to its chain's start."""
    return cosine_distances(vectors, starts)


def distance_to_previous(vectors: np.ndarray, starts: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Cosine distance of each row to the one before; a chain's first row is measured from its
    start (the start prompt, for text; NaN rows where there is none)."""
    return cosine_distances(vectors, previous_rows(vectors, starts, first))


def chain_starts(vectors: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Each row's chain's first row (the first image is where an image chain starts)."""
    index = np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    return np.asarray(vectors, dtype=float)[index]


def hash_distance_to_previous(hashes: list[int | None], first: np.ndarray) -> np.ndarray:
    """Hamming distance of each 64-bit hash to the one before, over 64 (NaN at a chain's first
    row and where either hash is missing)."""
    out = np.full(len(hashes), np.nan)
    for row in range(1, len(hashes)):
        current, previous = hashes[row], hashes[row - 1]
        if not first[row] and current is not None and previous is not None:
            out[row] = (current ^ previous).bit_count() / HASH_BITS
    return out


def chain_firsts(chains: np.ndarray) -> np.ndarray:
    """True where a row begins a chain (its chain id differs from the row before)."""
    chains = np.asarray(chains)
    first = np.ones(len(chains), dtype=bool)
    first[1:] = chains[1:] != chains[:-1]
    return first
