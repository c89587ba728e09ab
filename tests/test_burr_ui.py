"""The Burr tracker UI, started by `image-telephone ui`, shows our runs in a real browser."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from image_telephone import play

from .browser import chromium, rendered_dom, screenshot
from .s3_server import free_port


@pytest.fixture
def burr_ui(isolated_environment):
    """The UI on 127.0.0.1 reading this test's ~/.burr."""
    chromium()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "image_telephone.cli", "ui", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/ready", timeout=1).ok:
                    break
            except requests.RequestException:  # refused or slow while starting
                time.sleep(0.3)
        else:
            pytest.fail("the Burr UI did not start within 60 s")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def test_run_and_its_steps_appear_in_the_burr_ui(burr_ui, tmp_path, isolated_environment):
    play(
        text="a red circle on a blue background",
        turns=3,
        provider="offline",
        out=str(tmp_path),
        run_name="ui-visible",
    )
    log = isolated_environment / ".burr" / "image-telephone" / "ui-visible" / "log.jsonl"
    steps = sum(json.loads(line)["type"] == "end_entry" for line in log.read_text().splitlines())
    assert steps == 10  # 3 × (generate, caption, analyze) + terminal

    page = f"{burr_ui}/project/image-telephone"
    text = re.sub(r"<[^>]+>", " ", rendered_dom(page))
    # The row: app id, last run ("November 22, 2026 at 1:37:29 AM"), then the step count.
    row = re.search(r"ui-visible\s+\w+ \d+, \d{4} at [\d:]+ [AP]M\s+(\d+)\s", text)
    assert row is not None, text[:2000]
    assert int(row.group(1)) == steps
    screenshot(page, "burr-ui-project.png")


def test_each_step_logs_its_hamilton_nodes_as_spans(tmp_path, isolated_environment):
    play(text="a green triangle", turns=2, provider="offline", out=str(tmp_path), run_name="spans")
    log = isolated_environment / ".burr" / "image-telephone" / "spans" / "log.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    steps = {e["sequence_id"]: e["action"] for e in entries if e["type"] == "end_entry"}
    spans: dict[str, set[str]] = {}
    for entry in entries:
        if entry["type"] == "begin_span":
            spans.setdefault(steps[entry["action_sequence_id"]], set()).add(entry["span_name"])
    assert spans["caption"] == {"fitted_image", "caption_completion"}  # bytes come from the store
    assert spans["analyze"] == {"caption_embeddings", "metadata"}  # the model is not re-asked
    assert spans["generate"] == {"image_generation", "metadata"}
    begins = [e["span_id"] for e in entries if e["type"] == "begin_span"]
    assert sorted(begins) == sorted(e["span_id"] for e in entries if e["type"] == "end_span")
