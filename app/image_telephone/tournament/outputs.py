"""Writes a tournament's results next to its games: tables, plots and the summary page."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from image_telephone.store.storage import Store
from image_telephone.tournament import plots

from .leaderboard import level_table
from .summary import summary_html

TURNS, GAMES = "turns", "games.csv"
PAIRS, LEVELS = "leaderboard_pairs.csv", "leaderboard_levels.csv"
SUMMARY = "summary.html"


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _parquet(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_parquet(out, index=False)
    return out.getvalue()


def write_outputs(
    store: Store,
    *,
    name: str,
    location: str,
    games: pd.DataFrame,
    turns: pd.DataFrame,
    pairs: pd.DataFrame,
    levels: pd.DataFrame,
    totals: dict[str, Any],
    snapshot: dict[str, Any],
    reports: set[str],
) -> list[str]:
    """Writes everything under store; returns the URIs, the summary page last."""
    files: dict[str, tuple[bytes, str]] = {
        f"{TURNS}.parquet": (_parquet(turns), "application/vnd.apache.parquet"),
        f"{TURNS}.csv": (_csv(turns), "text/csv"),
        GAMES: (_csv(games), "text/csv"),
        PAIRS: (_csv(pairs), "text/csv"),
        LEVELS: (_csv(levels), "text/csv"),
    }
    pictures = []
    if len(turns) and turns["distance_to_start"].notna().any():  # something to draw
        for key, figure in (
            (plots.DISTANCE_BY_TURN_PNG, plots.distance_by_turn(turns)),
            (plots.PAIR_GRID_PNG, plots.pair_grid(turns)),
        ):
            files[key] = (plots.png(figure), "image/png")
            pictures.append(key)
    page = summary_html(
        name,
        location,
        games,
        totals,
        snapshot["endpoints"],
        pairs,
        level_table(levels) if len(levels) else levels,
        pictures,
        list(files),
        reports,
        snapshot["stop_reason"],
    )
    files[SUMMARY] = (page.encode("utf-8"), "text/html")
    return [store.write_bytes(key, data, kind) for key, (data, kind) in files.items()]
