"""The tidy table of a tournament: one row per game turn, read from the games' run folders."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pandas as pd

from image_telephone.store.manifest import read_manifest
from image_telephone.store.storage import Store

from .cost import PriceTable, embedding_usage, tokens_in, tokens_out
from .games import GameOutcome, GameSpec

# Working columns, dropped once the distances are measured.
EMBEDDING, IMAGE_KEY, IMAGE_SHA256 = "caption_embedding", "image_key", "image_sha256"
TURN_COLUMNS = [
    "tournament",
    "run_name",
    "captioner",
    "painter",
    "caption_endpoint",
    "image_endpoint",
    "embeddings_endpoint",
    "prompt_id",
    "level",
    "prompt",
    "seed",
    "turn",
    "caption",
    "caption_model",
    "image_model",
    "embeddings_model",
    "caption_tokens_in",
    "caption_tokens_out",
    "image_tokens_in",
    "image_tokens_out",
    "embedding_tokens",
    "cost_usd",
    "caption_latency_s",
    "image_latency_s",
    "image",
    "created_at",
    EMBEDDING,
    IMAGE_KEY,
    IMAGE_SHA256,
]
_S3_READERS = 8  # parallel reads help on S3; a local folder reads faster in one thread


def collect_turns(
    root: Store, specs: list[GameSpec], tournament: str, turns: int, prices: PriceTable
) -> pd.DataFrame:
    """Rows for the first `turns` turns each game has stored, in plan order."""
    with ThreadPoolExecutor(_S3_READERS if root.remote else 1) as pool:
        games = pool.map(
            lambda spec: _game_rows(root.child(spec.run_name), spec, tournament, turns, prices),
            specs,
        )
        rows = [row for game in games for row in game]
    return pd.DataFrame(rows, columns=TURN_COLUMNS)


def _game_rows(
    store: Store, spec: GameSpec, tournament: str, turns: int, prices: PriceTable
) -> list[dict[str, Any]]:
    manifest = read_manifest(store)
    if manifest is None:
        return []
    rows = []
    for entry in manifest["turns"][:turns]:
        if entry["metadata"] is None:
            continue
        metadata = orjson.loads(store.read_bytes(entry["metadata"]))
        origin = metadata["image_origin"]
        embedding = embedding_usage(metadata["generated_caption"])
        costs = (
            prices.cost("caption", metadata["caption_model"], metadata["usage"]),
            prices.cost("image", origin["image_model"], origin["usage"]),
            prices.cost("embedding", metadata["embeddings_model"], embedding),
        )
        rows.append(
            {
                "tournament": tournament,
                "run_name": spec.run_name,
                "captioner": spec.captioner,
                "painter": spec.painter,
                "caption_endpoint": spec.endpoints["captioner"].label,
                "image_endpoint": spec.endpoints["painter"].label,
                "embeddings_endpoint": spec.endpoints["embedder"].label,
                "prompt_id": spec.prompt.id,
                "level": spec.prompt.level,
                "prompt": spec.prompt.text,
                "seed": spec.seed,
                "turn": entry["turn"],
                "caption": metadata["generated_caption"],
                "caption_model": metadata["caption_model"],
                "image_model": origin["image_model"],
                "embeddings_model": metadata["embeddings_model"],
                "caption_tokens_in": tokens_in(metadata["usage"]),
                "caption_tokens_out": tokens_out(metadata["usage"]),
                "image_tokens_in": tokens_in(origin["usage"]),
                "image_tokens_out": tokens_out(origin["usage"]),
                "embedding_tokens": embedding["prompt_tokens"],
                "cost_usd": sum(costs),
                "caption_latency_s": metadata["latency_s"],
                "image_latency_s": origin["latency_s"],
                "image": store.uri(entry["image"]),
                "created_at": metadata["created_at"],
                EMBEDDING: metadata["caption_embeddings"],
                IMAGE_KEY: entry["image"],
                IMAGE_SHA256: entry.get("image_sha256"),
            }
        )
    return rows


def games_frame(specs: list[GameSpec], outcomes: list[GameOutcome]) -> pd.DataFrame:
    """One row per game: who played what, and how it ended in this run."""
    by_name = {outcome.run_name: outcome for outcome in outcomes}
    return pd.DataFrame(
        [
            {
                "run_name": spec.run_name,
                "captioner": spec.captioner,
                "painter": spec.painter,
                "prompt_id": spec.prompt.id,
                "level": spec.prompt.level,
                "seed": spec.seed,
                "status": by_name[spec.run_name].status,
                "turns_done": by_name[spec.run_name].turns_done,
                "reason": by_name[spec.run_name].reason or "",
            }
            for spec in specs
        ]
    )


def totals(turns: pd.DataFrame, prices: PriceTable) -> dict[str, Any]:
    """Calls, tokens, images and estimated cost over the whole table."""
    models = set(turns["caption_model"]) | set(turns["image_model"])
    models |= set(turns["embeddings_model"])
    return {
        "turns": len(turns),
        "model_calls": 3 * len(turns),  # caption, embedding and painting per turn
        "images": len(turns),
        "caption_tokens": int(turns["caption_tokens_in"].sum() + turns["caption_tokens_out"].sum()),
        "image_tokens": int(turns["image_tokens_in"].sum() + turns["image_tokens_out"].sum()),
        "embedding_tokens_estimated": int(turns["embedding_tokens"].sum()),
        "cost_usd": float(turns["cost_usd"].sum()),
        "unpriced_models": prices.unpriced(models),
    }
