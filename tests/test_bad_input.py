"""Bad input: a one-line error naming the input, a non-zero exit code, nothing lost."""

import json
import subprocess
import sys

import pytest

from .conftest import png_bytes


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


def _bad_files(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not an image")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(png_bytes(size=(300, 300))[:400])
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    return {
        "missing": (str(tmp_path / "nope.png"), "no such file"),
        "text named png": (str(text), "is not a PNG, JPEG, GIF or WEBP image"),
        "truncated": (str(truncated), "damaged or truncated"),
        "empty": (str(empty), "is empty"),
        "scheme": ("ftp://example.com/cat.png", "unsupported URL scheme"),
        "unreachable": ("http://127.0.0.1:9/cat.png", "could not be read"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "text named png", "truncated", "empty", "scheme", "unreachable"]
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
    assert "Traceback" not in done.stderr
    assert not (existing_run / "bad").exists()  # nothing half-made
    assert {p: p.read_bytes() for p in existing_run.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("turns", ["0", "-3", "two"])
def test_bad_turn_counts(turns, existing_run):
    done = _run("run", "--text", "x", "-n", turns, "--out", str(existing_run))
    assert done.returncode == 2 and "turns" in done.stderr


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "a\\b", ""])
def test_bad_run_names(name, existing_run):
    done = _run(
        "run",
        "--text",
        "x",
        "-n",
        "1",
        "--provider",
        "offline",
        "--out",
        str(existing_run),
        "--run-name",
        name,
    )
    assert done.returncode == 2
    assert "run name" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (existing_run.parent / "escape").exists()
    manifest = json.loads((existing_run / "kept" / "run.json").read_text())
    assert manifest["status"] == "complete"


def test_openai_without_key_names_the_fix(tmp_path):
    done = _run("run", "--text", "x", "-n", "1", "--provider", "openai", "--out", str(tmp_path))
    assert done.returncode == 2 and "OPENAI_API_KEY is not set" in done.stderr
    assert not any(tmp_path.iterdir())


def test_model_options_with_the_offline_provider_are_refused(tmp_path):
    done = _run(
        "run",
        "--text",
        "x",
        "-n",
        "1",
        "--provider",
        "offline",
        "--caption-model",
        "gpt-4.1-mini",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 2 and "--caption-model" in done.stderr
    assert "--provider openai" in done.stderr and not any(tmp_path.iterdir())
