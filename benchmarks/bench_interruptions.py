"""50 SIGKILLs and 50 SIGINTs at random moments of one CLI game, each followed by a resume.

The captioner is the test server (its own process) in its sampling mode, so a replayed step
would write another caption than the one first committed. After every stop the chain is
checked from the files alone; at the end the game is finished and checked again, temporary
and uncommitted files are counted, and the model calls paid are compared with what the game
needs: each stop may waste at most the one call it cut short.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402

from benchmarks.figures import report_figures  # noqa: E402
from image_telephone.store.chain import check_run  # noqa: E402
from image_telephone.store.storage import LocalStore  # noqa: E402
from image_telephone.testing.openai_server import STATS_PATH  # noqa: E402

KILLS = SIGINTS = 50
TURNS = 200
CALLS_PER_TURN = 3  # paint, caption, embed
RUN = "interrupted"


def _server() -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "image_telephone.testing", "--delay", "0.03", "--sampled-captions"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # killed clients make its socketserver print resets
        text=True,
    )
    return server, server.stdout.readline().strip()


def _game(base_url: str, out: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "image_telephone.cli", "run", "--text", "a red kite"]
    command += ["-n", str(TURNS), "--provider", "openai", "--base-url", base_url]
    command += ["--out", out, "--run-name", RUN, "--no-tracker"]
    env = {**os.environ, "OPENAI_API_KEY": "bench"}
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _checkpoint_time(run: str) -> float:
    try:
        return os.stat(os.path.join(run, "state.json")).st_mtime_ns
    except FileNotFoundError:
        return 0


def _stop_somewhere(game: subprocess.Popen, run: str, signum: int, rng: random.Random) -> int:
    """Waits for the game's first commit, then stops it after a random moment."""
    before = _checkpoint_time(run)
    deadline = time.monotonic() + 60
    while _checkpoint_time(run) == before and game.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.4))
    if game.poll() is None:
        game.send_signal(signum)
    game.communicate(timeout=120)
    return game.returncode


def main() -> int:
    rng = random.Random(2026)
    stops = [signal.SIGKILL] * KILLS + [signal.SIGINT] * SIGINTS
    rng.shuffle(stops)
    server, base_url = _server()
    broken = wrong_codes = 0
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as out:
            run = os.path.join(out, RUN)
            for signum in stops:
                code = _stop_somewhere(_game(base_url, out), run, signum, rng)
                expected = -signal.SIGKILL if signum == signal.SIGKILL else 130
                wrong_codes += code not in (expected, 0)
                broken += os.path.exists(run) and not check_run(LocalStore(run)).intact
            final = _game(base_url, out)
            _, error = final.communicate(timeout=1800)
            report = check_run(LocalStore(run))
            temporaries = [name for name in os.listdir(run) if name.endswith(".tmp")]
            calls = requests.get(base_url.removesuffix("/v1") + STATS_PATH, timeout=10).json()
    finally:
        server.terminate()
        server.wait()
    extra = calls["requests"] - TURNS * CALLS_PER_TURN
    print(
        f"{len(stops)} stops in {time.perf_counter() - started:.0f} s; final resume exit "
        f"{final.returncode}, chain {report.line()}; {len(temporaries)} temporary file(s); "
        f"{calls['requests']} calls for {TURNS} turns: {extra} more than needed"
    )
    if final.returncode:
        print(error.decode(errors="replace")[-2000:])
    return report_figures(
        [
            ("broken chains after a stop", broken, 0),
            ("stops with an unexpected exit code", wrong_codes, 0),
            (
                "final chain broken (1) or short (1)",
                int(not report.intact) + int(report.committed_turns != TURNS),
                0,
            ),
            ("temporary + uncommitted files left", len(temporaries) + len(report.uncommitted), 0),
            ("calls paid twice per stop", extra / len(stops), 1),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
