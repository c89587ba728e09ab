"""The study's figures (matplotlib without pyplot, as in plots.py): intervals per pair and level,
variance shares, the difficulty check, convergence, attractors, meaning against style drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .prompts import level_order
from .study import ALL, PAIR, Study

SHARE_COLOURS = {
    "captioner": "tab:blue",
    "painter": "tab:orange",
    "interaction": "tab:purple",
    "prompt": "tab:olive",
    "residual": "tab:gray",
}
BAND_ALPHA = 0.18


def _label(captioner: str, painter: str) -> str:
    return f"{captioner} × {painter}"


def _errors(frame: pd.DataFrame) -> list[pd.Series]:
    """Error bar lengths below and above each mean, from its interval."""
    return [frame["mean"] - frame["low"], frame["high"] - frame["mean"]]


def _colour(index: int) -> tuple[float, ...]:
    """Twenty distinct colours before any repeats (tab20), for the pairs' lines."""
    return colormaps["tab20"](index % 20)


def pair_bands(pair_turns: pd.DataFrame) -> Figure:
    """Mean distance to the start by turn with its 95% band: a panel per level, a line per pair."""
    levels = level_order(set(pair_turns["level"]))
    pairs = pair_turns[PAIR].drop_duplicates().sort_values(PAIR)
    legend_rows = -(-len(pairs) // 4)
    width, height = 4.2 * len(levels), 3.6 + 0.2 * legend_rows
    figure = Figure(figsize=(width, height))
    axes = figure.subplots(1, len(levels), sharey=True, squeeze=False)[0]
    colours = {tuple(pair): _colour(i) for i, pair in enumerate(pairs.itertuples(index=False))}
    for axis, level in zip(axes, levels, strict=True):
        for (captioner, painter), line in pair_turns[pair_turns["level"] == level].groupby(PAIR):
            colour = colours[(captioner, painter)]
            axis.plot(line["turn"], line["mean"], color=colour, label=_label(captioner, painter))
            axis.fill_between(
                line["turn"], line["low"], line["high"], color=colour, alpha=BAND_ALPHA, lw=0
            )
        axis.set_title(level)
        axis.set_xlabel("turn")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("distance to the start (mean, 95% band)")
    handles, labels = axes[0].get_legend_handles_labels()
    if labels:
        figure.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    figure.subplots_adjust(  # margins in inches, set by hand as in plots.py
        left=0.75 / width,
        right=1 - 0.15 / width,
        top=1 - 0.35 / height,
        bottom=(0.6 + 0.2 * legend_rows) / height,
        wspace=0.08,
    )
    return figure


def pair_intervals(pairs: pd.DataFrame) -> Figure:
    """Each pair's mean distance to the start over all levels, with its 95% interval."""
    rows = pairs[pairs["level"] == ALL].sort_values("mean", ascending=False)
    figure = Figure(figsize=(6.5, 1.2 + 0.3 * len(rows)), layout="constrained")
    axis = figure.subplots()
    y = np.arange(len(rows))
    axis.errorbar(rows["mean"], y, xerr=_errors(rows), fmt="o", capsize=3)
    axis.set_yticks(
        y, [_label(c, p) for c, p in zip(rows["captioner"], rows["painter"], strict=True)]
    )
    axis.set_xlabel("mean distance to the start, all levels (95% interval)")
    axis.grid(alpha=0.3, axis="x")
    return figure


def shares_by_level(shares: pd.DataFrame) -> Figure:
    """Stacked bars: each level's variance in final drift split into its sources."""
    figure = Figure(figsize=(7, 1.4 + 0.45 * len(shares)), layout="constrained")
    axis = figure.subplots()
    y = np.arange(len(shares))[::-1]
    left = np.zeros(len(shares))
    for source, colour in SHARE_COLOURS.items():
        values = shares[source].fillna(0).to_numpy()
        axis.barh(y, values, left=left, color=colour, label=source)
        left += values
    axis.set_yticks(
        y, [f"{lv} ({n} games)" for lv, n in zip(shares["level"], shares["games"], strict=True)]
    )
    axis.set_xlim(0, 1)
    axis.set_xlabel("share of the variance in final distance to the start")
    axis.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, fontsize=8, frameon=False)
    return figure


