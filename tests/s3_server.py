"""A real S3 endpoint for tests: moto_server on a free 127.0.0.1 port, in its own process."""

import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoServer:
    """moto_server as a subprocess; .endpoint is its http://127.0.0.1:PORT URL."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "MotoServer":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "moto_server exited at once; install the test extra (moto[server])"
                )
            try:
                requests.get(f"{self.endpoint}/moto-api/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("moto_server did not start within 30 s")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def require_credentials(self, required: bool) -> None:
        """Turns moto's IAM authentication on (unknown keys are refused) or off."""
        count = "0" if required else "inf"
        requests.post(f"{self.endpoint}/moto-api/reset-auth", data=count, timeout=5)
