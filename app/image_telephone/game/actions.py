"""The Burr application: ingest → caption → analyze → generate → caption … → terminal."""

from __future__ import annotations

from typing import Any

from burr.core import Action, Application, ApplicationBuilder, State, default, expr
from burr.core.action import action

from image_telephone.game.channel import Channel
from image_telephone.store.artifacts import HASHES, Artifact, image_key, metadata_key
from image_telephone.store.storage import Store

START_STATE_KEYS = ("turns", "start_image", "start_text")


def _with_image(state: State, artifact: Artifact, origin: dict[str, Any]) -> tuple[dict, State]:
    """The step's result and state once it has made the next image of the chain."""
    hashes = {**state[HASHES], artifact.key: artifact.sha256}
    new_state = state.append(image_keys=artifact.key).update(
        image_origin=origin, **{HASHES: hashes}
    )
    return {"artifacts": [artifact]}, new_state


@action(reads=["start_image", HASHES], writes=["image_keys", "image_origin", HASHES])
def ingest(state: State, channel: Channel, start_url: str | None = None) -> tuple[dict, State]:
    """Copies the start image into the run as image_000.png."""
    # State holds the start address with its credentials redacted; the action is bound to the
    # real one, which is given again on every resume.
    png = channel.load_image(start_url or state["start_image"])
    origin = {"source": "start image", "image_url": state["start_image"][:200]}
    return _with_image(state, Artifact.png(image_key(0), png), origin)


def _captioned(state: State, completion: dict[str, Any]) -> tuple[dict, State]:
    text = completion["text"]
    result = {"caption": text, "latency_s": completion["latency_s"]}
    new_state = state.update(caption_completion=completion, next_prompt=text)
    return result, new_state.append(captions=text)


@action(reads=["start_image", "next_prompt", HASHES], writes=["image_keys", "image_origin", HASHES])
def paint_start(state: State, channel: Channel, start_url: str | None = None) -> tuple[dict, State]:
    """Paints the start text onto the start image (an init image) as image_000.png."""
    start = channel.load_image(start_url or state["start_image"])
    png, origin = channel.paint(state["next_prompt"], turn=0, init_image=start)
    origin = {
        **origin,
        "init_image": state["start_image"][:200],
        "painted_from": {"prompt": state["next_prompt"]},
    }
    return _with_image(state, Artifact.png(image_key(0), png), origin)


@action(reads=["image_keys"], writes=["captions", "caption_completion", "next_prompt"])
def caption(state: State, channel: Channel, store: Store) -> tuple[dict, State]:
    """Captions the latest image with the caption_images dataflow."""
    keys = state["image_keys"]
    image = store.read_bytes(keys[-1])  # from memory when the store still holds it
    return _captioned(state, channel.caption(store.uri(keys[-1]), len(keys) - 1, image=image))


@action(reads=["image_keys", "turns"], writes=["captions", "caption_completion", "next_prompt"])
def caption_panel(state: State, channel: Channel, store: Store) -> tuple[dict, State]:
    """Captions the latest image as panel n of the comic; the caption carries its number."""
    keys = state["image_keys"]
    panel, panels = len(keys), state["turns"]
    framing = f"This image is panel {panel} of a {panels}-panel comic; describe what happens."
    image = store.read_bytes(keys[-1])
    completion = channel.caption(store.uri(keys[-1]), panel - 1, image=image, framing=framing)
    label = f"Panel {panel} of {panels}: "
    if not completion["text"].lower().startswith(label.lower().strip()):
        completion = {**completion, "text": label + completion["text"]}
    return _captioned(state, completion)


def _rewritten(state: State, completion: dict[str, Any]) -> tuple[dict, State]:
    result = {"next_prompt": completion["text"], "latency_s": completion["latency_s"]}
    return result, state.update(next_prompt=completion["text"], rewrite_completion=completion)


@action(reads=["captions"], writes=["next_prompt", "rewrite_completion"])
def exaggerate(state: State, channel: Channel) -> tuple[dict, State]:
    """Rewrites the caption to be even more of the quality the game is about ("make it more")."""
    captions = state["captions"]
    turn = len(captions)
    return _rewritten(state, channel.rewrite(captions[-1], turn=turn - 1, intensity=turn))


@action(reads=["captions", "turns"], writes=["next_prompt", "rewrite_completion"])
def next_panel(state: State, channel: Channel) -> tuple[dict, State]:
    """Describes the next panel of the comic, carrying the scene forward ("craft a story")."""
    captions = state["captions"]
    panel = len(captions)
    completion = channel.rewrite(captions[-1], turn=panel - 1, panel=panel, panels=state["turns"])
    return _rewritten(state, completion)


