"""Whole, well-formed replies or a transport error: a reply whose body is cut, reset or not the
JSON asked for fails where the retry loops look (the openai client's for games and titling, the
tournament transport's), so it is retried like a dropped connection and, after the retries,
reported as one (openai.APIConnectionError, whose __cause__ says what was wrong)."""

from __future__ import annotations

import json

import httpx2

# openai's header: "stream" when the caller reads the body as a stream; leave that body alone.
_RAW_RESPONSE = "X-Stainless-Raw-Response"


class MalformedReply(httpx2.RemoteProtocolError):
    """A 2xx reply to a request for JSON whose body does not parse as JSON."""


def check_reply(request: httpx2.Request, response: httpx2.Response) -> None:
    """Reads the reply whole, so a cut or reset body fails now (RemoteProtocolError, ReadError,
    ReadTimeout); raises MalformedReply when a 2xx reply to a JSON request is not JSON."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if request.headers.get(_RAW_RESPONSE) == "stream" or content_type == "text/event-stream":
        return
    try:
        response.read()
    except BaseException:
        response.close()
        raise
    wants_json = "json" in request.headers.get("accept", "")
    if not wants_json or not 200 <= response.status_code < 300 or response.status_code == 204:
        return
    try:
        json.loads(response.content)
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        size = len(response.content)
        message = f"HTTP {response.status_code} reply whose body is not JSON ({size} bytes)"
        raise MalformedReply(message, request=request) from None


def check_reply_hook(response: httpx2.Response) -> None:
    """check_reply as an httpx2 response event hook (its request is set by then)."""
    check_reply(response.request, response)
