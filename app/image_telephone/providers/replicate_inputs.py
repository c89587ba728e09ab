"""What a Replicate model is sent: each model names its inputs its own way, so a model's inputs
are a template — input name → a value or a `{placeholder}` for one of the game's values —
from the defaults below (per known model, else the usual names), then the role's option items
(`--caption-input` / `--image-input NAME=VALUE`) on top."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from image_telephone.errors import InputError

# The game's values a template may name: a caption's and a painting's.
CAPTION_VALUES = ("image", "prompt", "max_tokens", "temperature", "seed")
PAINT_VALUES = ("prompt", "seed", "width", "height", "size", "init_image")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"^\{([a-z_]+)\}$")

DEFAULT_CAPTION = {
    "image": "{image}",
    "prompt": "{prompt}",
    "max_tokens": "{max_tokens}",
    "temperature": "{temperature}",
    "seed": "{seed}",
}
DEFAULT_PAINT = {
    "prompt": "{prompt}",
    "seed": "{seed}",
    "width": "{width}",
    "height": "{height}",
    "image": "{init_image}",
}
# The study's models, as their Replicate pages name their inputs (by owner/name).
KNOWN_INPUTS: dict[str, dict[str, Any]] = {
    "salesforce/blip": {"image": "{image}", "task": "image_captioning"},
    "andreasjansson/blip-2": {"image": "{image}", "caption": True},
    "salesforce/blip-2": {"image": "{image}", "caption": True},
    "joehoover/mplug-owl": {
        "img": "{image}",
        "prompt": "{prompt}",
        "max_length": "{max_tokens}",
        "temperature": "{temperature}",
    },
    "daanelson/minigpt-4": {
        "image": "{image}",
        "prompt": "{prompt}",
        "max_new_tokens": "{max_tokens}",
        "temperature": "{temperature}",
    },
    "mehdidc/feed_forward_vqgan_clip": {"prompt": "{prompt}", "seed": "{seed}"},
}


def parse_items(items: Iterable[str], allowed: tuple[str, ...], option: str) -> dict[str, Any]:
    """{'steps': 30, 'prompts': '{prompt}', 'width': None} from 'steps=30', 'prompts={prompt}'
    and 'width=' (None: do not send it); a value is JSON when it parses as JSON, else text."""
    parsed: dict[str, Any] = {}
    for item in items:
        name, equals, text = str(item).partition("=")
        if not equals or not _NAME.match(name.strip()):
            raise InputError(
                f"{option} {item!r}: expected NAME=VALUE, e.g. num_inference_steps=30, "
                "prompts={prompt}, or NAME= to send no NAME"
            )
        placeholder = _PLACEHOLDER.match(text.strip())
        if placeholder and placeholder.group(1) not in allowed:
            raise InputError(
                f"{option} {item!r}: unknown {{{placeholder.group(1)}}}; use one of "
                + ", ".join(f"{{{value}}}" for value in allowed)
            )
        parsed[name.strip()] = _value(text.strip()) if text.strip() else None
    return parsed


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def check_caption_items(items: Iterable[str]) -> None:
    """Validates --caption-input items (an InputError naming the bad one)."""
    parse_items(items, CAPTION_VALUES, "--caption-input")


def check_image_items(items: Iterable[str]) -> None:
    """Validates --image-input items (an InputError naming the bad one)."""
    parse_items(items, PAINT_VALUES, "--image-input")


def model_inputs(
    template: Mapping[str, Any], overrides: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """The inputs to send: the template with the overrides on top, each placeholder replaced by
    the game's value; inputs whose value is None (unset, or dropped with NAME=) left out."""
    inputs = {}
    for name, value in {**template, **overrides}.items():
        placeholder = _PLACEHOLDER.match(value) if isinstance(value, str) else None
        resolved = values.get(placeholder.group(1)) if placeholder else value
        if resolved is not None:
            inputs[name] = resolved
    return inputs


def template_for(model: str, role: str) -> dict[str, Any]:
    """The model's known inputs (by owner/name), else the role's usual ones."""
    name = model.partition(":")[0].lower()
    default = DEFAULT_CAPTION if role == "captioner" else DEFAULT_PAINT
    return dict(KNOWN_INPUTS.get(name, default))