def shares_by_turn(shares: pd.DataFrame) -> Figure:
    """The variance shares of distance to the start, turn by turn (the roles' with 95% bands):
    which role matters when."""
    figure = Figure(figsize=(6.5, 3.8), layout="constrained")
    axis = figure.subplots()
    for source, colour in SHARE_COLOURS.items():
        axis.plot(shares["turn"], shares[source], marker="o", ms=3, color=colour, label=source)
        if f"{source}_low" in shares:
            axis.fill_between(
                shares["turn"],
                shares[f"{source}_low"],
                shares[f"{source}_high"],
                color=colour,
                alpha=BAND_ALPHA,
                lw=0,
            )
    axis.set_ylim(0, 1)
    axis.set_xlabel("turn")
    axis.set_ylabel("share of the variance")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return figure


def difficulty(levels: pd.DataFrame, check: dict) -> Figure:
    """Each level's mean final drift with its interval, in labelled order, and Spearman's rho."""
    figure = Figure(figsize=(5.5, 3.6), layout="constrained")
    axis = figure.subplots()
    x = np.arange(len(levels))
    axis.errorbar(x, levels["mean"], yerr=_errors(levels), fmt="o-", capsize=4)
    axis.set_xticks(x, levels["level"])
    axis.set_ylabel("final distance to the start")
    axis.set_title(
        f"Spearman ρ = {check['rho']:.2f} [{check['low']:.2f}, {check['high']:.2f}]", fontsize=10
    )
    axis.grid(alpha=0.3)
    return figure


def convergence(games: pd.DataFrame, curve: pd.DataFrame) -> Figure:
    """When chains converge: the games' convergence turns, and the share converged by each turn."""
    figure = Figure(figsize=(9, 3.6), layout="constrained")
    counts_axis, curve_axis = figure.subplots(1, 2)
    turns = games["convergence_turn"]
    counts = turns.dropna().astype(int).value_counts().sort_index()
    counts_axis.bar(counts.index.astype(str), counts.to_numpy(), color="tab:green")
    counts_axis.bar(["not yet"], [int(turns.isna().sum())], color="tab:red")
    counts_axis.set_xlabel("convergence turn")
    counts_axis.set_ylabel("games")
    if len(curve):
        curve_axis.plot(curve["turn"], curve["share"], marker="o", ms=3)
        curve_axis.fill_between(curve["turn"], curve["low"], curve["high"], alpha=BAND_ALPHA, lw=0)
    curve_axis.set_ylim(0, 1)
    curve_axis.set_xlabel("turn")
    curve_axis.set_ylabel("share of games converged by it")
    curve_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    curve_axis.grid(alpha=0.3)
    return figure


def attractors(table: pd.DataFrame) -> Figure:
    """The attractors' sizes: how many games ended in each cluster of final captions."""
    figure = Figure(figsize=(6.5, 1.2 + 0.35 * max(len(table), 1)), layout="constrained")
    axis = figure.subplots()
    y = np.arange(len(table))[::-1]
    axis.barh(y, table["size"], color="tab:cyan")
    axis.set_yticks(
        y, [f"{a}. {n}" for a, n in zip(table["attractor"], table["name"], strict=True)]
    )
    axis.set_xlabel("games ending there")
    return figure


def meaning_and_style(table: pd.DataFrame, measure: str | None) -> Figure:
    """Per pair, meaning drift (text, x) against style drift (images, y), with intervals."""
    figure = Figure(figsize=(6.5, 4.5), layout="constrained")
    axis = figure.subplots()
    for i, row in enumerate(table.itertuples(index=False)):
        axis.errorbar(
            row.meaning,
            row.style,
            xerr=[[row.meaning - row.meaning_low], [row.meaning_high - row.meaning]],
            yerr=[[row.style - row.style_low], [row.style_high - row.style]],
            fmt="o",
            color=_colour(i),
            capsize=2,
            label=_label(row.captioner, row.painter),
        )
    axis.set_xlabel("meaning drift: caption to caption (text distance)")
    axis.set_ylabel(f"style drift: image to image ({measure or 'not measured'})")
    axis.grid(alpha=0.3)
    if len(table):
        axis.legend(fontsize=7, ncol=2)
    return figure


def figures(result: Study) -> dict[str, Figure]:
    """Every figure of the study by its PNG file name."""
    return {
        "study_pair_bands.png": pair_bands(result.pair_turns),
        "study_pair_intervals.png": pair_intervals(result.pairs),
        "study_shares_by_level.png": shares_by_level(result.shares_by_level),
        "study_shares_by_turn.png": shares_by_turn(result.shares_by_turn),
        "study_difficulty.png": difficulty(result.levels, result.difficulty),
        "study_convergence.png": convergence(result.convergence, result.convergence_curve),
        "study_attractors.png": attractors(result.attractors),
        "study_meaning_style.png": meaning_and_style(result.meaning_style, result.style_measure),
    }
