"""Bad input: a one-line error naming the input, a non-zero exit code, nothing lost."""

import base64
import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from image_telephone.cli import main
from image_telephone.dataflows.caption_images import fitted_image
from image_telephone.images import MAX_IMAGE_PIXELS

from .conftest import png_bytes

RED, GREEN, BLUE = (220, 30, 30), (30, 200, 30), (30, 30, 220)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "image_telephone.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def existing_run(tmp_path_factory):
    """A finished run that no bad invocation may touch."""
    out = tmp_path_factory.mktemp("existing") / "runs"
    done = _run(
        "run",
        "--text",
        "a red circle",
        "-n",
        "2",
        "--provider",
        "offline",
        "--out",
        str(out),
        "--run-name",
        "kept",
        "--no-tracker",
    )
    assert done.returncode == 0, done.stderr
    return out


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bilevel_png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A black 1-bit PNG compressed row by row (20000x20000 is 48 KB), or with the given IDAT."""
    if pixels is None:
        packer = zlib.compressobj(9)
        row = bytes(1 + (width + 7) // 8)
        pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def _bad_files(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not an image")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(png_bytes(size=(300, 300))[:400])
    truncated_jpeg = tmp_path / "truncated.jpg"
    jpeg = png_bytes(size=(300, 300), fmt="JPEG")
    truncated_jpeg.write_bytes(jpeg[: len(jpeg) // 2])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.png"
    huge.write_bytes(_bilevel_png(20_000, 20_000))
    # Just over the limit, with pixel data that would fail to decode: refused from the header.
    over = tmp_path / "over.png"
    over.write_bytes(_bilevel_png(10_000, MAX_IMAGE_PIXELS // 10_000 + 1, pixels=b"garbage"))
    limit = f"over the {MAX_IMAGE_PIXELS // 1_000_000}-megapixel limit"
    signed = "http://127.0.0.1:9/" + "album/" * 60 + "cat.png?X-Amz-Signature=" + "f" * 300
    not_image = base64.b64encode(b"not an image " * 500).decode()
    return {
        "missing": (str(tmp_path / "nope.png"), "no such file"),
        "text named png": (str(text), "is not a PNG, JPEG, GIF or WEBP image"),
        "truncated": (str(truncated), "damaged or truncated"),
        "truncated jpeg": (str(truncated_jpeg), "damaged or truncated image/jpeg"),
        "empty": (str(empty), "is empty"),
        "scheme": ("ftp://example.com/cat.png", "unsupported URL scheme"),
        "unreachable": ("http://127.0.0.1:9/cat.png", "could not be read (connection refused)"),
        "long signed url": (signed, "could not be read"),
        "long data uri": (f"data:text/plain;base64,{not_image}", "is not a PNG, JPEG"),
        "20000x20000": (str(huge), limit),
        "over the limit": (str(over), f"is 10000x{MAX_IMAGE_PIXELS // 10_000 + 1} pixels, {limit}"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "text named png",
        "truncated",
        "truncated jpeg",
        "empty",
        "scheme",
        "unreachable",
        "long signed url",
        "long data uri",
        "20000x20000",
        "over the limit",
    ],
)
def test_bad_start_images(case, tmp_path, existing_run):
    before = {p: p.read_bytes() for p in existing_run.rglob("*") if p.is_file()}
    image, message = _bad_files(tmp_path)[case]
    done = _run(
        "run",
        image,
        "-n",
        "3",
        "--provider",
        "offline",
        "--out",
        str(existing_run),
        "--run-name",
        "bad",
        "--no-tracker",
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], done.stderr
    assert len(lines[0]) <= 200 and "fff" not in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert not (existing_run / "bad").exists()  # nothing half-made
    assert {p: p.read_bytes() for p in existing_run.rglob("*") if p.is_file()} == before


def _disc(mode: str) -> Image.Image:
    """A red disc on blue in the given mode."""
    image = Image.new("RGB", (96, 64), BLUE)
    image.paste(RED, (32, 16, 64, 48))
    return image.convert(mode)


def _save_frames(path: Path) -> None:
    frames = [Image.new("RGB", (96, 64), colour) for colour in (RED, GREEN, BLUE)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)


def _save_sixteen_bit(path: Path) -> None:
    Image.fromarray(np.linspace(0, 65535, 96 * 64).reshape(64, 96).astype(np.uint16)).save(path)


def _save_translucent(mode: str, path: Path) -> None:
    image = _disc(mode)
    image.putalpha(128)
    image.save(path)


# kind: (file name, writer, the stored PNG's mode, what it must have kept)
START_IMAGES = {
    "CMYK JPEG": ("start.jpg", lambda path: _disc("CMYK").save(path), "RGB", "red disc"),
    "16-bit grey PNG": ("start.png", _save_sixteen_bit, "I;16", "16 bits"),
    "palette PNG with transparency": (
        "start.png",
        lambda path: _disc("P").save(path, transparency=0),
        "P",
        "transparency",
    ),
    "RGBA PNG": ("start.png", lambda path: _save_translucent("RGBA", path), "RGBA", "alpha"),
    "grey and alpha PNG": ("start.png", lambda path: _save_translucent("LA", path), "LA", "alpha"),
    "1-bit PNG": ("start.png", lambda path: _disc("1").save(path), "1", "two levels"),
    "animated GIF": ("start.gif", _save_frames, "P", "red first frame"),
    "animated WEBP": ("start.webp", _save_frames, None, "red first frame"),
    "animated PNG": ("start.png", _save_frames, "RGB", "red first frame"),
}


def _is_red(rgb: tuple) -> bool:
    return rgb[0] > 150 and rgb[1] < 100 and rgb[2] < 100


@pytest.mark.parametrize("kind", list(START_IMAGES))
def test_any_image_pillow_opens_starts_a_game(kind, tmp_path):
    name, write, mode, kept = START_IMAGES[kind]
    write(tmp_path / name)
    out = tmp_path / "runs"
    args = ["run", str(tmp_path / name), "-n", "1", "--provider", "offline", "--no-tracker"]
    assert main([*args, "--out", str(out)]) == 0
    (run,) = out.iterdir()
    assert json.loads((run / "metadata_000.json").read_text())["generated_caption"]
    with Image.open(run / "image_000.png") as stored:
        assert stored.format == "PNG" and not getattr(stored, "is_animated", False)
        assert stored.mode == mode or mode is None
        if kept == "red disc":
            assert _is_red(stored.getpixel((48, 32))) and not _is_red(stored.getpixel((4, 4)))
        elif kept == "16 bits":
            assert stored.getextrema() == (0, 65535)
        elif kept == "transparency":
            assert stored.info["transparency"] == 0
        elif kept == "alpha":
            assert stored.getchannel("A").getextrema() == (128, 128)
        elif kept == "two levels":
            assert {colour for _, colour in stored.getcolors()} == {0, 255}
        else:
            assert _is_red(stored.convert("RGB").getpixel((48, 32)))


@pytest.mark.parametrize(
    ("kind", "mime", "sent", "shrunk"),
    [
        ("CMYK JPEG", "image/jpeg", ("JPEG", "RGB"), ("JPEG", "RGB")),
        ("16-bit grey PNG", "image/png", ("PNG", "L"), ("PNG", "L")),
        ("animated GIF", "image/gif", ("PNG", "RGB"), ("PNG", "RGB")),
        ("palette PNG with transparency", "image/png", None, ("PNG", "RGBA")),
    ],
)
def test_models_get_a_plain_first_frame(kind, mime, sent, shrunk, tmp_path):
    name, write, _, _ = START_IMAGES[kind]
    write(tmp_path / name)
    data = (tmp_path / name).read_bytes()
    fitted = fitted_image(data, mime, name, max_image_side=2048)
    if sent is None:  # small, and in a mode every model reads: sent as it is
        assert fitted == data
    else:
        with Image.open(io.BytesIO(fitted)) as image:
            assert (image.format, image.mode) == sent
            assert not getattr(image, "is_animated", False)
            if kind == "16-bit grey PNG":  # scaled to 8 bits, not clipped to white
                assert image.getextrema() == (0, 255) and image.getpixel((48, 32)) < 200
    with Image.open(io.BytesIO(fitted_image(data, mime, name, max_image_side=32))) as small:
        assert (small.format, small.mode) == shrunk and max(small.size) == 32
