"""`ui` and `explore` stop their server, and its children, when the command is stopped."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import image_telephone as it

from .s3_server import free_port

COMMAND = str(Path(sys.executable).with_name("image-telephone"))
STOP_WITHIN_S = 8  # the command's grace period (5 s) with room to spare


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """A folder with one short offline game, for the explorer to serve."""
    folder = tmp_path_factory.mktemp("runs")
    it.play(text="a red circle", turns=1, provider="offline", out=str(folder), tracker=False)
    return folder


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _descendants(pid: int) -> list[int]:
    """The pids of pid's children, their children and so on (Linux /proc)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [found for child in children for found in (int(child), *_descendants(int(child)))]


def _running(pid: int) -> bool:
    """Whether pid runs; a zombie (exited, not yet reaped by anyone) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while not _accepts(port):
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode} before serving:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"nothing listened on {port} within 90 s:\n{log.read_text()}")
        time.sleep(0.3)


SIGNALS = [
    pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, id="SIGHUP"),
    pytest.param(signal.SIGINT, 130, id="SIGINT"),
]


@pytest.mark.parametrize("server", ["ui", "explore"])
@pytest.mark.parametrize(("signum", "exit_code"), SIGNALS)
def test_a_stopped_command_leaves_no_server_behind(server, signum, exit_code, runs, tmp_path):
    port = free_port()
    arguments = [server, "--port", str(port)] + ([str(runs)] if server == "explore" else [])
    log = tmp_path / "output.log"
    with log.open("wb") as output:
        process = subprocess.Popen([COMMAND, *arguments], stdout=output, stderr=output)
    servers: list[int] = []
    try:
        _wait_until_serving(process, port, log)
        servers = _descendants(process.pid)
        assert servers, "the command started no server process"
        os.kill(process.pid, signum)
        assert process.wait(timeout=STOP_WITHIN_S) == exit_code
        assert not _accepts(port), "the server still listens after its command exited"
        assert not any(_running(pid) for pid in servers), "a server process survived"
        last_line = log.read_text().strip().splitlines()[-1]
        assert last_line.startswith("stopped the ")
        assert signal.Signals(signum).name in last_line
    finally:  # a failed test must not leave a server running on the shared machine
        servers = servers or _descendants(process.pid)
        process.kill()
        for pid in servers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
