"""What "the start" of a chain is for distances: the start prompt's embedding, else caption 0's."""

from __future__ import annotations

import dataclasses

from image_telephone.errors import InputError
from image_telephone.providers.offline import EMBED_MODEL, embed

from .run_data import Run

START_PROMPT = "the start prompt"


@dataclasses.dataclass(frozen=True)
class Reference:
    """The vector distances to the start are measured from, and what it is."""

    vector: list[float] | None
    label: str
    note: str | None = None


def start_reference(run: Run, start_embedding: list[float] | None = None) -> Reference:
    """The start's embedding: given, the offline embedder's for a text start, else caption 0's.

    Never calls a provider: an OpenAI run's start prompt has no stored embedding, so its
    distances are measured from the first caption unless ``start_embedding`` is passed.
    """
    start = run.manifest.get("start") or {}
    first = next(((turn.turn, turn.embedding) for turn in run.turns if turn.embedding), None)
    if start_embedding is not None and first is not None and len(start_embedding) != len(first[1]):
        raise InputError(
            f"start_embedding: has {len(start_embedding)} numbers but the captions' embeddings "
            f"have {len(first[1])}; embed the prompt with {run.embeddings_model}"
        )
    if start.get("kind") == "text" and start_embedding is not None:
        return Reference(list(start_embedding), START_PROMPT)
    if start.get("kind") == "text" and first is not None and run.embeddings_model == EMBED_MODEL:
        return Reference(embed(str(start["value"]), dimensions=len(first[1])), START_PROMPT)
    if first is None:
        return Reference(None, "nothing", "no caption has an embedding")
    label = f"caption {first[0]}"
    if start.get("kind") != "text":
        return Reference(first[1], label)
    return Reference(
        first[1],
        label,
        f"the start prompt's embedding would need a call to {run.embeddings_model}; "
        f"distances are to {label} (pass start_embedding= to measure from the prompt)",
    )
