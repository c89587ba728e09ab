"""Cosine distances of each caption to the start prompt and to the text before it, measured with
the tournament's one embedder, which embedded the captions too (offline, or an endpoint's
embeddings API, cached)."""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import openai
import pandas as pd

from image_telephone.game.settings import PROVIDERS
from image_telephone.providers.offline import embed
from image_telephone.providers.openai_client import provider_error
from image_telephone.providers.registry import provider as registered_provider
from image_telephone.store.storage import Store

from .config import Endpoint, Tournament
from .results import EMBEDDING
from .transport import ClientPool

logger = logging.getLogger(__name__)

CACHE_KEY = "prompt_embeddings.json"


class PromptEmbeddings:
    """Start prompts' vectors: one embeddings call per new prompt, kept in the results store."""

    def __init__(self, store: Store, clients: ClientPool):
        self.store = store
        self.clients = clients
        self.cache: dict[str, list[float]] = (
            json.loads(store.read_bytes(CACHE_KEY)) if store.exists(CACHE_KEY) else {}
        )

    def vectors(self, endpoint: Endpoint, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        """The vector of each text, from the cache or one call for all the missing ones."""
        keys = {text: self._key(endpoint, model, text) for text in texts}
        missing = [text for text in texts if keys[text] not in self.cache]
        if missing:
            for text, vector in zip(missing, self._embed(endpoint, model, missing), strict=True):
                self.cache[keys[text]] = vector
            data = json.dumps(self.cache).encode("utf-8")
            self.store.write_bytes(CACHE_KEY, data, "application/json")
        return {text: np.asarray(self.cache[keys[text]]) for text in texts}

    def _embed(self, endpoint: Endpoint, model: str, texts: list[str]) -> list[list[float]]:
        if endpoint.provider not in PROVIDERS:  # a registered provider: its own client
            provider_client = registered_provider(endpoint.provider).connect(endpoint.base_url)
            return [list(provider_client.embed(text, model).vector) for text in texts]
        client = self.clients.client(endpoint)
        if client is None:
            return [embed(text) for text in texts]
        response = client.embeddings.create(input=texts, model=model)
        return [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]

    @staticmethod
    def _key(endpoint: Endpoint, model: str, text: str) -> str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return f"{endpoint.label}|{model}|{digest}"


def embedders(tournament: Tournament) -> list[tuple[Endpoint, str]]:
    """The endpoint and model that embed the start prompts: the tournament's embedder."""
    return [(tournament.embedder.endpoint, tournament.embedder.model)]


def prefetch_vectors(
    embeddings: PromptEmbeddings, wanted: list[tuple[Endpoint, str]], prompts: list[str]
) -> None:
    """Fetches the prompts' vectors for each (endpoint, model) into the cache; a failure is left
    to add_distances, which asks again for whatever is missing and reports it."""
    for endpoint, model in wanted:
        try:
            embeddings.vectors(endpoint, model, prompts)
        except Exception as error:
            logger.info("prompt embeddings from %s not prefetched: %s", endpoint.label, error)


def cosine_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 − cosine similarity of each row of a with the same row of b."""
    dots = np.einsum("ij,ij->i", a, b)
    return 1.0 - dots / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def add_distances(
    turns: pd.DataFrame, embeddings: PromptEmbeddings, endpoints: dict[str, Endpoint]
) -> tuple[pd.DataFrame, list[str]]:
    """The table with distance_to_start and distance_to_previous (turn 0: to the prompt), in
    place of the embeddings; rows stay in order (each game's turns are consecutive). Where the
    start prompts could not be embedded (after the retries) the distances to them stay NaN and
    the one-line reason is in the list returned with the table."""
    to_start = np.full(len(turns), np.nan)
    to_previous = np.full(len(turns), np.nan)
    problems: list[str] = []
    groups = turns.groupby(["embeddings_endpoint", "embeddings_model"], sort=False)
    for (label, model), group in groups:
        captions = np.vstack(group[EMBEDDING].to_numpy())
        try:
            starts = embeddings.vectors(endpoints[label], model, list(group["prompt"].unique()))
            start = np.vstack([starts[prompt] for prompt in group["prompt"]])
        except openai.APIError as error:
            problems.append(str(provider_error(error, "embed the start prompts", model)))
            start = np.full_like(captions, np.nan, dtype=float)
        games = group["run_name"].to_numpy()
        same_game = np.concatenate(([False], games[1:] == games[:-1]))
        previous = start.copy()
        previous[same_game] = captions[np.flatnonzero(same_game) - 1]
        rows = turns.index.get_indexer(group.index)
        to_start[rows] = cosine_distances(captions, start)
        to_previous[rows] = cosine_distances(captions, previous)
    position = turns.columns.get_loc("caption") + 1
    turns = turns.drop(columns=EMBEDDING)
    turns.insert(position, "distance_to_previous", to_previous)
    turns.insert(position, "distance_to_start", to_start)
    return turns, problems
