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
from image_telephone.errors import InputError
from image_telephone.store.storage import Store, open_store

from .defaults import DEFAULT_CONVERGENCE_THRESHOLD, DEFAULT_CONVERGENCE_TURNS
from .image_change import png_perceptual_hash
from .judges import Judge, JudgeCache, PlayersJudge, judge_from_spec
from .reference import START_PROMPT, Reference, start_reference
from .run_data import Run, load_run

METRICS_CSV, METRICS_PARQUET, METRICS_JSON = "metrics.csv", "metrics.parquet", "metrics.json"


@dataclasses.dataclass(frozen=True)
class Metrics:
    """Per-turn metrics (one row per turn), the per-game numbers, what "the start" was, and the
    judge's caption vectors (a row per turn, NaN where unmeasured)."""

    turns: pd.DataFrame
    game: dict[str, Any]
    reference: Reference
    vectors: np.ndarray = dataclasses.field(repr=False, default_factory=lambda: np.zeros((0, 1)))


def source_store(source: Any) -> Store:
    """The store of a GameResult (anything with .store), a Store, or a run folder location."""
    if isinstance(source, (str, os.PathLike)):
        return open_store(source)
    return getattr(source, "store", source)


def compute_metrics(
    run: Run,
    *,
    judge: str | Judge | None = None,
    cache: Store | None = None,
    convergence_threshold: float = DEFAULT_CONVERGENCE_THRESHOLD,
    convergence_turns: int = DEFAULT_CONVERGENCE_TURNS,
    start_embedding: list[float] | None = None,
) -> Metrics:
    """Runs the drift dataflow over a loaded run (no game is replayed).

    judge: a spec ('minilm', 'clip:…', see analysis.judges) or a Judge; None or 'players' uses
    the embeddings the run stored. cache: where the judge's vectors are kept (None: nowhere).
    """
    judge = judge_from_spec(judge) if isinstance(judge, str) else judge or PlayersJudge()
    if isinstance(judge, PlayersJudge):
        judge.model, judge.endpoint = run.embeddings_model or "", _embedder_endpoint(run)
    judged = JudgeCache(judge, cache)
    if isinstance(judge, PlayersJudge):
        vectors, reference, prompt = _stored_vectors(run, start_embedding)
    else:
        if start_embedding is not None:
            raise InputError("start_embedding: only for the players' embedder; a judge embeds it")
        vectors, reference, prompt = _judged_vectors(run, judged)
    image_vectors = _image_vectors(run, judged, vectors.shape[1])
    hashes = _perceptual_hashes(run, judged)
    dataflow = driver.Builder().with_modules(drift).build()
    out = dataflow.execute(
        ["turn_metrics", "game_metrics"],
        inputs={
            "run_name": run.name,
            "captions": [turn.caption for turn in run.turns],
            "turn_problems": ["; ".join(turn.problems) for turn in run.turns],
            "caption_vectors": vectors,
            "reference_vector": np.asarray(reference.vector or [np.nan], dtype=float),
            "prompt_vector": prompt,
            "image_vectors": image_vectors,
            "perceptual_hashes": hashes,
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
        "judge": judge.record(),
        "judge_description": judge.describe(),
        "judge_model_calls": judged.model_calls,
        "convergence_threshold": convergence_threshold,
        "convergence_turns": convergence_turns,
        "half_life_similarity": drift.HALF_LIFE_SIMILARITY,
    }
    return Metrics(out["turn_metrics"], game, reference, vectors)


def _embedder_endpoint(run: Run) -> str | None:
    return ((run.manifest.get("roles") or {}).get("embedder") or {}).get("endpoint")


def _stored_vectors(
    run: Run, start_embedding: list[float] | None
) -> tuple[np.ndarray, Reference, np.ndarray]:
    """The players' stored caption embeddings, the start and the prompt's vector (or NaN)."""
    reference = start_reference(run, start_embedding)
    dimensions = len(reference.vector) if reference.vector else 1
    vectors = np.full((len(run.turns), dimensions), np.nan)
    for turn in run.turns:
        if turn.embedding is not None:
            vectors[turn.turn] = turn.embedding
    prompt = reference.vector if reference.label == START_PROMPT else None
    return vectors, reference, np.asarray(prompt or [np.nan] * dimensions, dtype=float)


def _judged_vectors(run: Run, judged: JudgeCache) -> tuple[np.ndarray, Reference, np.ndarray]:
    """The judge's vectors of the captions, the start and the start prompt (or NaN)."""
    start = run.manifest.get("start") or {}
    prompt = str(start["value"]) if start.get("kind") == "text" else None
    texts = [turn.caption for turn in run.turns if turn.caption]
    measured = judged.text_vectors(texts + ([prompt] if prompt else []))
    dimensions = measured.shape[1] if measured.size else 1
    vectors = np.full((len(run.turns), dimensions), np.nan)
    rows = [turn.turn for turn in run.turns if turn.caption]
    vectors[rows] = measured[: len(rows)]
    if prompt:
        return vectors, Reference(measured[-1].tolist(), START_PROMPT), measured[-1].astype(float)
    nothing = np.full(dimensions, np.nan)
    if not rows:
        return vectors, Reference(None, "nothing", "no turn has a caption"), nothing
    return vectors, Reference(vectors[rows[0]].tolist(), f"caption {rows[0]}"), nothing


def _image_vectors(run: Run, judged: JudgeCache, dimensions: int) -> np.ndarray:
    """A multimodal judge's vector of each image (NaN rows where missing), else all NaN."""
    if not judged.judge.multimodal:
        return np.full((len(run.turns), 1), np.nan)
    keys = {turn.image_sha256: turn.image_key for turn in run.turns if turn.image_sha256}
    measured = judged.image_vectors(list(keys), lambda sha: run.store.read_bytes(keys[sha]))
    by_sha = dict(zip(keys, measured, strict=True))
    vectors = np.full((len(run.turns), measured.shape[1] if len(keys) else dimensions), np.nan)
    for turn in run.turns:
        if turn.image_sha256:
            vectors[turn.turn] = by_sha[turn.image_sha256]
    return vectors


def _perceptual_hashes(run: Run, judged: JudgeCache) -> list[int | None]:
    """Each readable image's pHash, from the full image (cached by its SHA-256)."""
    keys = {turn.image_sha256: turn.image_key for turn in run.turns if turn.image_sha256}
    hashes = judged.perceptual_hashes(
        list(keys), lambda sha: png_perceptual_hash(run.store.read_bytes(keys[sha]))
    )
    by_sha = dict(zip(keys, hashes, strict=True))
    return [by_sha.get(turn.image_sha256) for turn in run.turns]


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
