"""Times offline turns, a 50-turn game, orchestration overhead, and memory over 200 turns."""

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

import requests  # noqa: E402

import image_telephone as it  # noqa: E402
from benchmarks.figures import report_figures  # noqa: E402

START = "a bright red circle on a dark blue background"


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class TurnClock:
    """Records the time of every finished turn (each analyze step ends one caption)."""

    def __init__(self, on_turn=None):
        self.times: list[float] = []
        self.on_turn = on_turn

    def __call__(self, event) -> None:
        if event.step == "analyze":
            self.times.append(time.perf_counter())
            if self.on_turn:
                self.on_turn(event)

    def durations(self) -> list[float]:
        return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]


def offline_game(turns: int, out: str, name: str, on_turn=None) -> tuple[float, TurnClock]:
    clock = TurnClock(on_turn)
    started = time.perf_counter()
    it.play(text=START, turns=turns, provider="offline", out=out, run_name=name, on_step=clock)
    return time.perf_counter() - started, clock


class ServerProcess:
    """The OpenAI-compatible test server in a process of its own, as a real server would be."""

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "image_telephone.testing"], stdout=subprocess.PIPE, text=True
        )
        self.base_url = self.process.stdout.readline().strip()
        self.stats_url = self.base_url.removesuffix("/v1") + "/_stats"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def handling_seconds(self) -> float:
        return requests.get(self.stats_url, timeout=5).json()["handling_seconds"]


def overhead_per_turn(out: str, turns: int = 30) -> list[float]:
    """Turn wall time minus the server's answering time, for each turn after the first."""
    with ServerProcess() as server:
        marks: list[tuple[float, float, float]] = []

        def on_turn(event) -> None:
            # (before, after, server total): the stats call itself is left out of every turn.
            before = time.perf_counter()
            spent = server.handling_seconds()
            marks.append((before, time.perf_counter(), spent))

        clock = TurnClock(on_turn)
        it.play(
            text=START,
            turns=turns,
            provider="openai",
            base_url=server.base_url,
            api_key="bench",
            image_model="gpt-image-1",
            out=out,
            run_name="overhead",
            on_step=clock,
        )
    return [
        (begin - end) - (s1 - s0)
        for (_, end, s0), (begin, _, s1) in zip(marks, marks[1:], strict=False)
    ]


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as out:
        os.environ["HOME"] = out  # the tracker writes under ~/.burr; keep it out of the user's
        offline_game(3, out, "warmup")
        game_s, clock = offline_game(50, out, "fifty")
        turn_ms = statistics.median(clock.durations()) * 1000
        rows.append(("offline turn, median (ms)", turn_ms, 100))
        rows.append(("50-turn offline game (s)", game_s, 10))
        # Three rounds of 30 turns: the median of their medians resists this noisy machine.
        rounds = [statistics.median(overhead_per_turn(f"{out}/overhead-{r}")) for r in range(3)]
        overhead_ms = statistics.median(rounds) * 1000
        rows.append(("orchestration overhead per turn, median (ms)", overhead_ms, 15))
        samples: list[float] = []
        offline_game(
            200,
            out,
            "memory",
            on_turn=lambda e: samples.append(rss_mb()) if e.turns_done in (10, 200) else None,
        )
        rows.append(("RSS growth, turn 10 -> 200 (MB)", samples[1] - samples[0], 20))
    return report_figures(rows)


if __name__ == "__main__":
    sys.exit(main())
