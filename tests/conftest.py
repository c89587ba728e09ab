"""Shared fixtures: no telemetry, an isolated HOME, a real OpenAI-compatible server on loopback."""

import os

os.environ["HAMILTON_TELEMETRY_ENABLED"] = "false"
os.environ["BURR_TELEMETRY_ENABLED"] = "false"

import io  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import boto3  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from image_telephone.testing import OpenAICompatibleServer  # noqa: E402

from .s3_server import MotoServer  # noqa: E402

# The S3 secret of the tests: it must never show up in an artifact, log or report.
S3_SECRET = "s3-secret-never-logged"


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
        "IMAGE_TELEPHONE_MAX_RETRIES",
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


@pytest.fixture(scope="session")
def moto():
    """One moto_server on 127.0.0.1 for the whole session."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def bucket(moto, monkeypatch):
    """A fresh bucket; the environment points boto3 at moto with test credentials."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"telephone-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto.endpoint)
    client.create_bucket(Bucket=name)
    return name, client
