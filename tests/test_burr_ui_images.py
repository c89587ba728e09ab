"""Each image a step makes is addressed in the Burr tracker (file:///… or s3://…, never a
signature), the run's location is in the app's metadata, and `image-telephone ui` turns the
address into a link (and thumbnail) that serves the image; checked in the UI in Chromium."""

import base64
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from PIL import Image

from image_telephone import play
from image_telephone.cli.ui_server import IMAGE_ROUTE

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


def _image_link(ui: str, uri: str) -> str:
    """The link the UI's script makes of an image URI (encodeURIComponent's escaping)."""
    return f"{ui}{IMAGE_ROUTE}?uri=" + urllib.parse.quote(uri, safe="!~*'()")


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
  const link = hit.querySelector('a');
  const thumbnail = hit.querySelector('img');
  if (!link || (thumbnail && !thumbnail.complete)) return null;  // the links script not yet run
  return {
    texts: values.map(pre => pre.textContent.trim()),
    link: link.href,
    thumbnail: thumbnail && [thumbnail.src, thumbnail.naturalWidth, thumbnail.naturalHeight],
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
    image = Path(result.location) / artifact["key"]
    width, height = Image.open(image).size
    # The address is a link to the UI's image route; its thumbnail is the image, decoded.
    assert page["link"] == _image_link(burr_ui, artifact["uri"])
    assert page["thumbnail"] == [page["link"], width, height]
    served = requests.get(page["link"], timeout=10)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == image.read_bytes()

    # Only images under a tracked run's folder: no traversal, no other file.
    outside = tmp_path / "outside.png"
    outside.write_bytes(image.read_bytes())
    for uri in (
        f"{Path(result.location).as_uri()}/../../outside.png",
        f"{Path(result.location).as_uri()}/%2e%2e/%2e%2e/outside.png",
        outside.as_uri(),
        Path(result.location, "manifest.json").as_uri(),  # in the run, not an image
        "file:///etc/passwd",
        f"{Path(result.location).as_uri()}/missing.png",
    ):
        assert requests.get(_image_link(burr_ui, uri), timeout=10).status_code == 404, uri

    # The address itself opens the image too: Chromium decodes it and names its size.
    opened = rendered_dom(artifact["uri"])
    assert re.search(rf"<title>{artifact['key']} \({width}×{height}\)</title>", opened), opened

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "burr-ui-image-step.png"
    screenshot.write_bytes(shot)
    assert Image.open(screenshot).size[0] >= 1200
    print(f"\nscreenshot of the step view: {screenshot}")


def test_the_ui_serves_an_s3_runs_images_through_a_presigned_redirect(
    bucket,  # first: the UI's process inherits the moto endpoint and test credentials
    burr_ui,  # noqa: F811
    isolated_environment,
):
    name, client = bucket
    result = play(
        text="a teal square", turns=1, provider="offline", out=f"s3://{name}/runs", run_name="s3"
    )
    uri = f"{result.location}/{result.images[0]}"
    log = isolated_environment / ".burr" / "image-telephone" / "s3" / "log.jsonl"
    assert uri in log.read_text()  # the step names the image by this URI

    moved = requests.get(_image_link(burr_ui, uri), allow_redirects=False, timeout=10)
    assert moved.status_code == 307 and "Signature=" in moved.headers["location"]
    assert S3_SECRET not in moved.headers["location"]
    served = requests.get(moved.headers["location"], timeout=10)
    stored = client.get_object(Bucket=name, Key=f"runs/s3/{result.images[0]}")["Body"].read()
    assert served.status_code == 200 and served.content == stored

    client.put_object(Bucket=name, Key="elsewhere/image_000.png", Body=stored)
    for outside in (
        f"s3://{name}/elsewhere/image_000.png",
        f"{result.location}/../../elsewhere/image_000.png",
        f"s3://{name}/runs/s3-other/image_000.png",  # a prefix that only starts like the run's
    ):
        assert requests.get(_image_link(burr_ui, outside), timeout=10).status_code == 404, outside


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


# Every kind of value that might render as a link or a picture, as a step's result and as an
# attribute logged with Burr's tracer (burr.visibility.TracerFactory.log_attributes).
_IMAGE_KEY = "image_000.png"


def _value_kinds(image: Path) -> dict[str, tuple[str, str]]:
    """kind -> (the value logged, the address a link or picture made from it would carry)."""
    file_uri, http_url = image.as_uri(), f"http://127.0.0.1:9/runs/demo/{_IMAGE_KEY}"
    data_uri = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    return {
        "file_uri": (file_uri, file_uri),
        "http_url": (http_url, http_url),
        "s3_uri": (f"s3://bucket/runs/demo/{_IMAGE_KEY}", f"s3://bucket/runs/demo/{_IMAGE_KEY}"),
        "data_uri": (data_uri, data_uri),
        "markdown_image": (f"![{_IMAGE_KEY}]({file_uri})", file_uri),
        "markdown_link": (f"[{_IMAGE_KEY}]({http_url})", http_url),
        "html_img": (f'<img src="{data_uri}" alt="{_IMAGE_KEY}">', data_uri),
        "html_link": (f'<a href="{http_url}">{_IMAGE_KEY}</a>', http_url),
    }


def _log_one_step(values: dict[str, str], app_id: str) -> None:
    """One Burr step, tracked locally, whose result and attributes are the values."""
    from burr.core import ApplicationBuilder, State, action
    from burr.tracking import LocalTrackingClient

    @action(reads=[], writes=["image"])
    def paint(state: State, __tracer) -> tuple[dict, State]:
        __tracer.log_attributes(**values)
        return dict(values), state.update(image=values["file_uri"])

    app = (
        ApplicationBuilder()
        .with_actions(paint=paint)
        .with_transitions()
        .with_entrypoint("paint")
        .with_state(image=None)
        .with_tracker(LocalTrackingClient(project="image-telephone"))
        .with_identifiers(app_id=app_id)
        .build()
    )
    app.step()


# What the step view holds: the address of every link and picture, the text of every value.
_RENDERED = """(() => ({
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  images: [...document.querySelectorAll('img')].map(img => img.src),
  texts: [...document.querySelectorAll('pre, span')].map(node => node.textContent.trim()),
}))()"""


def test_the_ui_links_image_uris_and_shows_every_other_kind_of_value_as_text(
    burr_ui,  # noqa: F811
    tmp_path,
    isolated_environment,
):
    image = tmp_path / _IMAGE_KEY
    Image.new("RGB", (8, 8), (200, 30, 30)).save(image)
    kinds = _value_kinds(image)
    for kind in ("file_uri", "s3_uri"):  # our script links these to the UI's image route
        kinds[kind] = (kinds[kind][0], _image_link(burr_ui, kinds[kind][0]))
    _log_one_step({kind: value for kind, (value, _) in kinds.items()}, "ui-values")

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        with DevTools(_step_url(burr_ui, "ui-values", 0), Path(profile)) as browser:
            _wait(
                lambda: (
                    browser.evaluate(_SHOW_VALUE % json.dumps(kinds["file_uri"][0]))
                    # no tracked run holds these images: their thumbnails fail and are dropped
                    and browser.evaluate("!document.querySelector('pre img')")
                ),
                "the step view to show the values",
            )
            shown = browser.evaluate(_RENDERED)
            # The "Raw" switch shows state and result as a JSON tree instead.
            browser.evaluate("document.querySelector('[role=switch]').click()")
            time.sleep(1)
            raw = browser.evaluate(_RENDERED)
            shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])

    def how(view: dict, value: str, address: str) -> str:
        if address in view["images"]:
            return "picture"
        if address in view["links"]:
            return "link"
        if value in view["texts"]:
            return "text"
        # the raw JSON tree cuts a string after 30 characters ("…"); a click shows the rest
        return "cut text" if any(value[:30] in text for text in view["texts"]) else "absent"

    found = {
        kind: {"rendered": how(shown, value, address), "raw": how(raw, value, address)}
        for kind, (value, address) in kinds.items()
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "burr-ui-values.json").write_text(json.dumps(found, indent=2) + "\n")
    (ARTIFACTS / "burr-ui-values.png").write_bytes(shot)
    # Burr 0.43's UI writes a value's text in a <pre> (rendered) or a JSON tree (raw): only the
    # image URIs become links, by our script. If Burr renders other kinds, make the tracker use it.
    assert {kind: view["rendered"] for kind, view in found.items()} == {
        kind: "link" if kind in ("file_uri", "s3_uri") else "text" for kind in kinds
    }, found
    assert {view["raw"] for view in found.values()} == {"cut text"}, found
