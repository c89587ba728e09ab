"""Draws the documentation pictures: the Burr state machine and both Hamilton DAGs."""

from __future__ import annotations

from pathlib import Path

from hamilton import driver

from .dataflows import caption_images, generate_images
from .game import visualize_game

DAG_CONFIGS = {
    "caption_images": (caption_images, {"provider": "offline", "include_embeddings": True}),
    "generate_images": (generate_images, {"provider": "offline"}),
}


def draw_pictures(folder: str | Path) -> list[Path]:
    """Writes statemachine.png, caption_images.png and generate_images.png into folder."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    visualize_game(str(out / "statemachine"), format="png")
    written = [out / "statemachine.png"]
    for name, (module, config) in DAG_CONFIGS.items():
        dag = driver.Builder().with_config(config).with_modules(module).build()
        dag.display_all_functions(str(out / name), render_kwargs={"format": "png", "view": False})
        written.append(out / f"{name}.png")
    return written
