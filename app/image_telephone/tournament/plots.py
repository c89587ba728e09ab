"""The study's pictures: mean distance to the start by turn (a line per pair, a panel per level)
and the pairs' mean distance as a captioner × painter grid."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure  # no pyplot: no global state, no window, thread-safe
from matplotlib.ticker import MaxNLocator

from .prompts import level_order

DISTANCE_BY_TURN_PNG = "distance_by_turn.png"
PAIR_GRID_PNG = "pair_grid.png"
_LEGEND_COLUMNS, _LEGEND_ROW_IN = 4, 0.2


def distance_by_turn(turns: pd.DataFrame) -> Figure:
    """Mean cosine distance to the start prompt by turn: one panel per level, a line per pair."""
    levels = level_order(set(turns["level"]))
    means = turns.groupby(["level", "captioner", "painter", "turn"])["distance_to_start"].mean()
    pairs = means.index.droplevel(["level", "turn"]).unique()
    legend_rows = -(-len(pairs) // _LEGEND_COLUMNS)
    # Margins in inches, set by hand: an automatic layout measures every text twice over.
    width, height = 4.2 * len(levels), 3.4 + _LEGEND_ROW_IN * legend_rows
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=0.75 / width,
        right=1 - 0.15 / width,
        top=1 - 0.35 / height,
        bottom=(0.6 + _LEGEND_ROW_IN * legend_rows) / height,
        wspace=0.08,
    )
    axes = figure.subplots(1, len(levels), sharey=True, squeeze=False)
    for axis, level in zip(axes[0], levels, strict=True):
        for (captioner, painter), line in means.loc[level].groupby(level=[0, 1]):
            axis.plot(
                line.index.get_level_values("turn"),
                line.values,
                marker="o",
                markersize=3,
                label=f"{captioner} × {painter}",
            )
        axis.set_title(level)
        axis.set_xlabel("turn")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("mean distance to the start prompt")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        figure.legend(
            handles, labels, loc="lower center", ncol=min(_LEGEND_COLUMNS, len(labels)), fontsize=8
        )
    return figure


def pair_grid(turns: pd.DataFrame) -> Figure:
    """Mean distance to the start of each captioner × painter pair, as a shaded grid."""
    grid = turns.pivot_table(
        index="captioner", columns="painter", values="distance_to_start", aggfunc="mean"
    )
    values = grid.to_numpy(dtype=float)
    figure = Figure(figsize=(3.0 + 1.3 * grid.shape[1], 1.4 + 0.6 * grid.shape[0]))
    axis = figure.subplots()
    image = axis.imshow(values, cmap="viridis_r", aspect="auto")
    axis.set_xticks(range(grid.shape[1]), grid.columns, rotation=30, ha="right")
    axis.set_yticks(range(grid.shape[0]), grid.index)
    axis.set_xlabel("painter")
    axis.set_ylabel("captioner")
    middle = (np.nanmin(values) + np.nanmax(values)) / 2
    for (row, column), value in np.ndenumerate(values):
        if np.isnan(value):  # a pair with no turns played
            continue
        colour = "black" if value < middle else "white"  # viridis_r is light at the low end
        axis.text(column, row, f"{value:.3f}", ha="center", va="center", color=colour)
    figure.colorbar(image, ax=axis, label="mean distance")
    figure.tight_layout()
    return figure


def warm_up() -> None:
    """Draws both figures from a two-turn table and throws them away: a process's first figure
    loads fonts and fills matplotlib's caches, which is better done while the games play."""
    turns = pd.DataFrame(
        {
            "level": ["easy", "easy"],
            "captioner": ["c", "c"],
            "painter": ["p", "p"],
            "turn": [0, 1],
            "distance_to_start": [0.1, 0.2],
        }
    )
    png(distance_by_turn(turns))
    png(pair_grid(turns))


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=110)
    return out.getvalue()
