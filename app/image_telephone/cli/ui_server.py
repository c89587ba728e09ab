"""Burr's tracker UI, unchanged, plus a route that serves run images and a script that links them.

`image-telephone ui` runs `uvicorn --factory image_telephone.cli.ui_server:create_app`. The
route serves an image by its URI (file:///… or s3://…) only when it lies under a run location
some app in the UI's tracker folder records in its metadata.json; anything else is a 404.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from image_telephone.game.tracking import RUN_LOCATION

IMAGE_ROUTE = "/image-telephone/image"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
_MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

# Turns each <pre> value that is an image URI into a link to IMAGE_ROUTE with a thumbnail; the
# text stays the URI. Re-applied whenever the single-page app re-renders.
_LINKS_SCRIPT = """<script>(() => {
  const IMAGE = /^(file:\\/\\/\\/|s3:\\/\\/)\\S+\\.(png|jpe?g|webp|gif)$/i;
  const link = (pre) => {
    const uri = pre.textContent.trim();
    const done = pre.querySelector(':scope > a.image-telephone-link');
    if (!IMAGE.test(uri) || (done && done.dataset.uri === uri)) return;
    const href = '__IMAGE_ROUTE__?uri=' + encodeURIComponent(uri);
    const a = Object.assign(document.createElement('a'), {href, target: '_blank', rel: 'noopener'});
    a.textContent = uri;
    a.className = 'image-telephone-link';
    a.dataset.uri = uri;
    a.style.textDecoration = 'underline';
    const img = Object.assign(document.createElement('img'), {src: href, alt: uri});
    img.style.cssText = 'display:block;max-height:160px;margin-top:4px';
    img.onerror = () => img.remove();  // not an image of a tracked run: the link says so
    pre.replaceChildren(a, img);
  };
  const scan = () => document.querySelectorAll('pre').forEach(link);
  new MutationObserver(scan).observe(document.documentElement,
    {childList: true, subtree: true, characterData: true});
  scan();
})();</script>""".replace("__IMAGE_ROUTE__", IMAGE_ROUTE)


def run_locations(tracker_folder: str) -> list[str]:
    """The run locations (folders or s3:// prefixes) the apps under the tracker folder record."""
    locations = []
    for metadata in Path(tracker_folder).glob("*/*/metadata.json"):
        try:
            location = json.loads(metadata.read_text(encoding="utf-8")).get(RUN_LOCATION)
        except (OSError, ValueError):
            continue  # an app Burr is still writing, or not ours
        if isinstance(location, str) and location:
            locations.append(location)
    return locations


def local_image(uri: str, locations: list[str]) -> Path | None:
    """The file a file:// image URI names, if it lies under a local run location; else None."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    path = Path(urllib.request.url2pathname(parsed.path)).resolve()
    roots = [Path(loc).resolve() for loc in locations if "://" not in loc]
    if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
        return None
    return path if any(path.is_relative_to(root) for root in roots) else None


def s3_image(uri: str, locations: list[str]) -> tuple[str, str] | None:
    """(bucket, key) of an s3:// image URI under an S3 run location; else None."""
    parsed = urllib.parse.urlparse(uri)
    key = parsed.path.lstrip("/")
    if parsed.scheme != "s3" or ".." in key.split("/") or not key.lower().endswith(IMAGE_SUFFIXES):
        return None
    inside = any(uri.startswith(loc.rstrip("/") + "/") for loc in locations if "://" in loc)
    return (parsed.netloc, key) if inside else None


class _WithImageLinks:
    """ASGI app: our image route, else Burr's app with the links script in its HTML pages."""

    def __init__(self, burr_app: Any, images: Any) -> None:
        self.burr_app, self.images = burr_app, images

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.burr_app(scope, receive, send)  # lifespan: Burr's backend starts
        elif scope["path"] == IMAGE_ROUTE:
            await self.images(scope, receive, send)
        else:
            await self.burr_app(scope, receive, _injecting(send))


def _injecting(send: Any) -> Any:
    """A send that adds the links script to an HTML response (Burr's index.html)."""
    start: dict | None = None
    body: list[bytes] = []

    async def send_with_script(message: dict) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if not headers.get(b"content-type", b"").startswith(b"text/html"):
                return await send(message)
            start = message
            return None
        if start is None or message["type"] != "http.response.body":
            return await send(message)
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return None
        html = b"".join(body).replace(b"</head>", _LINKS_SCRIPT.encode() + b"</head>", 1)
        headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(html)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": html})
        return None

    return send_with_script


def _image_endpoint(tracker_folder: str) -> Any:
    """The route's handler: the image file, a redirect to a presigned S3 URL, or a 404."""
    from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse

    async def image(request: Any) -> Any:
        uri = request.query_params.get("uri", "")
        locations = run_locations(tracker_folder)
        path = local_image(uri, locations)
        if path is not None:
            media = _MEDIA_TYPES.get(path.suffix.lower(), f"image/{path.suffix.lower()[1:]}")
            return FileResponse(path, media_type=media)
        found = s3_image(uri, locations)
        if found is None:
            return PlainTextResponse("not an image of a tracked run", status_code=404)
        from image_telephone.store.s3_store import make_s3_client

        bucket, key = found
        url = make_s3_client().generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600
        )
        return RedirectResponse(url, status_code=307)

    return image


def create_app() -> Any:
    """Burr's UI app (its local backend) wrapped with the image route and the links script."""
    os.environ.setdefault("BURR_BACKEND_IMPL", "burr.tracking.server.backend.LocalBackend")
    from burr.tracking.server import run
    from starlette.routing import Route, Router

    tracker_folder = getattr(run.backend, "path", os.path.expanduser("~/.burr"))
    images = Router([Route(IMAGE_ROUTE, _image_endpoint(tracker_folder))])
    return _WithImageLinks(run.app, images)
