"""A judge's vectors kept next to the results, keyed by the judge's record and the content's
hash: judging again with the same judge computes nothing new."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from image_telephone.store.storage import Store

from .base import Judge

CACHE_FOLDER = "judge_cache"
HASH_THREADS = 4


def text_key(text: str) -> str:
    """A text's content hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def judge_digest(record: dict) -> str:
    """A short hash of a judge's record: its cache's name."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


class VectorCache:
    """One kind of vectors ('text', 'image' or 'phash') of one judge in a store, loaded once."""

    def __init__(self, store: Store | None, name: str, kind: str):
        self.store, self.key = store, f"{CACHE_FOLDER}/{name}/{kind}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if store is not None and store.exists(self.key):
            with np.load(io.BytesIO(store.read_bytes(self.key))) as saved:
                self.vectors = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))

    def rows(self, keys: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """The vector of each key, computing the missing ones (each once) in one call."""
        missing = list(dict.fromkeys(key for key in keys if key not in self.vectors))
        if missing:
            self.vectors.update(zip(missing, np.asarray(compute(missing)), strict=True))
            self._save()
        return np.stack([self.vectors[key] for key in keys]) if keys else np.zeros((0, 0))

    def _save(self) -> None:
        if self.store is None:
            return
        buffer = io.BytesIO()
        keys = np.array(list(self.vectors), dtype="U64")
        np.savez(buffer, keys=keys, vectors=np.stack(list(self.vectors.values())))
        self.store.write_bytes(self.key, buffer.getvalue(), "application/octet-stream")


class JudgeCache:
    """A judge's text and image vectors (and the judge-free perceptual hashes) in a store."""

    def __init__(self, judge: Judge, store: Store | None):
        self.judge, self.store = judge, store
        name = f"{judge.kind}-{judge_digest(judge.record())}"
        self.texts = VectorCache(store, name, "text")
        self.images = VectorCache(store, name, "image")
        self.hashes = VectorCache(store, "phash", "phash")
        self.model_calls = 0  # batches the judge was asked for: 0 when everything was cached
        self._record_key = f"{CACHE_FOLDER}/{name}/judge.json"

    def _called(self) -> None:
        """Counts a model call; the first one leaves the judge's record beside its vectors."""
        self.model_calls += 1
        if self.store is not None and self.model_calls == 1:
            record = json.dumps(self.judge.record(), indent=2).encode("utf-8")
            self.store.write_bytes(self._record_key, record, "application/json")

    def text_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The judge's vector of each text."""
        by_key = {text_key(text): text for text in texts}
        return self.texts.rows([text_key(t) for t in texts], lambda keys: self._texts(keys, by_key))

    def _texts(self, keys: list[str], by_key: dict[str, str]) -> np.ndarray:
        self._called()
        return self.judge.text_vectors([by_key[key] for key in keys])

    def image_vectors(self, hashes: Sequence[str], read: Callable[[str], bytes]) -> np.ndarray:
        """The judge's vector of each image, given by its SHA-256; read(sha) gives its bytes."""

        def compute(keys: list[str]) -> np.ndarray:
            self._called()
            return self.judge.image_vectors([read(key) for key in keys])

        return self.images.rows(list(hashes), compute)

    def perceptual_hashes(
        self, hashes: Sequence[str], hash_image: Callable[[str], int]
    ) -> list[int]:
        """Each image's 64-bit pHash, given by its SHA-256 (shared by every judge)."""

        def compute(keys: list[str]) -> np.ndarray:
            with ThreadPoolExecutor(HASH_THREADS) as pool:  # decoding and resizing free the GIL
                return np.array(list(pool.map(hash_image, keys)), dtype=np.uint64)

        return [int(value) for value in self.hashes.rows(list(hashes), compute)]
