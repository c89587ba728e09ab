"""Times a 12-pair × 10-prompt × 5-turn tournament against the test server adding 100 ms to
every call: at concurrency 32 (the processes executor three times, its median judged; threads
once, for comparison) against the ideal (calls × 100 ms / 32), and against concurrency 1,
extrapolated from a measured subset of the same games."""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")

DELAY_S = 0.1
CONCURRENCY = 32
TURNS = 5
CAPTIONERS = {
    "c4o_mini": "gpt-4o-mini",
    "c4o": "gpt-4o",
    "c41_mini": "gpt-4.1-mini",
    "c41": "gpt-4.1",
}
PAINTERS = {"gptimage1": "gpt-image-1", "dalle2": "dall-e-2", "dalle3": "dall-e-3"}
SUBSET_PAIRS = 2  # concurrency 1 is timed on 2 captioners × 2 painters × 1 prompt (4 games)
REPEATS = 3  # the machine is noisy: the processes executor's median of three is judged
MAX_RATIO_TO_IDEAL, MIN_SPEEDUP = 1.5, 20.0


def serve(connection, delay_s: float) -> None:
    """The test server in its own process, so that it does not share the games' GIL."""
    from image_telephone.testing import OpenAICompatibleServer

    with OpenAICompatibleServer(delay_s=delay_s) as server:
        connection.send(server.base_url)
        while connection.recv() == "count":
            requests = server.requests
            connection.send((len(requests), sum(r.handling_seconds for r in requests)))


def tournament_file(folder: Path, base_url: str, concurrency: int, subset: bool = False) -> Path:
    """The benchmark's tournament (or its small subset): small images, no tracker, no limits."""
    endpoint = f'provider = "openai"\nbase_url = "{base_url}"\n'
    lines = [
        'name = "bench"',
        f"turns = {TURNS}",
        f'out = "{folder / "out"}"',
        "tracker = false",
        f"concurrency = {concurrency}",
    ]
    captioners, painters = list(CAPTIONERS.items()), list(PAINTERS.items())
    if subset:
        lines.append('prompt_ids = ["red-circle"]')
        captioners, painters = captioners[:SUBSET_PAIRS], painters[:SUBSET_PAIRS]
    for name, model in captioners:
        lines.append(f'[[captioners]]\nname = "{name}"\nmodel = "{model}"\n{endpoint}')
    for name, model in painters:
        lines.append(
            f'[[painters]]\nname = "{name}"\nmodel = "{model}"\nsize = "256x256"\n{endpoint}'
        )
    lines.append("[limits.openai]\nmax_in_flight = 64")
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Clock:
    """Marks when the games start and end (the rest is planning and writing results)."""

    def begin(self, games: int, turns: int, turns_done: int) -> None:
        self.started = time.perf_counter()

    def update(self, snapshot) -> None:
        pass

    def end(self) -> None:
        self.games_s = time.perf_counter() - self.started


def cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the worker processes)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(
    server, base_url: str, executor_name: str, concurrency: int, subset: bool = False
) -> dict:
    """Plays a fresh tournament; wall time, games time, calls and server time for it."""
    from image_telephone.tournament import (
        ProcessExecutor,
        ThreadExecutor,
        load_tournament,
        run_tournament,
    )

    with tempfile.TemporaryDirectory() as folder:
        tournament = load_tournament(tournament_file(Path(folder), base_url, concurrency, subset))
        server.send("count")
        calls_before, handling_before = server.recv()
        executor = (
            ProcessExecutor(concurrency)
            if executor_name == "processes"
            else ThreadExecutor(concurrency)
        )
        clock, cpu_before, started = Clock(), cpu_s(), time.perf_counter()
        result = run_tournament(tournament, executor, clock)
        wall = time.perf_counter() - started
        server.send("count")
        calls, handling = server.recv()
    assert (result.games["status"] == "complete").all(), result.games["status"].value_counts()
    calls -= calls_before
    return {
        "executor": executor_name,
        "concurrency": concurrency,
        "games": len(result.games),
        "calls": calls,
        "wall_s": wall,
        "games_s": clock.games_s,
        "cpu_s": cpu_s() - cpu_before,
        "server_ms": 1000 * (handling - handling_before) / calls,
    }


def main() -> int:
    os.environ["HOME"] = tempfile.mkdtemp()  # keep ~/.burr and friends out of the user's
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    server = context.Process(target=serve, args=(there, DELAY_S), daemon=True)
    server.start()
    base_url = here.recv()
    print(
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; server in its own process"
    )
    runs = [timed(here, base_url, "processes", CONCURRENCY) for _ in range(REPEATS)]
    runs.append(timed(here, base_url, "threads", CONCURRENCY))
    subset = timed(here, base_url, "threads", 1, subset=True)
    here.send("stop")
    full_games = runs[0]["games"]
    sequential_s = subset["wall_s"] / subset["games"] * full_games
    print(
        f"concurrency 1: {subset['games']} games, {subset['calls']} calls in "
        f"{subset['wall_s']:.1f} s → {full_games} games extrapolated: {sequential_s:.0f} s"
    )
    header = f"{'executor':<10} {'calls':>6} {'wall s':>7} {'games s':>8} {'ideal s':>8} "
    header += f"{'× ideal':>8} {'speedup':>8} {'CPU s':>6} {'ms/turn CPU':>12} {'server ms':>10}"
    print(header)
    judged = []
    for run in runs:
        ideal = run["calls"] * DELAY_S / run["concurrency"]
        ratio, speedup = run["wall_s"] / ideal, sequential_s / run["wall_s"]
        if run["executor"] == "processes":
            judged.append((ratio, speedup))
        print(
            f"{run['executor']:<10} {run['calls']:>6} {run['wall_s']:>7.2f} {run['games_s']:>8.2f} "
            f"{ideal:>8.2f} {ratio:>8.2f} {speedup:>8.1f} {run['cpu_s']:>6.1f} "
            f"{1000 * run['cpu_s'] / (run['games'] * TURNS):>12.1f} {run['server_ms']:>10.1f}"
        )
    ratio, speedup = sorted(judged)[len(judged) // 2]
    fast, faster = ratio <= MAX_RATIO_TO_IDEAL, speedup >= MIN_SPEEDUP
    print(
        f"processes, median of {len(judged)}: {ratio:.2f}× ideal, {speedup:.1f}× concurrency 1; "
        f"targets: ≤ {MAX_RATIO_TO_IDEAL}× ideal: {'met' if fast else 'missed'}; "
        f"≥ {MIN_SPEEDUP:g}× concurrency 1: {'met' if faster else 'missed'}"
    )
    return 0 if fast and faster else 1


if __name__ == "__main__":
    sys.exit(main())
