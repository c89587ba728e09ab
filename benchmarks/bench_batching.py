"""Batched against unbatched throughput of the huggingface provider on tiny models, on the CPU:
each role alone (8 threads calling at once) and whole turns of 8 concurrent games, batch 8 vs
batch 1, interleaved rounds in one process."""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PIL import Image  # noqa: E402

from image_telephone import play  # noqa: E402
from image_telephone.providers.huggingface import connect  # noqa: E402
from tests import tiny_models  # noqa: E402

GAMES = 8  # concurrent games (and callers per role)
TURNS = 3
CALLS = 3  # per caller per role round
ROUNDS = 3
TARGET = 2.0  # whole turns, batch 8 over batch 1
SIZE, STEPS = "32x32", 2


def _limits(batch: int) -> None:
    os.environ["IMAGE_TELEPHONE_BATCH_SIZE"] = str(batch)
    os.environ["IMAGE_TELEPHONE_BATCH_WAIT_MS"] = "50"


def _together(call: Callable[[int], None]) -> float:
    """Seconds for GAMES threads to each run call(i)."""
    threads = [threading.Thread(target=call, args=(i,)) for i in range(GAMES)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def role_calls(models: dict[str, str]) -> dict[str, Callable[[int], None]]:
    """One caller's round of calls for each role."""
    picture = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(picture, format="PNG")
    png = picture.getvalue()

    def caption(i: int) -> None:
        client = connect(None)
        for call in range(CALLS):
            client.caption(
                png, "Describe it.", models["captioner"], max_tokens=20, temperature=None,
                stop=None, seed=call, candidates=1,
            )  # fmt: skip

    def paint(i: int) -> None:
        client = connect(None)
        for call in range(CALLS):
            client.paint(
                f"a red cat {i}", models["painter"], size=SIZE, seed=i * CALLS + call,
                init_image=None, steps=STEPS, guidance=0.0,
            )  # fmt: skip

    def embed(i: int) -> None:
        client = connect(None)
        for call in range(CALLS):
            client.embed(f"a red cat number {i} {call}", models["embedder"])

    return {"captions": caption, "paintings": paint, "embeddings": embed}


def games(models: dict[str, str], out: str, label: str) -> Callable[[int], None]:
    """One thread's game of TURNS turns on the tiny models."""

    def game(i: int) -> None:
        play(
            text=f"a red cat on a blue mat, game {i}",
            turns=TURNS,
            out=out,
            run_name=f"{label}-{i}",
            tracker=False,
            provider="huggingface",
            caption_model=models["captioner"],
            image_model=models["painter"],
            embeddings_model=models["embedder"],
            steps=STEPS,
            guidance=0.0,
            size=SIZE,
            max_tokens=20,
            seed=i,
        )

    return game


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        models = {
            "captioner": str(tiny_models.blip(root / "blip")),
            "painter": str(tiny_models.stable_diffusion(root / "sd")),
            "embedder": str(tiny_models.sentence_transformer(root / "st")),
        }
        calls = role_calls(models)
        _limits(1)
        for call in calls.values():  # load every model once, outside the timings
            _together(call)
        timings: dict[str, dict[int, list[float]]] = {
            name: {1: [], GAMES: []} for name in [*calls, "whole turns"]
        }
        for round_ in range(ROUNDS):  # interleaved, so machine noise hits both alike
            for batch in (GAMES, 1):
                _limits(batch)
                for name, call in calls.items():
                    timings[name][batch].append(_together(call))
                out = str(root / f"runs-{round_}-{batch}")
                timings["whole turns"][batch].append(_together(games(models, out, "g")))
    work = {"captions": GAMES * CALLS, "paintings": GAMES * CALLS, "embeddings": GAMES * CALLS}
    work["whole turns"] = GAMES * TURNS
    print(f"{GAMES} concurrent callers on the CPU, tiny models, median of {ROUNDS} rounds")
    print(f"{'':12} {'batch 1 /s':>11} {'batch 8 /s':>11} {'speed-up':>9}")
    speedups = {}
    for name, by_batch in timings.items():
        single, batched = (work[name] / statistics.median(by_batch[b]) for b in (1, GAMES))
        speedups[name] = batched / single
        print(f"{name:12} {single:11.1f} {batched:11.1f} {speedups[name]:8.2f}x")
    print(f"target: whole turns >= {TARGET}x at batch {GAMES}")
    return 0 if speedups["whole turns"] >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
