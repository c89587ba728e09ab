"""Leaderboards: which captioner × painter pairs stay closest to the start, overall and by level,
with 95% bootstrap intervals that resample games."""

from __future__ import annotations

import pandas as pd

from .prompts import level_order
from .study import ALL, PAIR, pair_intervals


def _last_turns(turns: pd.DataFrame) -> pd.DataFrame:
    return turns.loc[turns.groupby("run_name")["turn"].idxmax()]


def _intervals(turns: pd.DataFrame, overall: bool) -> pd.DataFrame:
    """Each pair's 95% interval of its mean distance to the start, over all levels (by pair) or
    per level (by pair and level): the study's own (games resampled), so study_pairs.csv and
    the boards agree. Empty when nothing was measured."""
    columns = {"low": "mean_low", "high": "mean_high"}
    frame = pair_intervals(turns).rename(columns=columns)
    frame = frame[(frame["level"] == ALL) == overall]
    return frame.set_index(PAIR if overall else [*PAIR, "level"])[list(columns.values())]


def pair_leaderboard(turns: pd.DataFrame, games: pd.DataFrame) -> pd.DataFrame:
    """One row per pair, closest to the start first: mean distance (and its interval), final
    distance, games, cost."""
    played = turns.groupby(PAIR).agg(
        mean_distance_to_start=("distance_to_start", "mean"),
        mean_distance_to_previous=("distance_to_previous", "mean"),
        turns=("turn", "size"),
        cost_usd=("cost_usd", "sum"),
    )
    final = _last_turns(turns).groupby(PAIR)["distance_to_start"].mean()
    intervals = _intervals(turns, overall=True)
    played.insert(1, "mean_low", intervals["mean_low"])
    played.insert(2, "mean_high", intervals["mean_high"])
    played.insert(3, "final_distance_to_start", final)
    status = pd.crosstab([games["captioner"], games["painter"]], games["status"])
    board = (
        played.join(status.rename(columns=lambda name: f"games_{name}"), how="outer")
        .sort_values(["mean_distance_to_start", "final_distance_to_start"], na_position="last")
        .reset_index()
    )
    # A pair whose games all failed has played no turns and spent nothing.
    counts = ["turns", *(column for column in board if column.startswith("games_"))]
    board[counts] = board[counts].fillna(0).astype(int)
    board["cost_usd"] = board["cost_usd"].fillna(0.0)
    board.insert(0, "rank", range(1, len(board) + 1))
    return board


def level_leaderboard(turns: pd.DataFrame) -> pd.DataFrame:
    """Tidy: one row per pair and level: mean distance to the start (and its interval), final."""
    final = _last_turns(turns).groupby([*PAIR, "level"])["distance_to_start"].mean()
    board = (
        turns.groupby([*PAIR, "level"])
        .agg(
            mean_distance_to_start=("distance_to_start", "mean"),
            games=("run_name", "nunique"),
        )
        .join(_intervals(turns, overall=False))
        .join(final.rename("final_distance_to_start"))
        .reset_index()
    )
    order = {level: rank for rank, level in enumerate(level_order(set(board["level"])))}
    return board.sort_values(
        ["level", "mean_distance_to_start"], key=lambda c: c.map(order) if c.name == "level" else c
    ).reset_index(drop=True)


def level_table(levels: pd.DataFrame) -> pd.DataFrame:
    """The per-level board as pair × level (mean distance to the start), for reading."""
    table = levels.pivot_table(
        index=PAIR, columns="level", values="mean_distance_to_start", observed=True
    )
    table = table[level_order(set(table.columns))]
    table.columns.name = None
    return table.reset_index()
