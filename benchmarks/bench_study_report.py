"""Times the tournament's study report (study.html, its figures and tables, and the video grid)
for a synthetic 1,200-game × 10-turn table: 4 captioners × 3 painters × 20 prompts × 5 seeds,
with a tiny PNG for every turn on disk, read through the results' own image reader."""

from __future__ import annotations

import dataclasses
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PIL import Image  # noqa: E402

from benchmarks.figures import report_figures  # noqa: E402
from image_telephone.store.storage import open_store  # noqa: E402
from image_telephone.testing.turn_tables import Plan, synthetic_turns  # noqa: E402
from image_telephone.tournament.study_report import image_reader, study_files  # noqa: E402
from image_telephone.tournament.video_grid import write_video_grid  # noqa: E402

PLAN = Plan(
    captioner_effects=(0.0, 0.1, 0.2, 0.05),
    painter_effects=(0.0, 0.05, 0.1),
    prompts_per_level=5,
    seeds=5,
    turns=10,
)
IMAGE_PX = 32
REPEATS = 2
TARGET_S = 30


def write_images(turns, root: Path) -> None:
    """A tiny PNG at every image path the table names, its colour from the turn's drift."""
    for run, game in turns.groupby("run_name"):
        (root / run).mkdir(parents=True)
        for path, drift in zip(game["image"], game["distance_to_start"], strict=True):
            out = io.BytesIO()
            shade = int(255 * min(max(drift, 0.0), 1.0))
            Image.new("RGB", (IMAGE_PX, IMAGE_PX), (shade, 90, 255 - shade)).save(out, "PNG")
            Path(path).write_bytes(out.getvalue())


def report_seconds(turns, root: Path) -> tuple[float, float]:
    """Seconds for the video grid and for the study's files, as write_outputs makes them."""
    store = open_store(root / "results")
    read = image_reader(open_store(root))
    started = time.perf_counter()
    video = write_video_grid(store, turns, read)
    middle = time.perf_counter()
    files = study_files("bench", turns, read, video)
    for key, (data, kind) in files.items():
        store.write_bytes(key, data, kind)
    return middle - started, time.perf_counter() - middle


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        turns = synthetic_turns(dataclasses.replace(PLAN, image_root=folder))
        games = turns["run_name"].nunique()
        print(f"{games} games, {len(turns)} turns; writing tiny images…", file=sys.stderr)
        write_images(turns, root)
        runs = [report_seconds(turns, root) for _ in range(REPEATS)]
        for grid, study in runs:
            print(f"  video grid {grid:.2f} s, study {study:.2f} s", file=sys.stderr)
        total = statistics.median(grid + study for grid, study in runs)
    return report_figures(
        [(f"study report, {games} games × 10 turns, median (s)", total, TARGET_S)]
    )


if __name__ == "__main__":
    sys.exit(main())
