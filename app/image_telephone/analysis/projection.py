"""Caption embeddings in 2-D: PCA for short chains, t-SNE (small, numpy only) for long ones."""

from __future__ import annotations

import dataclasses

import numpy as np

from .reference import START_PROMPT, Reference
from .run_data import Run

TSNE_MIN_POINTS = 12  # below this, t-SNE's neighbourhoods are too small to mean anything
TSNE_PERPLEXITY = 30.0
TSNE_ITERATIONS = 500
_EXAGGERATION, _EXAGGERATED_ITERATIONS = 12.0, 150
_BLOCK_ROWS = 128  # 128 × 1000 float32 fits in L2: the gradient is memory-bound


def project_2d(vectors: np.ndarray, seed: int = 0) -> tuple[np.ndarray, str]:
    """2-D coordinates for the rows of vectors, and the method's name ('PCA' or 't-SNE')."""
    vectors = np.asarray(vectors, dtype=float)
    if len(vectors) < TSNE_MIN_POINTS:
        return pca_2d(vectors), "PCA"
    return tsne_2d(vectors, seed=seed), "t-SNE"


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """The rows projected on their first two principal components (zeros where there are fewer)."""
    centred = vectors - vectors.mean(axis=0)
    # eigh of the smaller of the Gram and covariance matrices: far cheaper than a full SVD
    gram = len(centred) <= centred.shape[1]
    values, axes = np.linalg.eigh(centred @ centred.T if gram else centred.T @ centred)
    order = np.argsort(values)[::-1][:2]
    values, axes = np.maximum(values[order], 0.0), axes[:, order]
    coordinates = axes * np.sqrt(values) if gram else centred @ axes
    coordinates[:, values <= 1e-12 * max(values.max(initial=0.0), 1.0)] = 0.0
    out = np.zeros((len(vectors), 2))
    out[:, : coordinates.shape[1]] = coordinates
    return out


def tsne_2d(
    vectors: np.ndarray,
    *,
    perplexity: float = TSNE_PERPLEXITY,
    iterations: int = TSNE_ITERATIONS,
    seed: int = 0,
) -> np.ndarray:
    """Exact t-SNE (van der Maaten & Hinton, 2008), started from PCA so results are repeatable."""
    count = len(vectors)
    perplexity = min(perplexity, (count - 1) / 3)
    affinities = _joint_probabilities(_squared_distances(vectors), perplexity).astype(np.float32)
    random = np.random.default_rng(seed)
    start = _approximate_pca_2d(vectors, random)
    spread = start[:, 0].std()
    jitter = random.normal(0.0, 1e-4, start.shape)
    points = ((start / spread * 1e-4 if spread > 0 else 0.0) + jitter).astype(np.float32)
    step_size = max(count / _EXAGGERATION / 4, 50.0)
    velocity, gains = np.zeros_like(points), np.ones_like(points)
    for iteration in range(iterations):
        early = iteration < _EXAGGERATED_ITERATIONS
        gradient = _gradient(points, affinities, _EXAGGERATION if early else 1.0)
        # delta-bar-delta gains, as in the reference implementation
        same_sign = np.sign(gradient) == np.sign(velocity)
        gains = np.maximum(np.where(same_sign, gains * 0.8, gains + 0.2), 0.01)
        velocity = (0.5 if early else 0.8) * velocity - step_size * gains * gradient
        points += velocity
    return (points - points.mean(axis=0)).astype(float)


def _approximate_pca_2d(vectors: np.ndarray, random: np.random.Generator) -> np.ndarray:
    """Randomized PCA (Halko et al. 2011), as scikit-learn starts t-SNE: enough for a start."""
    centred = vectors - vectors.mean(axis=0)
    basis = centred @ random.normal(size=(centred.shape[1], 12))
    for _ in range(4):
        basis = centred @ (centred.T @ np.linalg.qr(basis)[0])
    basis = np.linalg.qr(basis)[0]
    left, singular, _ = np.linalg.svd(basis.T @ centred, full_matrices=False)
    return basis @ left[:, :2] * singular[:2]


