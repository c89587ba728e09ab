"""Plays 20 CLI games of 20 turns, 4 at a time, against the test server in its own process
failing 30 % of model calls (429, 500, 503, malformed and truncated replies, mixed): how many
games exit 0, how many saved 20 captions, and the wall time."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402

from benchmarks.figures import report_figures  # noqa: E402

GAMES, TURNS, AT_ONCE = 20, 20, 4
FAILURE_RATE, FAILURES = 0.3, "429,500,503,malformed,truncated"
CALLS_PER_GAME = 3 * TURNS  # an image, a caption and an embedding per turn
# Each game waits out ~15 s of the client's backoff (0.5 s doubling) plus its start-up; five
# rounds of four games.
MAX_WALL_S = 300.0
CLI = Path(sys.executable).with_name("image-telephone")


class FlakyServer:
    """The test server in a process of its own, failing FAILURE_RATE of the model calls."""

    def __enter__(self) -> FlakyServer:
        command = [sys.executable, "-m", "image_telephone.testing", "--seed", "1"]
        command += ["--failure-rate", str(FAILURE_RATE), "--failures", FAILURES]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.base_url = self.process.stdout.readline().strip()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def requests(self) -> int:
        """How many requests the server has answered."""
        stats_url = self.base_url.removesuffix("/v1") + "/_stats"
        return requests.get(stats_url, timeout=5).json()["requests"]


def play(base_url: str, out: Path, index: int) -> tuple[int, int]:
    """(exit code, captions saved) of one `image-telephone run` game."""
    command = [str(CLI), "run", "--text", "a red kite", "-n", str(TURNS)]
    command += ["--provider", "openai", "--base-url", base_url, "--no-tracker", "--out", str(out)]
    environment = {**os.environ, "OPENAI_API_KEY": "bench", "HOME": str(out)}
    game = subprocess.run(command, capture_output=True, text=True, env=environment)
    if game.returncode != 0:
        print(f"game {index}: exit {game.returncode}: {game.stdout[-300:]}{game.stderr[-300:]}")
    saved = [json.loads(path.read_text()) for path in out.glob("*/metadata_*.json")]
    return game.returncode, sum(bool(turn.get("generated_caption")) for turn in saved)


def main() -> int:
    with tempfile.TemporaryDirectory() as work, FlakyServer() as server:
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
            games = list(
                pool.map(
                    lambda index: play(server.base_url, Path(work) / f"game-{index}", index),
                    range(GAMES),
                )
            )
        wall_s = time.perf_counter() - started
        answered = server.requests()
    exited_0 = sum(code == 0 for code, _ in games)
    complete = sum(captions == TURNS for _, captions in games)
    failed_calls = answered - GAMES * CALLS_PER_GAME
    print(f"{GAMES} games of {TURNS} turns, {AT_ONCE} at a time, {FAILURE_RATE:.0%} of calls fail")
    print(
        f"games that exited 0: {exited_0}/{GAMES}; games with {TURNS} captions: {complete}/{GAMES}"
    )
    print(f"calls answered: {answered}, of which failed (and retried): ~{failed_calls}")
    return report_figures(
        [
            ("games not exiting 0", GAMES - exited_0, 0),
            (f"games without {TURNS} captions", GAMES - complete, 0),
            ("wall time (s)", wall_s, MAX_WALL_S),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
