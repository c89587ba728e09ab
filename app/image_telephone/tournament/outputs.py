"""Writes a tournament's results next to its games: tables, plots and the summary page."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd

from image_telephone.store.storage import Store
from image_telephone.tournament import plots

from .leaderboard import level_table
from .study_report import study_files
from .summary import summary_html
from .video_grid import write_video_grid

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
    read_image: Callable[[str], bytes] | None = None,
) -> list[str]:
    """Writes everything under store (with read_image, a turn's image by its URI, also the
    video grid and the study's example images); returns the URIs, the summary page last."""
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
    video = write_video_grid(store, turns, read_image) if read_image and len(turns) else []
    files.update(study_files(name, turns, read_image, video))
    page = summary_html(
        name,
        location,
        games,
        totals,
        snapshot["endpoints"],
        pairs,
        level_table(levels) if len(levels) else levels,
        pictures,
        [*list(files), *video],
        reports,
        snapshot["stop_reason"],
    )
    files[SUMMARY] = (page.encode("utf-8"), "text/html")
    written = [store.uri(key) for key in video]
    return written + [store.write_bytes(key, data, kind) for key, (data, kind) in files.items()]
