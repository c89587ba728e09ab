"""Each image a step makes is addressed in the Burr tracker (file:///… or s3://…, never a
signature) and the run's location is in the app's metadata; checked in the UI in Chromium."""

import base64
import json
import re
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import pytest
from PIL import Image

from image_telephone import play

from .browser import ARTIFACTS, rendered_dom
from .conftest import S3_SECRET
from .test_analysis_browser import DevTools, _wait
from .test_burr_ui import burr_ui  # noqa: F401  (the UI on a free port, reading this HOME)

pytestmark = pytest.mark.browser

PAINTERS = {"ingest", "paint_start", "generate"}  # the actions that make an image


def _steps(log: list[dict]) -> list[dict]:
    return [entry for entry in log if entry["type"] == "end_entry"]


def _image_records(log: list[dict]) -> dict[int, dict]:
    """The serialized image artifact of each painting step, by sequence id."""
    images = {}
    for step in _steps(log):
        if step["action"] in PAINTERS:
            (artifact,) = step["result"]["artifacts"]
            images[step["sequence_id"]] = artifact
    return images


def _step_url(ui: str, app_id: str, sequence_id: int) -> str:
    location = {"appId": app_id, "partitionKey": None, "sequenceId": sequence_id}
    query = urllib.parse.urlencode({"sequence_location": json.dumps(location)})
    return f"{ui}/project/image-telephone/null/{app_id}?{query}"


# The text of every <pre> value the step's data panel shows, once it shows `wanted`; the value
# is scrolled into view so the screenshot shows it.
_SHOW_VALUE = """((wanted) => {
  const values = [...document.querySelectorAll('pre')];
  const hit = values.find(pre => pre.textContent.trim() === wanted);
  if (!hit) return null;
  hit.scrollIntoView({block: 'center'});
  return {
    texts: values.map(pre => pre.textContent.trim()),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    images: [...document.querySelectorAll('img')].map(img => img.getAttribute('src')),
  };
})(%s)"""


def test_each_painted_image_is_addressed_in_the_burr_ui_and_opens(
    burr_ui,  # noqa: F811
    tmp_path,
    isolated_environment,
):
    result = play(
        text="a red circle on a blue background",
        turns=2,
        provider="offline",
        out=str(tmp_path / "runs"),
        run_name="ui-images",
    )
    app_folder = isolated_environment / ".burr" / "image-telephone" / "ui-images"
    metadata = json.loads((app_folder / "metadata.json").read_text())
    assert metadata["run_location"] == result.location == str(tmp_path / "runs" / "ui-images")
    log = [json.loads(line) for line in (app_folder / "log.jsonl").read_text().splitlines()]
    images = _image_records(log)
    assert sorted(artifact["key"] for artifact in images.values()) == result.images
    for artifact in images.values():
        path = Path(result.location) / artifact["key"]
        assert artifact["uri"] == path.as_uri()
        assert artifact["bytes"] == path.stat().st_size
    for step in _steps(log):  # the state names images by key: no bytes, no data: URIs
        assert len(json.dumps(step["state"])) < 20_000 and "data:" not in json.dumps(step)

    sequence_id, artifact = max(images.items())  # the last painting, image_001.png
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        with DevTools(_step_url(burr_ui, "ui-images", sequence_id), Path(profile)) as browser:
            page = _wait(
                lambda: browser.evaluate(_SHOW_VALUE % json.dumps(artifact["uri"])),
                f"the step view to show {artifact['uri']}",
            )
            shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    assert artifact["key"] in page["texts"] and artifact["sha256"] in page["texts"]
    # Burr's UI shows values as text: the address is there, not a link or a picture.
    assert artifact["uri"] not in page["links"] + page["images"]

    # The address opens the image: Chromium decodes it and names its size.
    opened = rendered_dom(artifact["uri"])
    width, height = Image.open(Path(result.location) / artifact["key"]).size
    assert re.search(rf"<title>{artifact['key']} \({width}×{height}\)</title>", opened), opened

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "burr-ui-image-step.png"
    screenshot.write_bytes(shot)
    assert Image.open(screenshot).size[0] >= 1200
    print(f"\nscreenshot of the step view: {screenshot}")


def test_the_s3_tracker_records_s3_uris_and_the_run_location(bucket, tmp_path):
    name, client = bucket
    # A process of its own: Burr's S3 tracker flushes its last events when the program ends.
    done = subprocess.run(
        [
            sys.executable, "-m", "image_telephone.cli", "run", "--text", "a teal square",
            "-n", "1", "--provider", "offline", "--out", f"s3://{name}/runs",
            "--run-name", "tracked", "--track-to", f"s3://{name}", "--project", "telephone-s3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = client.list_objects_v2(Bucket=name, Prefix="data/telephone-s3/")["Contents"]
    keys = [item["Key"] for item in listed]
    (metadata_key,) = [key for key in keys if key.endswith("/tracked/metadata.json")]
    metadata = json.loads(client.get_object(Bucket=name, Key=metadata_key)["Body"].read())
    assert metadata["run_location"] == f"s3://{name}/runs/tracked"
    logs = [key for key in keys if "/tracked/" in key and key.endswith(".jsonl")]
    events = [
        json.loads(line)
        for key in logs
        for line in client.get_object(Bucket=name, Key=key)["Body"].read().splitlines()
    ]
    images = _image_records(events)
    assert [artifact["uri"] for artifact in images.values()] == [
        f"s3://{name}/runs/tracked/image_000.png"
    ]
    text = json.dumps(events)
    assert S3_SECRET not in text and "Signature" not in text and "X-Amz" not in text
