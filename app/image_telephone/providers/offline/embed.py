"""embed: the built-in embedding model, a signed hashing trick over words and character trigrams."""

import re
from itertools import pairwise

import numpy as np

from image_telephone.errors import InputError

from .hashing import stable_hash

EMBED_MODEL = "offline-embed-1"
EMBED_DIMENSIONS = 256

# Weights per feature kind: whole words count most, trigrams catch shared stems ("circle(s)").
_WORD, _BIGRAM, _TRIGRAM = 1.0, 0.7, 0.35


def embed(text: str, *, dimensions: int = EMBED_DIMENSIONS) -> list[float]:
    """A unit-length vector; texts sharing words point in similar directions."""
    if dimensions < 1:
        raise InputError(f"offline embed: dimensions must be at least 1, not {dimensions}")
    features = _features(text)
    vector = np.zeros(dimensions)
    if features:
        hashes = [stable_hash(feature) for feature, _ in features]
        signs = np.array([1.0 if value & 1 else -1.0 for value in hashes])
        weights = np.array([weight for _, weight in features])
        buckets = np.array([(value >> 1) % dimensions for value in hashes])
        vector = np.bincount(buckets, weights=signs * weights, minlength=dimensions)
    norm = float(np.linalg.norm(vector))
    if norm == 0:  # no words (or features that cancel out): a fixed unit vector, not NaN
        vector, norm = np.eye(1, dimensions)[0], 1.0
    return (vector / norm).tolist()


def _features(text: str) -> list[tuple[str, float]]:
    """Word unigrams, word bigrams and character trigrams (with word boundaries), weighted."""
    words = re.findall(r"\w+", text.lower())
    features = [(f"w:{word}", _WORD) for word in words]
    features += [(f"b:{first} {second}", _BIGRAM) for first, second in pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        features += [(f"c:{padded[i : i + 3]}", _TRIGRAM) for i in range(len(padded) - 2)]
    return features
