"""Times `report` on a 100-turn offline game and the 2-D path projection of 1000 captions."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import image_telephone as it  # noqa: E402
from benchmarks.figures import report_figures  # noqa: E402
from image_telephone.analysis import write_report  # noqa: E402
from image_telephone.analysis.projection import project_2d  # noqa: E402

START = "a lighthouse at dusk with purple clouds and a small boat"
REPEATS = 3
# A fresh interpreter, as the command runs: imports included.
REPORT_PROCESS = (
    "import sys; from image_telephone.analysis import write_report; write_report(sys.argv[1])"
)


def report_in_a_new_process(run_folder: str) -> float:
    """Seconds for a fresh Python process to write the whole report of a run."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", REPORT_PROCESS, run_folder], check=True)
    return time.perf_counter() - started


def report_steps(run_folder: str) -> list[tuple[str, float]]:
    """Seconds spent in each step of one in-process report."""
    marks: list[tuple[str, float]] = []
    write_report(run_folder, on_progress=lambda step: marks.append((step, time.perf_counter())))
    marks.append(("", time.perf_counter()))
    return [(step, end - start) for (step, start), (_, end) in zip(marks, marks[1:], strict=False)]


def chain_like(points: int, dimensions: int, seed: int = 0) -> np.ndarray:
    """A random walk on the unit sphere: embeddings that drift a little each turn."""
    steps = np.random.default_rng(seed).normal(size=(points, dimensions))
    walk = np.cumsum(steps, axis=0) + steps * 3
    return walk / np.linalg.norm(walk, axis=1, keepdims=True)


def projection_seconds(points: int, dimensions: int) -> float:
    """Median seconds to project points × dimensions to 2-D."""
    vectors = chain_like(points, dimensions)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        project_2d(vectors)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as out:
        print("playing a 100-turn offline game…", file=sys.stderr)
        result = it.play(
            text=START,
            turns=100,
            provider="offline",
            temperature=1.2,
            seed=3,
            out=out,
            run_name="hundred",
            tracker=False,
        )
        for step, seconds in report_steps(result.location):
            print(f"  in process: {step:<52} {seconds:6.2f} s", file=sys.stderr)
        print(f"timing report × {REPEATS} in fresh processes…", file=sys.stderr)
        runs = [report_in_a_new_process(result.location) for _ in range(REPEATS)]
        rows.append(("report, 100-turn offline game, median (s)", statistics.median(runs), 10))
    print("timing the path projection…", file=sys.stderr)
    rows.append(
        ("path projection, 1000 × 256 (offline), median (s)", projection_seconds(1000, 256), 5)
    )
    rows.append(
        ("path projection, 1000 × 1536 (OpenAI), median (s)", projection_seconds(1000, 1536), 5)
    )
    return report_figures(rows)


if __name__ == "__main__":
    sys.exit(main())
