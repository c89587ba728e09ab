"""Running a server as a child that stops, with all its own children, when we are stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from image_telephone.cli.terminal import console

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_S = 5.0  # how long the child's group has to exit after SIGTERM, before SIGKILL
_POLL_S = 0.1


def _group_running(group: int) -> bool:
    """Whether a process of the group still runs; a zombie that nobody reaps does not count."""
    proc = Path("/proc")
    if not proc.joinpath("self").is_dir():  # no /proc: ask the kernel, zombies included
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # Under an init that does not reap (some containers), the server's orphaned children stay
    # zombies in the group for good: killpg(group, 0) would call the group alive forever.
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = entry.joinpath("stat").read_text()
        except OSError:  # it exited while we looked
            continue
        state, _parent, process_group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(process_group) == group and state not in ("Z", "X"):
            return True
    return False


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def _wait_for_group(process: subprocess.Popen, until: float, received: list[int]) -> bool:
    """Reaps the child and waits for its group to empty; False on timeout or another signal."""
    signals_before = len(received)
    while time.monotonic() < until and len(received) == signals_before:
        process.poll()
        if process.returncode is not None and not _group_running(process.pid):
            return True
        time.sleep(_POLL_S)
    return False


def _stop_group(process: subprocess.Popen, received: list[int], grace_s: float = GRACE_S) -> None:
    """SIGTERM to the child's process group; SIGKILL after grace_s or on a second signal."""
    _signal_group(process.pid, signal.SIGTERM)
    if _wait_for_group(process, time.monotonic() + grace_s, received):
        return
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()
    _wait_for_group(process, time.monotonic() + 1.0, received)


def run_until_signalled(
    command: list[str], env: Mapping[str, str] | None = None, name: str = "the server"
) -> int:
    """Runs command in its own session until it exits (its exit code) or we get SIGINT, SIGTERM
    or SIGHUP: then stops its whole process group and returns 128 + the signal's number."""
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    process: subprocess.Popen | None = None
    try:
        # Its own session: a Ctrl-C at the terminal reaches only us, and killpg reaches all of it.
        process = subprocess.Popen(command, env=env, start_new_session=True)
        while not received:
            try:
                return process.wait(timeout=_POLL_S)
            except subprocess.TimeoutExpired:
                pass
        _stop_group(process, received)
        signum = received[0]
        console.print(f"stopped {name} ({signal.Signals(signum).name})", highlight=False)
        return 128 + signum
    finally:
        if process is not None and process.returncode is None:
            _stop_group(process, received)  # an error of ours must not orphan the server
        for signum, handler in previous.items():
            signal.signal(signum, handler)
