"""Times the study's video grid for 12 pairs × 4 levels × 10 turns and weighs its GIF and MP4:
once from an offline tournament's own pictures, once with every image read back as a 1024×1024
photo-like PNG (noise over gradients: the worst case for a GIF's compression)."""

from __future__ import annotations

import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from benchmarks.figures import report_figures  # noqa: E402
from image_telephone.store.storage import LocalStore  # noqa: E402
from image_telephone.tournament import load_tournament, run_tournament  # noqa: E402
from image_telephone.tournament.video_grid import write_video_grid  # noqa: E402

TURNS = 10
PROMPTS = ["red-circle", "lighthouse-dusk", "chess-in-park", "summer-never-had"]  # one a level
CAPTIONERS = ["plain", "somewhat", "very", "extremely"]  # their descriptiveness
PAINTERS = ["sketch", "watercolor", "oil"]
PHOTOS = 24  # distinct photo-like images, reused: decoding each location still costs its time
# Generous on wall time: shared 2-core machines run it several times slower than the CPU time.
MAX_SECONDS, MAX_CPU_SECONDS, MAX_GIF_MB, MAX_MP4_MB = 60.0, 30.0, 25.0, 5.0


def tournament_file(folder: Path) -> Path:
    """4 offline captioners × 3 offline painters on one prompt of each level, 10 turns."""
    lines = [
        'name = "grid"',
        f"turns = {TURNS}",
        f'out = "{folder / "out"}"',
        "tracker = false",
        "concurrency = 8",
        f"prompt_ids = {PROMPTS!r}".replace("'", '"'),
    ]
    for name in CAPTIONERS:
        detail = "" if name == "plain" else f'descriptiveness = "{name}"\n'
        lines.append(f'[[captioners]]\nname = "{name}"\nprovider = "offline"\n{detail}')
    for name in PAINTERS:
        style = "" if name == "sketch" else f'image_style = "{name}"\n'
        lines.append(f'[[painters]]\nname = "{name}"\nprovider = "offline"\n{style}')
    path = folder / "grid.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def photo_like(seed: int) -> bytes:
    """A 1024×1024 PNG of smooth colour gradients under fine noise, like a painted photo."""
    rng = np.random.default_rng(seed)
    axis = np.linspace(0, 1, 1024)
    base = np.stack(
        [np.outer(np.sin(axis * rng.uniform(1, 6)), np.cos(axis * rng.uniform(1, 6)))] * 3, axis=-1
    )
    pixels = (base * rng.uniform(60, 200, 3) + rng.normal(0, 18, (1024, 1024, 3)) + 40).clip(0, 255)
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def cpu_seconds() -> float:
    """CPU seconds of this process's threads and its finished children (ffmpeg)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed_grid(out: Path, turns, read_image) -> tuple[float, float, int, int]:
    """Wall and CPU seconds to write the grid, and the GIF's and the MP4's bytes."""
    store = LocalStore(out)
    started, cpu = time.perf_counter(), cpu_seconds()
    keys = write_video_grid(store, turns, read_image)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    sizes = {key: (out / key).stat().st_size for key in keys}
    return seconds, cpu, sizes.get("video_grid.gif", 0), sizes.get("video_grid.mp4", 0)


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        print("playing 12 pairs × 4 levels × 10 turns offline…", file=sys.stderr)
        turns = run_tournament(load_tournament(tournament_file(Path(folder)))).turns
        print(f"  {len(turns)} turns; drawing the grid…", file=sys.stderr)
        for name, read_image in (
            ("offline pictures", lambda at: Path(at).read_bytes()),
            ("1024² photo-like PNGs", _photo_reader(turns)),
        ):
            seconds, cpu, gif, mp4 = timed_grid(Path(folder) / name, turns, read_image)
            rows.append((f"video grid, {name}: seconds", seconds, MAX_SECONDS))
            rows.append((f"video grid, {name}: CPU seconds", cpu, MAX_CPU_SECONDS))
            rows.append((f"video grid, {name}: GIF MB", gif / 1e6, MAX_GIF_MB))
            rows.append((f"video grid, {name}: MP4 MB", mp4 / 1e6, MAX_MP4_MB))
    return report_figures(rows)


def _photo_reader(turns):
    photos = [photo_like(seed) for seed in range(PHOTOS)]
    index = {at: number % PHOTOS for number, at in enumerate(turns["image"])}
    return lambda at: photos[index[at]]


if __name__ == "__main__":
    sys.exit(main())
