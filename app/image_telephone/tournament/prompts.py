"""Prompt sets: the shipped default (graded easy → impossible) or a TOML file of your own."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from image_telephone.errors import InputError

from .fields import Table, read_package_toml, read_toml

DEFAULT_PROMPTS = "default"
LEVELS = ("easy", "medium", "hard", "impossible")
_PROMPT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclasses.dataclass(frozen=True)
class Prompt:
    """A start prompt with its id (part of run names) and difficulty level."""

    id: str
    level: str
    text: str


def load_prompts(spec: str, relative_to: Path) -> tuple[Prompt, ...]:
    """The default set, or the prompts of the TOML file spec (relative to relative_to)."""
    if spec == DEFAULT_PROMPTS:
        return parse_prompts(read_package_toml("prompts.toml"), "default prompt set")
    path = Path(spec).expanduser()
    path = path if path.is_absolute() else relative_to / path
    return parse_prompts(read_toml(path, "prompts: file"), f"prompt file {str(path)!r}")


def parse_prompts(document: dict, what: str) -> tuple[Prompt, ...]:
    """Prompts from a parsed [[prompts]] document, checked: unique ids, a level, some text."""
    prompts = []
    for table in Table(document, "").tables("prompts", required=True):
        table.only(("id", "level", "text"))
        prompt_id = table.text("id", required=True)
        if not _PROMPT_ID.match(prompt_id):
            raise table.fail("id", f"{prompt_id!r}: use letters, digits, '-' or '_' (≤ 32)")
        prompts.append(
            Prompt(prompt_id, table.text("level", required=True), table.text("text", required=True))
        )
    ids = [prompt.id for prompt in prompts]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"{what}: prompt ids must be unique; rename {', '.join(duplicates)}")
    return tuple(prompts)


def select_prompts(prompts: tuple[Prompt, ...], ids: list[str] | None) -> tuple[Prompt, ...]:
    """The prompts named by ids (in that order), or all of them."""
    if ids is None:
        return prompts
    by_id = {prompt.id: prompt for prompt in prompts}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise InputError(
            f"prompt_ids: {', '.join(map(repr, unknown))} not in the prompt set; "
            f"choose from {', '.join(by_id)}"
        )
    return tuple(by_id[i] for i in ids)


def level_order(levels: list[str] | set[str]) -> list[str]:
    """Levels easy → impossible first, then any others alphabetically."""
    return sorted(set(levels), key=_level_rank)


def _level_rank(level: str) -> tuple[int, str]:
    return (LEVELS.index(level), "") if level in LEVELS else (len(LEVELS), level)
