"""Draws the documentation pictures: the Burr state machine and both Hamilton DAGs."""

from __future__ import annotations

from pathlib import Path

from hamilton import driver

from image_telephone.analysis import drift
from image_telephone.dataflows import caption_images, generate_images, rewrite_captions
from image_telephone.game.actions import visualize_game
from image_telephone.game.settings import MODES

DAG_CONFIGS = {
    "caption_images": (caption_images, {"provider": "offline", "include_embeddings": True}),
    "generate_images": (generate_images, {"provider": "offline"}),
    "rewrite_captions": (rewrite_captions, {"provider": "offline", "goal": "story"}),
    "drift": (drift, {}),
}


def draw_pictures(folder: str | Path) -> list[Path]:
    """Writes each mode's state machine and each dataflow's DAG as PNGs into folder."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for mode in MODES:
        name = "statemachine" if mode == "telephone" else f"statemachine_{mode}"
        visualize_game(str(out / name), mode=mode, format="png")
        written.append(out / f"{name}.png")
    for name, (module, config) in DAG_CONFIGS.items():
        dag = driver.Builder().with_config(config).with_modules(module).build()
        dag.display_all_functions(str(out / name), render_kwargs={"format": "png", "view": False})
        written.append(out / f"{name}.png")
    return written
