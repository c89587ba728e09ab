"""The turn table's distances, measured by the tournament's judge (analysis.judges) with the same
functions a run's report uses (analysis.measures): the players' stored embeddings and their
embedder's vectors of the start prompts (cached here), or a judge's own vectors (cached in its
judge cache)."""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import openai
import pandas as pd

from image_telephone.analysis import measures
from image_telephone.analysis.image_change import png_perceptual_hash
from image_telephone.analysis.judges import Judge, JudgeCache, PlayersJudge
from image_telephone.errors import ProviderError
from image_telephone.game.settings import PROVIDERS
from image_telephone.providers.offline import embed
from image_telephone.providers.openai_client import provider_error
from image_telephone.providers.registry import provider as registered_provider
from image_telephone.store.storage import Store

from .config import Endpoint, Tournament
from .results import EMBEDDING, IMAGE_KEY, IMAGE_SHA256
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
    to measure_turns, which asks again for whatever is missing and reports it."""
    for endpoint, model in wanted:
        try:
            embeddings.vectors(endpoint, model, prompts)
        except Exception as error:
            logger.info("prompt embeddings from %s not prefetched: %s", endpoint.label, error)


def measure_turns(
    turns: pd.DataFrame,
    judge: Judge,
    cache: JudgeCache,
    root: Store,
    embeddings: PromptEmbeddings,
    endpoints: dict[str, Endpoint],
) -> tuple[pd.DataFrame, list[str]]:
    """The table with the judge's distances (analysis.measures, as a run's report has them) in
    place of the working columns; rows stay in order (each game's turns are consecutive).
    Where the judge (or the players' embedder, for the start prompts) failed after its retries
    the distances stay NaN and the one-line reason is in the list returned with the table."""
    first = measures.chain_firsts(turns["run_name"].to_numpy())
    problems: list[str] = []
    if isinstance(judge, PlayersJudge):
        captions, starts = _players_vectors(turns, embeddings, endpoints, problems)
    else:
        captions, starts = _judged_vectors(turns, cache, problems)
    columns = {
        "distance_to_start": measures.distance_to_start(captions, starts),
        "distance_to_previous": measures.distance_to_previous(captions, starts, first),
    }
    columns.update(_image_columns(turns, judge, cache, root, captions, first, problems))
    position = turns.columns.get_loc("caption") + 1
    turns = turns.drop(columns=[EMBEDDING, IMAGE_KEY, IMAGE_SHA256])
    for offset, (name, values) in enumerate(columns.items()):
        turns.insert(position + offset, name, values)
    return turns, problems


def _players_vectors(
    turns: pd.DataFrame,
    embeddings: PromptEmbeddings,
    endpoints: dict[str, Endpoint],
    problems: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """The captions' stored embeddings, and each row's start prompt by the same embedder."""
    if not len(turns):
        return np.zeros((0, 1)), np.zeros((0, 1))
    captions = np.vstack(turns[EMBEDDING].to_numpy()).astype(float)
    starts = np.full_like(captions, np.nan)
    groups = turns.groupby(["embeddings_endpoint", "embeddings_model"], sort=False)
    for (label, model), group in groups:
        rows = turns.index.get_indexer(group.index)
        try:
            vectors = embeddings.vectors(endpoints[label], model, list(group["prompt"].unique()))
            starts[rows] = np.vstack([vectors[prompt] for prompt in group["prompt"]])
        except openai.APIError as error:
            problems.append(str(provider_error(error, "embed the start prompts", model)))
    return captions, starts


def _judged_vectors(
    turns: pd.DataFrame, cache: JudgeCache, problems: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The judge's vectors of each row's caption and start prompt (cached)."""
    texts = list(turns["caption"]) + list(turns["prompt"])
    try:
        vectors = cache.text_vectors(texts).astype(float)
    except ProviderError as error:
        problems.append(str(error))
        return np.full((len(turns), 1), np.nan), np.full((len(turns), 1), np.nan)
    if not len(turns):
        return np.zeros((0, 1)), np.zeros((0, 1))
    return vectors[: len(turns)], vectors[len(turns) :]


def _image_columns(
    turns: pd.DataFrame,
    judge: Judge,
    cache: JudgeCache,
    root: Store,
    captions: np.ndarray,
    first: np.ndarray,
    problems: list[str],
) -> dict[str, np.ndarray]:
    """pHash change always; with a multimodal judge the image distances too (NaN otherwise)."""
    shas = turns[IMAGE_SHA256].tolist()
    where = dict(zip(shas, zip(turns["run_name"], turns[IMAGE_KEY], strict=True), strict=True))

    def read(sha: str) -> bytes:
        run_name, key = where[sha]
        return root.child(run_name).read_bytes(key)

    known = [sha for sha in dict.fromkeys(shas) if sha]
    hashes = dict(
        zip(
            known,
            cache.perceptual_hashes(known, lambda sha: png_perceptual_hash(read(sha))),
            strict=True,
        )
    )
    columns = {
        "image_distance_to_start": np.full(len(turns), np.nan),
        "image_distance_to_previous": np.full(len(turns), np.nan),
        "caption_image_distance": np.full(len(turns), np.nan),
        "phash_distance_to_previous": measures.hash_distance_to_previous(
            [hashes.get(sha) for sha in shas], first
        ),
    }
    if not judge.multimodal or not known:
        return columns
    try:
        measured = dict(zip(known, cache.image_vectors(known, read), strict=True))
    except ProviderError as error:
        problems.append(str(error))
        return columns
    width = len(next(iter(measured.values())))
    images = np.vstack([measured.get(sha, np.full(width, np.nan)) for sha in shas]).astype(float)
    nothing = np.full_like(images, np.nan)
    columns["image_distance_to_start"] = measures.distance_to_start(
        images, measures.chain_starts(images, first)
    )
    columns["image_distance_to_previous"] = measures.distance_to_previous(images, nothing, first)
    if captions.shape == images.shape:
        columns["caption_image_distance"] = measures.cosine_distances(captions, images)
    return columns
