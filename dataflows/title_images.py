"""Title an artwork: caption_images with a title prompt, K candidates and post-processing.

A Hamilton dataflow that extends caption_images rather than copying it: in the image-telephone
package, build one driver from both modules, this one last, with module overrides allowed (it
replaces ``core_prompt``); the hub's ``title_images`` is the two already merged into one module::

    driver.Builder().with_modules(caption_images, title_images).allow_module_overrides()

Inputs beyond caption_images': ``title_context`` (e.g. "crypto art, NFT"), ``genre_hint``,
``candidates`` (K, via caption_images' completion), ``max_title_words``, ``taken_titles``.
"""

import itertools
import re
from collections.abc import Iterator

from hamilton.function_modifiers import config

_PLACEHOLDER = re.compile(r"<\s*[A-Z][A-Z_ ]*\s*>")
_LEAD_IN = re.compile(r"^\s*(?:title|titled|artwork title)\s*[:\-–]\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»`*_"
_TRAILING = " .,;:!?-–—"


def core_prompt(title_context: str | None = None, genre_hint: str | None = None) -> str:
    """The title instruction (replaces caption_images' core prompt): creative, not descriptive."""
    prompt = (
        "Give this artwork a short, creative title of at most six words. The title should relate "
        "to what the picture shows without describing it literally."
    )
    if title_context:
        prompt += f" It is sold as {title_context}; let the title speak to that audience."
    if genre_hint:
        prompt += f" Tie it to the {genre_hint} genre."
    return prompt + " Answer with the title only."


@config.when(provider="openai")
def title_candidates__openai(caption_completion: dict) -> list[str]:
    """The model's K raw completions."""
    return caption_completion["texts"]


@config.when(provider="offline")
def title_candidates__offline(
    caption_completion: dict, title_context: str | None = None, seed: int | None = None
) -> list[str]:
    """The offline titler's title for each of the K describe captions."""
    from image_telephone.providers.offline import title_from_caption

    return [
        title_from_caption(text, title_context, seed=(seed or 0) + index)
        for index, text in enumerate(caption_completion["texts"])
    ]


def _clean_title(raw: str, max_words: int) -> str | None:
    """The title with quotes, lead-ins and trailing punctuation ironed out; None to drop it."""
    if _PLACEHOLDER.search(raw):
        return None
    line = next((part for part in raw.splitlines() if part.strip()), "")
    title = _LEAD_IN.sub("", line).strip().strip(_QUOTES).strip()
    title = title.rstrip(_TRAILING).strip(_QUOTES).strip()
    title = " ".join(title.split())
    if not title or len(title.split()) > max_words:
        return None
    return title


def clean_titles(title_candidates: list[str], max_title_words: int = 8) -> list[str]:
    """Candidates cleaned, without placeholder tags (<PERSON>…), empties, over-long or repeats."""
    cleaned: list[str] = []
    for raw in title_candidates:
        title = _clean_title(raw, max_title_words)
        if title is not None and title.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(title)
    return cleaned


_NUMERALS = ("II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _series(base: str) -> Iterator[str]:
    """base II, base III, … base X, then base 11, base 12, …"""
    yield from (f"{base} {numeral}" for numeral in _NUMERALS)
    yield from (f"{base} {n}" for n in itertools.count(len(_NUMERALS) + 2))


def title(clean_titles: list[str], taken_titles: list[str] | None = None) -> str | None:
    """The first clean title the collection has not used yet, else the first one numbered as a
    series ("… II"); None when no candidate survived cleaning."""
    taken = {t.lower() for t in taken_titles or ()}
    fresh = [t for t in clean_titles if t.lower() not in taken]
    if fresh or not clean_titles:
        return (fresh or [None])[0]
    return next(t for t in _series(clean_titles[0]) if t.lower() not in taken)


def title_record(
    title: str | None,
    clean_titles: list[str],
    caption_model: str,
    caption_completion: dict,
    caption_prompt: str,
) -> dict:
    """The title, its alternates, and how it was made (model, prompt, parameters, usage)."""
    return {
        "title": title,
        "alternates": [t for t in clean_titles if t != title],
        "model": caption_model,
        "prompt": caption_prompt,
        "parameters": caption_completion["parameters"],
        "usage": caption_completion["usage"],
        "latency_s": caption_completion["latency_s"],
    }
