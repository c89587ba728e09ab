"""Shared fixtures: no telemetry, an isolated HOME, a real OpenAI-compatible server on loopback."""

import os

os.environ["HAMILTON_TELEMETRY_ENABLED"] = "false"
os.environ["BURR_TELEMETRY_ENABLED"] = "false"

import io  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from image_telephone.testing import OpenAICompatibleServer  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """Each test gets its own HOME (so ~/.burr is private) and no OpenAI settings of the user."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "IMAGE_TELEPHONE_CAPTION_MODEL",
        "IMAGE_TELEPHONE_IMAGE_MODEL",
        "IMAGE_TELEPHONE_EMBEDDINGS_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def openai_server():
    """A fresh OpenAI-compatible server on 127.0.0.1 (its knobs at their defaults)."""
    with OpenAICompatibleServer() as server:
        yield server


def png_bytes(color=(200, 30, 30), size=(64, 48), fmt="PNG") -> bytes:
    """A small solid image encoded as fmt."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def start_image(tmp_path) -> Path:
    """A start image: a red disc on a blue background, as a PNG file."""
    image = Image.new("RGB", (256, 256), (20, 40, 160))
    from PIL import ImageDraw

    ImageDraw.Draw(image).ellipse((78, 78, 178, 178), fill=(220, 30, 30))
    path = tmp_path / "start.png"
    image.save(path)
    return path
