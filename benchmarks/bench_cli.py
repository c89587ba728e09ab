"""Times the command as a person meets it, as whole processes (median of several, after one
warm-up): `--help`, `--version`, `runs` over 20 saved runs, and the time from starting `run` to
its first model call, read from the test server (in its own process) as the arrival time of the
first request it gets. On Linux also the CPU seconds `run` has spent by then (read from /proc while
the server holds its answer): a figure that other work on a shared machine barely moves."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
os.environ.setdefault("BURR_TELEMETRY_ENABLED", "false")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.figures import report_figures  # noqa: E402

REPEATS = 7
SAVED_RUNS = 20
CLI = Path(sys.executable).with_name("image-telephone")
HELP_S, RUNS_S, FIRST_CALL_S = 0.3, 0.8, 1.5
HOLD_S = 0.3  # the server holds each answer this long, so `run` is idle while its CPU is read


def _median_s(command: list[str], env: dict[str, str]) -> float:
    """The median wall time of the command, run REPEATS times after one warm-up."""
    times = []
    for _ in range(REPEATS + 1):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def _save_runs(out: Path) -> None:
    """SAVED_RUNS one-turn offline games under out, for `runs` to list."""
    import image_telephone

    for index in range(SAVED_RUNS):
        text = f"a lighthouse on a rocky coast at sunset, with seagulls, number {index}"
        image_telephone.play(text=text, turns=1, provider="offline", out=str(out), tracker=False)


def _cpu_s(pid: int) -> float | None:
    """The CPU seconds (user + system) process pid has used; None where /proc does not say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _first_call_s(home: Path, env: dict[str, str]) -> tuple[float, float | None]:
    """Medians of the wall and CPU seconds from starting `run` (openai, the tracker on) to its
    first model call."""
    log = home / "arrivals.log"
    server = subprocess.Popen(
        [sys.executable, __file__, "serve", str(log)], stdout=subprocess.PIPE, text=True
    )
    try:
        base_url = server.stdout.readline().strip()
        env = {**env, "OPENAI_API_KEY": "bench", "HOME": str(home)}
        walls, cpus = [], []
        for game in range(REPEATS + 1):
            command = [str(CLI), "-q", "run", "--text", "a red kite", "-n", "1"]
            command += ["--provider", "openai"]
            command += ["--base-url", base_url, "--out", str(home / f"game-{game}")]
            started = time.time()
            child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
            arrived, cpu = None, None
            while arrived is None and child.poll() is None:
                arrivals = [float(line) for line in log.read_text().split()] if log.exists() else []
                arrived = min((t for t in arrivals if t >= started), default=None)
                cpu = _cpu_s(child.pid) if arrived is not None else None
                time.sleep(0.005)
            if child.wait() != 0 or arrived is None:
                raise RuntimeError(f"`{' '.join(command)}` failed (exit {child.returncode})")
            walls.append(arrived - started)
            cpus.append(cpu)
        known = [cpu for cpu in cpus[1:] if cpu is not None]
        return statistics.median(walls[1:]), statistics.median(known) if known else None
    finally:
        server.terminate()
        server.wait(timeout=10)


def _serve(log: str) -> None:
    """The test server, noting the wall-clock arrival time of each model call in log."""
    import threading

    from image_telephone.testing import OpenAICompatibleServer

    class Noting(OpenAICompatibleServer):
        def answer(self, method: str, path: str, *args, **kwargs):  # type: ignore[no-untyped-def]
            if method == "POST":
                with open(log, "a") as arrivals:
                    arrivals.write(f"{time.time()}\n")
                time.sleep(HOLD_S)
            return super().answer(method, path, *args, **kwargs)

    with Noting() as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


def main() -> int:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as work:
        runs = Path(work) / "runs"
        _save_runs(runs)
        first_call_s, first_call_cpu_s = _first_call_s(Path(work), env)
        rows = [
            ("--help (s)", _median_s([str(CLI), "--help"], env), HELP_S),
            ("--version (s)", _median_s([str(CLI), "--version"], env), HELP_S),
            (
                f"runs, {SAVED_RUNS} runs (s)",
                _median_s([str(CLI), "runs", "--out", str(runs)], env),
                RUNS_S,
            ),
            ("run: to first model call (s)", first_call_s, FIRST_CALL_S),
        ]
        if first_call_cpu_s is not None:
            rows.append(("run: CPU until first model call (s)", first_call_cpu_s, FIRST_CALL_S))
    print(f"medians of {REPEATS} processes each, after one warm-up; load {os.getloadavg()[0]:.1f}")
    return report_figures(rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        _serve(sys.argv[2])
    else:
        sys.exit(main())
