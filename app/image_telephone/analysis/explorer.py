"""Starting the Streamlit explorer: the command line that serves explorer_app.py on loopback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from image_telephone.analysis.defaults import DEFAULT_EXPLORER_PORT
from image_telephone.errors import InputError
from image_telephone.store.listing import list_runs
from image_telephone.store.storage import open_store

RUNS_ENV = "IMAGE_TELEPHONE_RUNS"  # where the app finds runs (a folder or s3://bucket/prefix)
APP_PATH = Path(__file__).with_name("explorer_app.py")


def explorer_command(
    runs: str, port: int = DEFAULT_EXPLORER_PORT, s3_endpoint: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """The `streamlit run` command and environment that serve the explorer on 127.0.0.1."""
    store = open_store(runs, s3_endpoint)
    if not list_runs(store):
        raise InputError(
            f"{runs}: holds no runs; play one with `image-telephone run`, "
            "or give the folder the runs live in"
        )
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    environment = {**os.environ, RUNS_ENV: store.location}
    if s3_endpoint:
        environment["AWS_ENDPOINT_URL"] = s3_endpoint  # the app opens the store the same way
    return command, environment