def _squared_distances(points: np.ndarray) -> np.ndarray:
    squares = np.einsum("ij,ij->i", points, points)
    return np.maximum(squares[:, None] + squares[None, :] - 2 * points @ points.T, 0.0)


def _joint_probabilities(distances: np.ndarray, perplexity: float) -> np.ndarray:
    """Symmetric affinities whose rows each have the given perplexity (bisection on precision)."""
    count = len(distances)
    target = np.log(perplexity)
    low, high = np.zeros(count), np.full(count, np.inf)
    precision = np.ones(count) / max(float(np.median(distances)), 1e-12)
    diagonal = np.eye(count, dtype=bool)
    for _ in range(64):
        logits = -distances * precision[:, None]
        logits[diagonal] = -np.inf
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        conditional = weights / weights.sum(axis=1, keepdims=True)
        entropy = -np.sum(conditional * np.log(np.maximum(conditional, 1e-300)), axis=1)
        too_flat = entropy > target  # too many neighbours: sharpen
        low = np.where(too_flat, precision, low)
        high = np.where(too_flat, high, precision)
        precision = np.where(np.isinf(high), precision * 2, (low + high) / 2)
        if np.abs(entropy - target).max() < 1e-4:
            break
    joint = (conditional + conditional.T) / (2 * count)
    return np.maximum(joint, 1e-12)


def _gradient(points: np.ndarray, affinities: np.ndarray, exaggeration: float) -> np.ndarray:
    """The t-SNE gradient, in row blocks small enough to stay in the CPU cache.

    With kernel k = 1 / (1 + |yi - yj|²) and Z = Σk, the force is (a·P - k/Z)·k, so the attractive
    (P·k) and repulsive (k²) sums are collected per block and scaled by 1/Z at the end.
    """
    x, y = points[:, 0], points[:, 1]
    attraction, repulsion = np.empty(len(points), np.float32), np.empty(len(points), np.float32)
    attraction_pull, repulsion_push = np.empty_like(points), np.empty_like(points)
    total = 0.0
    for first in range(0, len(points), _BLOCK_ROWS):
        rows = slice(first, first + _BLOCK_ROWS)
        kernel = np.subtract.outer(x[rows], x)
        kernel *= kernel
        dy = np.subtract.outer(y[rows], y)
        dy *= dy
        kernel += dy
        kernel += 1.0
        np.reciprocal(kernel, out=kernel)
        block = np.arange(len(kernel))
        kernel[block, block + first] = 0.0
        total += float(kernel.sum(dtype=np.float64))
        pulled = affinities[rows] * kernel
        attraction[rows], attraction_pull[rows] = pulled.sum(axis=1), pulled @ points
        kernel *= kernel
        repulsion[rows], repulsion_push[rows] = kernel.sum(axis=1), kernel @ points
    weights = exaggeration * attraction - repulsion / total
    return 4.0 * (
        weights[:, None] * points - (exaggeration * attraction_pull - repulsion_push / total)
    )


@dataclasses.dataclass(frozen=True)
class ChainPath:
    """Where each caption (and the start prompt, when it has an embedding) lands in 2-D."""

    coordinates: np.ndarray
    turns: list[int]
    method: str
    start: np.ndarray | None = None


def chain_path(run: Run, reference: Reference, seed: int = 0) -> ChainPath:
    """The 2-D path of the caption embeddings, plus the start prompt when it is the reference."""
    measured = [turn for turn in run.turns if turn.embedding is not None]
    vectors = [turn.embedding for turn in measured]
    with_start = reference.label == START_PROMPT and reference.vector is not None
    if with_start:
        vectors.append(reference.vector)
    if not vectors:
        return ChainPath(np.zeros((0, 2)), [], "PCA")
    coordinates, method = project_2d(np.array(vectors), seed=seed)
    turns = [turn.turn for turn in measured]
    if with_start:
        return ChainPath(coordinates[:-1], turns, method, coordinates[-1])
    return ChainPath(coordinates, turns, method)
