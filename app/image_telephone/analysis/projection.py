"""Caption vectors in 2-D: PCA for short chains, t-SNE for long ones (both scikit-learn)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .reference import START_PROMPT, Reference

TSNE_MIN_POINTS = 12  # below this, t-SNE's neighbourhoods are too small to mean anything
TSNE_PERPLEXITY = 30.0


def project_2d(vectors: np.ndarray, seed: int = 0) -> tuple[np.ndarray, str]:
    """2-D coordinates for the rows of vectors, and the method's name ('PCA' or 't-SNE')."""
    vectors = np.asarray(vectors, dtype=float)
    if len(vectors) < TSNE_MIN_POINTS:
        return pca_2d(vectors), "PCA"
    return tsne_2d(vectors, seed=seed), "t-SNE"


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """The rows on their first two principal components (scikit-learn; zeros where the rows
    span fewer than two directions)."""
    from sklearn.decomposition import PCA

    out = np.zeros((len(vectors), 2))
    components = min(2, len(vectors) - 1, vectors.shape[1])
    if components > 0:
        coordinates = PCA(components, svd_solver="full").fit_transform(vectors)
        spread = np.abs(coordinates).max(axis=0, initial=0.0)
        coordinates[:, spread <= 1e-9 * max(spread.max(initial=0.0), 1.0)] = 0.0
        out[:, :components] = coordinates
    return out


def tsne_2d(
    vectors: np.ndarray, *, perplexity: float = TSNE_PERPLEXITY, seed: int = 0
) -> np.ndarray:
    """scikit-learn's t-SNE, started from PCA so results are repeatable for a seed."""
    from sklearn.manifold import TSNE

    perplexity = min(perplexity, (len(vectors) - 1) / 3)
    model = TSNE(2, perplexity=perplexity, init="pca", random_state=seed, n_jobs=1)
    points = model.fit_transform(np.asarray(vectors, dtype=np.float32))
    return (points - points.mean(axis=0)).astype(float)


@dataclasses.dataclass(frozen=True)
class ChainPath:
    """Where each caption (and the start prompt, when it has an embedding) lands in 2-D."""

    coordinates: np.ndarray
    turns: list[int]
    method: str
    start: np.ndarray | None = None


def chain_path(vectors: np.ndarray, reference: Reference, seed: int = 0) -> ChainPath:
    """The 2-D path of the caption vectors (a row per turn, NaN where unmeasured), plus the start
    prompt when it is the reference."""
    vectors = np.asarray(vectors, dtype=float)
    turns = (
        [int(turn) for turn in np.flatnonzero(~np.isnan(vectors).any(axis=1))]
        if vectors.size
        else []
    )
    rows = [vectors[turn] for turn in turns]
    with_start = reference.label == START_PROMPT and reference.vector is not None
    if with_start:
        rows.append(np.asarray(reference.vector, dtype=float))
    if not rows:
        return ChainPath(np.zeros((0, 2)), [], "PCA")
    coordinates, method = project_2d(np.array(rows), seed=seed)
    if with_start:
        return ChainPath(coordinates[:-1], turns, method, coordinates[-1])
    return ChainPath(coordinates, turns, method)