@action(
    reads=[
        "captions",
        "caption_completion",
        "image_keys",
        "image_origin",
        "next_prompt",
        "rewrite_completion",
        HASHES,
    ],
    writes=["metadata_keys", HASHES],
)
def analyze(state: State, channel: Channel, store: Store) -> tuple[dict, State]:
    """Embeds the caption and writes metadata_NNN.json (the caption DAG with overrides)."""
    index = len(state["captions"]) - 1
    image = state["image_keys"][index]
    metadata = channel.analyze(store.uri(image), state["caption_completion"])
    metadata.update(
        {
            "turn": index,
            "image": image,
            "image_sha256": state[HASHES].get(image),
            "image_origin": state["image_origin"],
            "next_prompt": state["next_prompt"],
            "rewrite": state["rewrite_completion"],
        }
    )
    artifact = Artifact.json(metadata_key(index), metadata)
    hashes = {**state[HASHES], artifact.key: artifact.sha256}
    result = {"artifacts": [artifact]}
    return result, state.append(metadata_keys=artifact.key).update(**{HASHES: hashes})


@action(reads=["next_prompt", "image_keys", HASHES], writes=["image_keys", "image_origin", HASHES])
def generate(state: State, channel: Channel) -> tuple[dict, State]:
    """Paints the next prompt (the last caption, its rewrite, or the start text)."""
    keys = state["image_keys"]
    png, origin = channel.paint(state["next_prompt"], turn=len(keys))
    # What the chain check follows back: the prompt, and the image whose caption it came from.
    origin["painted_from"] = {
        "prompt": state["next_prompt"],
        "image": keys[-1] if keys else None,
        "image_sha256": state[HASHES].get(keys[-1]) if keys else None,
    }
    result, new_state = _with_image(state, Artifact.png(image_key(len(keys)), png), origin)
    return {**result, "revised_prompt": origin["revised_prompt"]}, new_state


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
        "next_prompt": start_text,
        "rewrite_completion": None,
        HASHES: {},
    }


def entrypoint(start_image: str | None, start_text: str | None) -> str:
    """Image-first games ingest the image, text-first games paint, both paint onto the image."""
    if start_text is None:
        return "ingest"
    return "generate" if start_image is None else "paint_start"


_GAME_OVER = expr("len(captions) >= turns")
# Each mode is its own graph: the captioning action and the rewrite step between caption and
# analyze differ; the actions stay free of mode switches.
_MODE_STEPS: dict[str, tuple[Any, tuple[str, Any] | None]] = {
    "telephone": (caption, None),
    "more": (caption, ("exaggerate", exaggerate)),
    "story": (caption_panel, ("next_panel", next_panel)),
}


def game_builder(
    channel: Channel, store: Store, start_url: str | None = None
) -> ApplicationBuilder:
    """The actions and transitions of the game's mode, ready for state, hooks and a tracker;
    start_url is the start image's real address (state keeps it redacted)."""
    caption_action, rewrite_step = _MODE_STEPS[channel.settings.mode]
    actions: dict[str, Action] = {
        "ingest": ingest.bind(channel=channel, start_url=start_url),
        "paint_start": paint_start.bind(channel=channel, start_url=start_url),
        "caption": caption_action.bind(channel=channel, store=store),
        "analyze": analyze.bind(channel=channel, store=store),
        "generate": generate.bind(channel=channel),
        "terminal": terminal,
    }
    after_caption: list[tuple[str, str, Any]] = [("caption", "analyze", default)]
    if rewrite_step is not None:
        rewrite, rewrite_action = rewrite_step
        actions[rewrite] = rewrite_action.bind(channel=channel)
        # The last caption needs no rewrite: nothing is painted after it.
        after_caption = [
            ("caption", "analyze", _GAME_OVER),
            ("caption", rewrite, default),
            (rewrite, "analyze", default),
        ]
    return (
        ApplicationBuilder()
        .with_actions(**actions)
        .with_transitions(
            ("ingest", "caption", default),
            ("paint_start", "caption", default),
            *after_caption,
            ("analyze", "terminal", _GAME_OVER),
            ("analyze", "generate", default),
            ("generate", "caption", default),
            # A finished game asked for more turns carries on painting its last caption.
            ("terminal", "generate", expr("len(captions) < turns")),
        )
    )


def visualize_game(output_file_path: str, mode: str = "telephone", format: str = "png") -> None:
    """Draws the state machine of a mode (no models are called)."""
    from image_telephone.game.settings import GameSettings
    from image_telephone.store.storage import LocalStore

    more_of = "hard-working" if mode == "more" else None
    app: Application = (
        game_builder(Channel(GameSettings(mode=mode, more_of=more_of)), LocalStore("."))
        .with_state(**initial_state(1, "start.png", None))
        .with_entrypoint("ingest")
        .build()
    )
    app.visualize(output_file_path, include_conditions=True, view=False, format=format)
