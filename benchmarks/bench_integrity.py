"""What the run lock, the per-file hashes and the chain check cost per turn of an offline game.

Each part is timed on its own, in the same process and run as the game it is compared with:
the lock (acquire + release, once per game, spread over its turns, and the check before
each step's commit), the hashes (SHA-256 of
each turn's PNG and metadata, as the actions compute them) and the chain check every resume
makes (check_run over the finished run, per turn). The baseline is the game's own median turn.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.bench_game import offline_game  # noqa: E402
from benchmarks.figures import report_figures  # noqa: E402
from image_telephone.store.artifacts import sha256_hex  # noqa: E402
from image_telephone.store.chain import TURN_FILE, check_run  # noqa: E402
from image_telephone.store.run_lock import acquire_run_lock  # noqa: E402
from image_telephone.store.storage import LocalStore  # noqa: E402

TURNS = 50
REPEATS = 5
STEPS_PER_TURN = 3  # caption, analyze, generate


def _median_s(action, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as out:
        _, clock = offline_game(TURNS, out, "integrity")
        turn_ms = statistics.median(clock.durations()) * 1000
        store = LocalStore(os.path.join(out, "integrity"))
        lock_ms = _median_s(lambda: acquire_run_lock(store).release(), 50) * 1000 / TURNS
        with acquire_run_lock(store) as lock:  # every commit checks the lock is still held
            lock_ms += _median_s(lambda: [lock.check() for _ in range(STEPS_PER_TURN)], 50) * 1000
        files = [store.read_bytes(name) for name in store.files() if TURN_FILE.match(name)]
        hash_ms = _median_s(lambda: [sha256_hex(data) for data in files]) * 1000 / TURNS
        check_ms = _median_s(lambda: check_run(store)) * 1000 / TURNS
    overhead_ms = lock_ms + hash_ms + check_ms
    print(
        f"offline turn median {turn_ms:.1f} ms; per turn: lock {lock_ms:.3f} ms, hashes "
        f"{hash_ms:.3f} ms, chain check {check_ms:.3f} ms; overhead {overhead_ms:.2f} ms "
        f"= {overhead_ms / turn_ms:.1%} of a turn"
    )
    return report_figures([("lock + hashes + chain check, ms per turn", overhead_ms, 5)])


if __name__ == "__main__":
    sys.exit(main())
