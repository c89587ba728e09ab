"""Headless Chromium for page tests: the rendered DOM and a screenshot of a loopback URL."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=15000",
)


def chromium() -> str:
    """The chromium executable, or a skip naming how to install it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return path


def _chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        done = subprocess.run(
            [chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def rendered_dom(url: str) -> str:
    """The page's DOM after its scripts ran."""
    return _chromium("--dump-dom", url)


def screenshot(url: str, name: str) -> Path:
    """Saves a screenshot under test-artifacts/ (kept for people to look at) and returns it."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    _chromium("--window-size=1400,900", f"--screenshot={path}", url)
    assert path.stat().st_size > 5_000
    return path
