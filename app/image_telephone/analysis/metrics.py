"""Drift metrics of a saved run: the tidy per-turn table and the per-game numbers."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from typing import Any

import numpy as np
import pandas as pd
from hamilton import driver

from image_telephone.analysis import drift
from image_telephone.store.storage import Store, open_store

from .defaults import DEFAULT_CONVERGENCE_THRESHOLD, DEFAULT_CONVERGENCE_TURNS
from .reference import Reference, start_reference
from .run_data import Run, load_run

METRICS_CSV, METRICS_PARQUET, METRICS_JSON = "metrics.csv", "metrics.parquet", "metrics.json"


@dataclasses.dataclass(frozen=True)
class Metrics:
    """Per-turn metrics (one row per turn), the per-game numbers, and what "the start" was."""

    turns: pd.DataFrame
    game: dict[str, Any]
    reference: Reference


def source_store(source: Any) -> Store:
    """The store of a GameResult (anything with .store), a Store, or a run folder location."""
    if isinstance(source, (str, os.PathLike)):
        return open_store(source)
    return getattr(source, "store", source)


def compute_metrics(
    run: Run,
    *,
    convergence_threshold: float = DEFAULT_CONVERGENCE_THRESHOLD,
    convergence_turns: int = DEFAULT_CONVERGENCE_TURNS,
    start_embedding: list[float] | None = None,
) -> Metrics:
    """Runs the drift dataflow over a loaded run, from stored embeddings (no provider calls)."""
    reference = start_reference(run, start_embedding)
    dimensions = len(reference.vector) if reference.vector else 1
    vectors = np.full((len(run.turns), dimensions), np.nan)
    for turn in run.turns:
        if turn.embedding is not None:
            vectors[turn.turn] = turn.embedding
    dataflow = driver.Builder().with_modules(drift).build()
    out = dataflow.execute(
        ["turn_metrics", "game_metrics"],
        inputs={
            "run_name": run.name,
            "captions": [turn.caption for turn in run.turns],
            "turn_problems": ["; ".join(turn.problems) for turn in run.turns],
            "caption_vectors": vectors,
            "reference_vector": np.asarray(reference.vector or [np.nan], dtype=float),
            "images": [turn.image for turn in run.turns],
            "convergence_threshold": convergence_threshold,
            "convergence_turns": convergence_turns,
        },
    )
    game = {
        "run_name": run.name,
        **out["game_metrics"],
        "reference": reference.label,
        "reference_note": reference.note,
        "embeddings_model": run.embeddings_model,
        "convergence_threshold": convergence_threshold,
        "convergence_turns": convergence_turns,
        "half_life_similarity": drift.HALF_LIFE_SIMILARITY,
    }
    return Metrics(out["turn_metrics"], game, reference)


def metrics_frame(source: Any, **options: Any) -> pd.DataFrame:
    """The per-turn metrics of a GameResult, Store or run folder as a DataFrame."""
    return compute_metrics(load_run(source_store(source)), **options).turns


def write_metrics(store: Store, metrics: Metrics) -> list[str]:
    """Writes metrics.csv, metrics.parquet and metrics.json; returns their keys."""
    store.write_bytes(METRICS_CSV, metrics.turns.to_csv(index=False).encode("utf-8"), "text/csv")
    buffer = io.BytesIO()
    metrics.turns.to_parquet(buffer, index=False)
    store.write_bytes(METRICS_PARQUET, buffer.getvalue(), "application/vnd.apache.parquet")
    text = json.dumps(metrics.game, indent=2, ensure_ascii=False)
    store.write_bytes(METRICS_JSON, text.encode("utf-8"), "application/json")
    return [METRICS_CSV, METRICS_PARQUET, METRICS_JSON]
