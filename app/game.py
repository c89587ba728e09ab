"""The Burr application: ingest → caption → analyze → generate → caption … → terminal."""

from __future__ import annotations

from typing import Any

from burr.core import Action, Application, ApplicationBuilder, State, default, expr
from burr.core.action import action

from .artifacts import Artifact, image_key, metadata_key
from .channel import Channel
from .storage import Store

START_STATE_KEYS = ("turns", "start_image", "start_text")


@action(reads=["start_image"], writes=["image_keys", "image_origin"])
def ingest(state: State, channel: Channel) -> tuple[dict, State]:
    """Copies the start image into the run as image_000.png."""
    png = channel.load_image(state["start_image"])
    key = image_key(0)
    result = {"artifacts": [Artifact.png(key, png)]}
    origin = {"source": "start image", "image_url": state["start_image"][:200]}
    return result, state.update(image_keys=[key], image_origin=origin)


@action(reads=["image_keys"], writes=["captions", "caption_completion"])
def caption(state: State, channel: Channel, store: Store) -> tuple[dict, State]:
    """Captions the latest image with the caption_images dataflow."""
    keys = state["image_keys"]
    completion = channel.caption(store.uri(keys[-1]), turn=len(keys) - 1)
    result = {"caption": completion["text"], "latency_s": completion["latency_s"]}
    return result, state.update(caption_completion=completion).append(captions=completion["text"])


@action(
    reads=["captions", "caption_completion", "image_keys", "image_origin"],
    writes=["metadata_keys"],
)
def analyze(state: State, channel: Channel, store: Store) -> tuple[dict, State]:
    """Embeds the caption and writes metadata_NNN.json (the caption DAG with overrides)."""
    index = len(state["captions"]) - 1
    image = state["image_keys"][index]
    metadata = channel.analyze(store.uri(image), state["caption_completion"])
    metadata.update({"turn": index, "image": image, "image_origin": state["image_origin"]})
    key = metadata_key(index)
    result = {"artifacts": [Artifact.json(key, metadata)]}
    return result, state.append(metadata_keys=key)


@action(reads=["captions", "image_keys", "start_text"], writes=["image_keys", "image_origin"])
def generate(state: State, channel: Channel) -> tuple[dict, State]:
    """Paints the latest caption (or the start text) with the generate_images dataflow."""
    captions = state["captions"]
    prompt = captions[-1] if captions else state["start_text"]
    index = len(state["image_keys"])
    png, origin = channel.paint(prompt, turn=index)
    key = image_key(index)
    result = {"artifacts": [Artifact.png(key, png)], "revised_prompt": origin["revised_prompt"]}
    return result, state.append(image_keys=key).update(image_origin=origin)


@action(reads=["captions", "image_keys", "metadata_keys"], writes=[])
def terminal(state: State) -> tuple[dict, State]:
    """Ends the game; the manifest hook marks the run complete."""
    return {"turns_done": len(state["captions"]), "images": state["image_keys"]}, state


def initial_state(turns: int, start_image: str | None, start_text: str | None) -> dict[str, Any]:
    """The state a new game starts from: only URIs, captions and counters ever enter it."""
    return {
        "turns": turns,
        "start_image": start_image,
        "start_text": start_text,
        "image_keys": [],
        "captions": [],
        "metadata_keys": [],
        "caption_completion": None,
        "image_origin": None,
    }


def entrypoint(start_text: str | None) -> str:
    """Image-first games start by ingesting the image, text-first games by painting."""
    return "generate" if start_text is not None else "ingest"


def game_builder(channel: Channel, store: Store) -> ApplicationBuilder:
    """The actions and transitions of the game, ready for state, hooks and a tracker."""
    actions: dict[str, Action] = {
        "ingest": ingest.bind(channel=channel),
        "caption": caption.bind(channel=channel, store=store),
        "analyze": analyze.bind(channel=channel, store=store),
        "generate": generate.bind(channel=channel),
        "terminal": terminal,
    }
    return (
        ApplicationBuilder()
        .with_actions(**actions)
        .with_transitions(
            ("ingest", "caption", default),
            ("caption", "analyze", default),
            ("analyze", "terminal", expr("len(captions) >= turns")),
            ("analyze", "generate", default),
            ("generate", "caption", default),
            # A finished game asked for more turns carries on painting its last caption.
            ("terminal", "generate", expr("len(captions) < turns")),
        )
    )


def visualize_game(output_file_path: str, format: str = "png") -> None:
    """Draws the state machine (no models are called; the graph is the same for every game)."""
    from .settings import GameSettings
    from .storage import LocalStore

    app: Application = (
        game_builder(Channel(GameSettings()), LocalStore("."))
        .with_state(**initial_state(1, "start.png", None))
        .with_entrypoint("ingest")
        .build()
    )
    app.visualize(output_file_path, include_conditions=True, view=False, format=format)
