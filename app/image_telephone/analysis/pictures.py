"""The drift curves and the caption path as matplotlib figures (no pyplot: safe in any backend)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from image_telephone.errors import InputError

from .drift import HALF_LIFE_SIMILARITY
from .metrics import Metrics, compute_metrics, source_store
from .pipeline import analyse
from .projection import ChainPath
from .run_data import load_run

_HIGHLIGHT = "#d62728"
_LABELLED_POINTS = 25  # label every turn up to this many, then every k-th


def drift_figure(metrics: Metrics, highlight: int | None = None) -> Figure:
    """Caption distances (to the start and to the previous turn) above image change, per turn."""
    frame, game = metrics.turns, metrics.game
    figure = Figure(figsize=(8, 5.5), layout="constrained")
    captions, images = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    turns = frame["turn"].to_numpy()
    captions.plot(turns, frame["distance_to_start"], "o-", label=f"to {metrics.reference.label}")
    captions.plot(turns, frame["distance_to_previous"], "s--", label="to the text before")
    captions.axhline(1 - HALF_LIFE_SIMILARITY, color="grey", lw=0.8, ls=":")
    _mark(captions, game["half_life"], "half-life", "tab:purple")
    _mark(captions, game["convergence_turn"], "converged", "tab:green")
    captions.set_ylabel("cosine distance")
    captions.set_title(f"{game['run_name']}: caption drift")
    captions.legend(loc="best", fontsize="small")
    images.plot(
        turns, frame["histogram_change"], "o-", color="tab:orange", label="colour histogram"
    )
    hashes = frame["hash_change"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) / 64
    images.plot(turns, hashes, "^--", color="tab:brown", label="dHash bits / 64")
    phash = frame["phash_distance_to_previous"]
    images.plot(turns, phash, "v:", color="tab:grey", label="pHash bits / 64")
    images.set_ylabel("change from previous image")
    images.set_xlabel("turn")
    images.xaxis.set_major_locator(MaxNLocator(integer=True))
    images.set_ylim(-0.03, 1.03)
    images.legend(loc="best", fontsize="small")
    for turn in frame.loc[frame["missing"], "turn"]:
        for axes in (captions, images):
            axes.axvspan(turn - 0.5, turn + 0.5, color="grey", alpha=0.2, lw=0)
    if highlight is not None:
        for axes in (captions, images):
            axes.axvline(highlight, color=_HIGHLIGHT, lw=1.5)
    return figure


def _mark(axes, turn: int | None, label: str, colour: str) -> None:
    if turn is not None:
        axes.axvline(turn, color=colour, lw=1, ls="-.", label=f"{label} (turn {turn})")


def path_figure(path: ChainPath, title: str = "", highlight: int | None = None) -> Figure:
    """The captions' 2-D path, coloured and labelled by turn; highlight rings one turn."""
    figure = Figure(figsize=(6.5, 6), layout="constrained")
    axes = figure.subplots()
    points, turns = path.coordinates, np.array(path.turns)
    line = points if path.start is None else np.vstack([path.start, points])
    axes.plot(line[:, 0], line[:, 1], "-", color="lightgrey", lw=1, zorder=1)
    dots = axes.scatter(points[:, 0], points[:, 1], c=turns, cmap="viridis", s=36, zorder=2)
    if len(turns):
        figure.colorbar(dots, ax=axes, label="turn")
    every = max(1, len(turns) // _LABELLED_POINTS)
    for index, (turn, (x, y)) in enumerate(zip(turns, points, strict=True)):
        if index % every == 0 or index == len(turns) - 1:
            axes.annotate(str(turn), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=8)
    if path.start is not None:
        axes.scatter(*path.start, marker="*", s=220, color="black", zorder=3, label="start prompt")
        axes.legend(loc="best", fontsize="small")
    if highlight is not None and highlight in path.turns:
        x, y = points[path.turns.index(highlight)]
        axes.scatter([x], [y], s=260, facecolors="none", edgecolors=_HIGHLIGHT, lw=2.5, zorder=4)
    axes.set_title(f"{title}: caption path ({path.method})" if title else path.method)
    axes.set_xticks([])
    axes.set_yticks([])
    return figure


def png_bytes(figure: Figure, dpi: int = 96) -> bytes:
    """The figure rendered as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def plot(source: Any, kind: str = "drift", highlight: int | None = None, **options: Any) -> Figure:
    """The drift curves ('drift') or caption path ('path') of a GameResult, Store or run folder."""
    if kind == "drift":
        return drift_figure(compute_metrics(load_run(source_store(source)), **options), highlight)
    if kind == "path":
        analysis = analyse(source, **options)
        return path_figure(analysis.path, analysis.run.name, highlight)
    raise InputError(f"plot kind {kind!r}: choose 'drift' or 'path'")
