"""Synthetic tournament turn tables with planted answers, for the study's tests and benchmark."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

LEVELS = ("easy", "medium", "hard", "impossible")
FILLER = "with soft light and a few shapes near the middle of the frame".split()


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to plant: effects on drift per captioner (from turn 0 on), per painter (growing
    with the turns) and per level step."""

    captioner_effects: tuple[float, ...] = (0.0, 0.1)
    painter_effects: tuple[float, ...] = (0.0, 0.0)
    level_step: float = 0.1  # added per level, easy → impossible
    prompts_per_level: int = 2
    seeds: int = 3
    turns: int = 10
    game_noise: float = 0.05  # each game's own offset
    turn_noise: float = 0.01
    # Each painter's chains end on one of these phrases (painter i: attractors[i % len]).
    attractors: tuple[str, ...] = ("red circle sunset", "blue ocean waves")
    shuffle_levels: bool = False  # labels drawn at random per prompt: no ordering to find
    image_root: str = "file:///tournament"


def synthetic_turns(plan: Plan, seed: int = 0) -> pd.DataFrame:
    """One row per game turn with a tournament table's columns, drift planted by plan."""
    rng = np.random.default_rng(seed)
    captioners = [f"cap{i}" for i in range(len(plan.captioner_effects))]
    painters = [f"paint{i}" for i in range(len(plan.painter_effects))]
    prompts = [
        (f"{lv}-{i}", lv, li) for li, lv in enumerate(LEVELS) for i in range(plan.prompts_per_level)
    ]
    if plan.shuffle_levels:
        labels = rng.permutation([p[1] for p in prompts])
        prompts = [(pid, label, li) for (pid, _, li), label in zip(prompts, labels, strict=True)]
    turn = np.arange(plan.turns)
    rows = []
    for ci, captioner in enumerate(captioners):
        for pi, painter in enumerate(painters):
            for prompt_id, level, difficulty in prompts:
                for game_seed in range(plan.seeds):
                    final = 0.3 + plan.level_step * difficulty + rng.normal(0, plan.game_noise)
                    # The captioner's effect is there from the first caption, the painter's grows.
                    to_start = (
                        final * (1 - np.exp(-(turn + 1) / 1.5))
                        + plan.captioner_effects[ci]
                        + plan.painter_effects[pi] * (1 - np.exp(-turn / 3))
                    )
                    to_start = to_start + rng.normal(0, plan.turn_noise, plan.turns)
                    previous = np.abs(np.diff(to_start, prepend=0.0)) + rng.uniform(
                        0, 0.02, plan.turns
                    )
                    run = f"{captioner}--{painter}--{prompt_id}--s{game_seed}"
                    words = plan.attractors[pi % len(plan.attractors)]
                    for t in turn:
                        filler = " ".join(rng.choice(FILLER, 4))
                        caption = f"{words} {filler}" if t >= 2 else f"{prompt_id} {filler}"
                        rows.append(
                            {
                                "tournament": "synthetic",
                                "run_name": run,
                                "captioner": captioner,
                                "painter": painter,
                                "prompt_id": prompt_id,
                                "level": level,
                                "prompt": f"the {prompt_id} prompt",
                                "seed": game_seed,
                                "turn": int(t),
                                "caption": caption,
                                "distance_to_start": to_start[t],
                                "distance_to_previous": previous[t],
                                "phash_distance_to_previous": (
                                    np.nan if t == 0 else 2 + 20 * previous[t] + rng.uniform(0, 4)
                                ),
                                "image_distance_to_previous": (
                                    np.nan if t == 0 else 0.5 * previous[t] + rng.uniform(0, 0.05)
                                ),
                                **_constants(captioner, painter, t),
                                "image": f"{plan.image_root}/{run}/image_{t + 1:03d}.png",
                            }
                        )
    return pd.DataFrame(rows)


def _constants(captioner: str, painter: str, turn: int) -> dict[str, object]:
    """The columns a real table has that the study does not read: models, tokens, timings."""
    return {
        "caption_endpoint": "offline",
        "image_endpoint": "offline",
        "embeddings_endpoint": "offline",
        "caption_model": f"{captioner}-model",
        "image_model": f"{painter}-model",
        "embeddings_model": "offline-embed",
        "caption_tokens_in": 800,
        "caption_tokens_out": 60,
        "image_tokens_in": 70,
        "image_tokens_out": 0,
        "embedding_tokens": 15,
        "cost_usd": 0.001,
        "caption_latency_s": 0.8,
        "image_latency_s": 4.0,
        "created_at": f"2026-01-01T00:{turn:02d}:00+00:00",
    }
