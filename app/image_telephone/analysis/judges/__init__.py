"""Judges: one ruler, chosen apart from the models that play, measures every game of a report or
tournament; swapping it re-measures finished games without replaying them.

Specs: ``minilm`` (the default when the judge extra is installed), ``players`` (the embeddings
the games stored, made by the players' own embedder), ``offline``,
``sentence-transformers:MODEL``, ``openai:MODEL[@BASE_URL]`` and ``clip:MODEL`` (CLIP or SigLIP:
images too).
"""

from __future__ import annotations

from image_telephone.errors import InputError
from image_telephone.extras import MissingExtraError, require_extra

from .base import Judge
from .cache import CACHE_FOLDER, JudgeCache

MINILM, PLAYERS, OFFLINE = "minilm", "players", "offline"
_KINDS = ("sentence-transformers", "openai", "clip")
SPECS_HELP = (
    "minilm, players, offline, sentence-transformers:MODEL, openai:MODEL[@BASE_URL] or clip:MODEL"
)

__all__ = [
    "CACHE_FOLDER",
    "MINILM",
    "OFFLINE",
    "PLAYERS",
    "SPECS_HELP",
    "Judge",
    "JudgeCache",
    "PlayersJudge",
    "check_spec",
    "default_spec",
    "judge_from_spec",
]


class PlayersJudge(Judge):
    """The players' own embedder: the caption embeddings the games stored (no model loads)."""

    kind = PLAYERS

    def __init__(self, model: str = "", endpoint: str | None = None):
        self.spec, self.model, self.endpoint = PLAYERS, model, endpoint

    def describe(self) -> str:
        """The players' embedder, by model and endpoint."""
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"the players' own embedder, {self.model or 'unknown'}{where}"


def default_spec() -> str:
    """minilm when the judge extra is installed, else the players' embedder."""
    try:
        require_extra("judge", "the default judge")
    except MissingExtraError:
        return PLAYERS
    return MINILM


def check_spec(spec: str) -> str:
    """The spec, stripped, if it names a judge; else a one-line InputError listing the specs."""
    spec = str(spec).strip()
    kind, colon, model = spec.partition(":")
    if spec in (MINILM, PLAYERS, OFFLINE) or (colon and kind in _KINDS and model.strip()):
        return spec
    if colon and kind in _KINDS:
        raise InputError(f"judge {spec!r}: names no model; write it after '{kind}:'")
    raise InputError(f"judge {spec!r}: unknown; use {SPECS_HELP}")


def judge_from_spec(spec: str) -> Judge:
    """The judge a spec names (models load at its first use); players has no model here."""
    spec = check_spec(spec)
    kind, _, model = spec.partition(":")
    if spec == MINILM:
        from .text import minilm_judge

        return minilm_judge(spec)
    if spec == PLAYERS:
        return PlayersJudge()
    if spec == OFFLINE:
        from .text import OfflineJudge

        return OfflineJudge(spec)
    if kind == "sentence-transformers":
        from .text import SentenceTransformerJudge

        return SentenceTransformerJudge(spec, model.strip())
    if kind == "openai":
        from .text import OpenAIJudge

        name, _, base_url = model.partition("@")
        return OpenAIJudge(spec, name.strip(), base_url.strip() or None)
    from .clip import ClipJudge

    return ClipJudge(spec, model.strip())
