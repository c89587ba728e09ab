"""A local HTTP server that speaks the OpenAI wire format, for tests and benchmarks."""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import hashlib
import io
import json
import math
import random
import secrets
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from .faults import Failure, check_failure
from .loopback import LoopbackServer, RecordedRequest, Reply

__all__ = ["OpenAICompatibleServer", "RecordedRequest", "Reply"]

# Not an OpenAI endpoint: lets a client in another process read what the server spent.
STATS_PATH = "/_stats"
MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-5",
    "o4-mini",
    "gpt-image-1",
    "dall-e-3",
    "dall-e-2",
    "text-embedding-3-small",
    "text-embedding-3-large",
)
REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")
IMAGE_SIZES = (
    "256x256",
    "512x512",
    "1024x1024",
    "1024x1536",
    "1536x1024",
    "1792x1024",
    "1024x1792",
    "auto",
)
MIME_ALIASES = {"image/jpg": "image/jpeg"}
COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (200, 30, 30),
    "orange": (240, 140, 20),
    "yellow": (240, 220, 40),
    "green": (40, 170, 60),
    "cyan": (40, 200, 210),
    "blue": (40, 70, 200),
    "purple": (130, 50, 170),
    "pink": (240, 150, 190),
    "brown": (120, 75, 40),
}
PHRASES = (
    "softly lit",
    "in a calm composition",
    "seen from a distance",
    "with gentle shadows",
    "in an open space",
    "with a quiet mood",
)
ADJECTIVES = ("small", "bright", "quiet", "old", "distant", "curious", "gentle", "tall")
NOUNS = ("lighthouse", "garden", "river", "fox", "city", "mountain", "kite", "library")


class ApiError(Exception):
    """An HTTP error answered in OpenAI's error JSON shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body the real API sends for this error."""
        if self.status == 429:
            kind = "requests"
        elif self.status >= 500:
            kind = "server_error"
        else:
            kind = "invalid_request_error"
        error = {"message": self.message, "type": kind, "param": self.param, "code": self.code}
        return {"error": error}


def _simulated_failure(status: int, headers: dict[str, str]) -> ApiError:
    """An injected failure with the message and code the real API uses for that status."""
    if status == 429:
        return ApiError(
            429, "Rate limit reached for requests.", "rate_limit_exceeded", None, headers
        )
    if status == 503:
        return ApiError(503, "The server is overloaded or not ready yet.", None, None, headers)
    message = "The server had an error while processing your request. Sorry about that!"
    return ApiError(status, message, None, None, headers)


def _parse_form(raw: bytes, content_type: str) -> dict[str, Any]:
    """A multipart/form-data body as a dict; files become {"mime", "bytes"} descriptions."""
    header = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
    if not message.is_multipart():
        raise ApiError(400, "Could not parse the multipart form body of your request.")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            fields[name] = {"mime": _sniff_mime(data), "bytes": len(data)}
        else:
            fields[name] = data.decode("utf-8")
    return fields


def _require(body: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """Return body[name], or raise the real API's 400 when it is missing or mistyped."""
    value = body.get(name)
    if value is None:
        message = f"Missing required parameter: '{name}'."
        raise ApiError(400, message, "missing_required_parameter", name)
    if not isinstance(value, kind):
        raise ApiError(400, f"Invalid type for '{name}'.", "invalid_type", name)
    return value


def _int_param(body: dict[str, Any], name: str, default: int, low: int, high: int | None) -> int:
    """Return an optional integer parameter, checked against its allowed range."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(
            400, f"Invalid type for '{name}': expected an integer.", "invalid_type", name
        )
    if value < low or (high is not None and value > high):
        limits = f"at least {low}" + (f" and at most {high}" if high is not None else "")
        raise ApiError(400, f"Invalid '{name}': must be {limits}.", "invalid_value", name)
    return value


def _sniff_mime(data: bytes) -> str | None:
    """The image MIME type given by the data's magic number, if it is PNG, JPEG, GIF or WEBP."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _decode_data_uri(url: str, param: str) -> bytes:
    """Decode an image data URI whose declared MIME type matches its bytes."""
    header, comma, payload = url.partition(",")
    if not (comma and header.startswith("data:") and header.endswith(";base64")):
        message = f"Invalid '{param}': expected a base64 data URI or an http(s) URL."
        raise ApiError(400, message, "invalid_image_url", param)
    declared = header[len("data:") : -len(";base64")].lower()
    try:
        data = base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        message = f"Invalid image: the base64 data in '{param}' could not be decoded."
        raise ApiError(400, message, "invalid_image_url", param) from exc
    actual = _sniff_mime(data)
    if actual is None:
        message = "Invalid image: unsupported image format; expected PNG, JPEG, GIF or WEBP."
        raise ApiError(400, message, "invalid_image_format", param)
    if MIME_ALIASES.get(declared, declared) != actual:
        message = f"Invalid image: MIME type {declared} does not match the image data."
        raise ApiError(400, message, "invalid_image_format", param)
    return data


def _describe_image(data: bytes, param: str) -> str:
    """Name the image's dominant colour and its size, e.g. 'a picture of red tones, 8x8 pixels'."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            mean = image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    except OSError as exc:
        raise ApiError(
            400, "Invalid image: the image data could not be read.", None, param
        ) from exc
    colour = min(COLOURS, key=lambda name: math.dist(COLOURS[name], mean))
    return f"a picture of {colour} tones, {width}x{height} pixels"


def _digest(*parts: object) -> bytes:
    """A stable hash of the given values."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).digest()


def _draw_png(prompt: str, index: int, width: int, height: int) -> bytes:
    """A cheap PNG of the given size: a colour from the prompt's hash with a rectangle on it
    (a two-colour palette image, a third of the bytes of RGB to compress)."""
    seed = _digest(prompt, index)
    image = Image.new("P", (width, height), 0)
    image.putpalette(seed[0:6])
    box = (width // 4, height // 4, 3 * width // 4, 3 * height // 4)
    ImageDraw.Draw(image).rectangle(box, fill=1)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _embed(item: str | list[int], dimensions: int) -> np.ndarray:
    """A unit vector (float32, as the API sends) derived from a hash of the input."""
    rng = np.random.default_rng(int.from_bytes(_digest(item)[:8], "little"))
    vector = rng.standard_normal(dimensions, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _json(value: Any) -> bytes:
    """The value as a JSON body."""
    return json.dumps(value).encode()


def _word_count(text: str) -> int:
    """A stand-in for a token count."""
    return len(text.split())


class OpenAICompatibleServer(LoopbackServer):
    """An OpenAI-compatible server on 127.0.0.1 with knobs for latency and failures.

    A failure (in ``script`` entries, ``failure_statuses`` and ``fail_status``) is an HTTP error
    status or one of faults.FAULTS: "malformed", "truncated", "reset", "slow" (``slow_s`` late).
    """

    thread_name = "openai-test-server"

    def __init__(
        self,
        delay_s: float = 0.0,
        seed: int = 0,
        *,
        port: int = 0,
        fail_after: int | None = None,
        fail_status: Failure = 503,
        script: list[tuple[Failure, dict[str, str]]] | None = None,
        failure_rate: float = 0.0,
        failure_statuses: tuple[Failure, ...] = (429, 500),
        retry_after: str = "0",
        slow_s: float = 5.0,
        always_fail_models: set[str] | None = None,
        missing_models: set[str] | None = None,
        reasoning_models: set[str] | None = None,
        url_reads: int = 1,
        sampled_captions: bool = False,
        always_fail_inputs: set[str] | None = None,
        refuse_image_prompts_containing: list[str] | None = None,
    ) -> None:
        super().__init__(port)
        self.delay_s = delay_s
        self.fail_after = fail_after
        self.fail_status = check_failure(fail_status)
        self.script = [(check_failure(failure), headers) for failure, headers in script or []]
        self.failure_rate = failure_rate
        self.failure_statuses = tuple(map(check_failure, failure_statuses))
        self.retry_after = retry_after
        self.slow_s = slow_s
        self.always_fail_models = set(always_fail_models or ())
        self.missing_models = set(missing_models or ())  # answered 404 model_not_found
        # Models that behave like the reasoning families though their names do not say so.
        self.reasoning_models = set(reasoning_models or ())
        self.url_reads = url_reads  # how many times an image URL answers before it expires
        self._reads: dict[str, int] = {}
        # Like a model sampling at temperature > 0: the same image gets another caption each time.
        self.sampled_captions = sampled_captions
        self.always_fail_inputs = set(always_fail_inputs or ())  # embeddings inputs: 500
        self.refuse_image_prompts_containing = list(refuse_image_prompts_containing or [])
        self._rng = random.Random(seed)
        self._successes = 0
        self._files: dict[str, bytes] = {}
        self._endpoints: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/v1/chat/completions": self._chat_completions,
            "/v1/images/generations": self._images_generations,
            "/v1/images/edits": self._images_edits,
            "/v1/embeddings": self._embeddings,
        }

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client as base_url."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def handling_seconds(self) -> float:
        """Total seconds spent answering requests, artificial delay included."""
        return sum(request.handling_seconds for request in self.requests)

    def calls(self, path_suffix: str) -> int:
        """How many requests had a path ending with path_suffix, e.g. 'chat/completions'."""
        return sum(request.path.endswith(path_suffix) for request in self.requests)

    def reset(self) -> None:
        """Forget recorded requests, the script and the success count that fail_after uses."""
        with self._lock:
            self._requests.clear()
            self.script.clear()
            self._successes = 0

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """The reply to one request."""
        body, fault = None, None
        try:
            if method == "GET" and path.startswith("/files/"):
                return Reply(200, {"content-type": "image/png"}, self._take_file(path), None)
            if (method, path) == ("GET", STATS_PATH):
                stats = {"requests": len(self.requests), "handling_seconds": self.handling_seconds}
                return Reply(200, {"content-type": "application/json"}, _json(stats), None)
            scheme, _, key = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                message = "You didn't provide an API key. Use an 'Authorization: Bearer' header."
                raise ApiError(401, message, "invalid_api_key")
            endpoint = self._endpoints.get(path) if method == "POST" else None
            if (method, path) == ("GET", "/v1/models"):
                result = self._models()
            elif endpoint is None:
                raise ApiError(404, f"Invalid URL ({method} {path})")
            else:
                content_type = headers.get("content-type", "")
                is_form = content_type.startswith("multipart/form-data")
                body = _parse_form(raw, content_type) if is_form else self._parse(raw)
                result, fault = self._model_call(endpoint, body)
            payload = _json(result)
            if fault == "malformed":
                payload = payload[: len(payload) // 2]
            return Reply(200, {"content-type": "application/json"}, payload, body, fault)
        except Exception as exc:
            error = exc if isinstance(exc, ApiError) else ApiError(500, f"Test server bug: {exc!r}")
            reply_headers = {"content-type": "application/json", **error.headers}
            return Reply(error.status, reply_headers, _json(error.body()), body)

    def _parse(self, raw: bytes) -> dict[str, Any]:
        """The JSON object in the request body."""
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            message = "We could not parse the JSON body of your request. Send a JSON object."
            raise ApiError(400, message)
        return body

    def _model_call(
        self, endpoint: Callable[[dict[str, Any]], dict[str, Any]], body: dict[str, Any]
    ) -> tuple[dict[str, Any], str | None]:
        """Apply the delay and failure knobs, then answer with the endpoint: (result, the fault
        to inject while sending it, or None). An injected HTTP error status is raised."""
        time.sleep(self.delay_s)
        with self._lock:
            scripted = self.script.pop(0) if self.script else None
            exhausted = self.fail_after is not None and self._successes >= self.fail_after
            unlucky = self.failure_rate > 0 and self._rng.random() < self.failure_rate
            drawn = self._rng.choice(self.failure_statuses) if unlucky else None
        if scripted is not None:
            failure, headers = scripted
        elif exhausted:
            failure, headers = self.fail_status, {}
        elif body.get("model") in self.always_fail_models or self._fails_input(body):
            failure, headers = 500, {}
        elif body.get("model") in self.missing_models:
            message = f"The model `{body['model']}` does not exist or you do not have access to it."
            raise ApiError(404, message, "model_not_found", "model")
        else:
            failure, headers = drawn, {"retry-after": self.retry_after} if drawn == 429 else {}
        if isinstance(failure, int):
            raise _simulated_failure(failure, headers)
        if failure == "slow":
            time.sleep(self.slow_s)
        result = endpoint(body)
        if failure is None:
            with self._lock:
                self._successes += 1
        return result, failure

    def _fails_input(self, body: dict[str, Any]) -> bool:
        """Whether one of the request's embeddings inputs is in always_fail_inputs."""
        given = body.get("input")
        items = [given] if isinstance(given, str) else given if isinstance(given, list) else []
        return any(isinstance(item, str) and item in self.always_fail_inputs for item in items)

    def _take_file(self, path: str) -> bytes:
        """Serve a generated image url_reads times, then forget it, like an expiring URL."""
        name = path.removeprefix("/files/").removesuffix(".png")
        with self._lock:
            data = self._files.get(name)
            self._reads[name] = self._reads.get(name, 0) + 1
            if self._reads[name] >= self.url_reads:
                self._files.pop(name, None)
        if data is None:
            raise ApiError(404, "The file does not exist or its URL has expired.")
        return data

    def _models(self) -> dict[str, Any]:
        """The model list."""
        data = [
            {"id": m, "object": "model", "created": 1700000000, "owned_by": "system"}
            for m in MODELS
        ]
        return {"object": "list", "data": data}

    def _chat_completions(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer a chat completion with text derived from the request."""
        model = _require(body, "model", str)
        messages = _require(body, "messages", list)
        if not messages:
            raise ApiError(400, "Invalid 'messages': empty array.", "empty_array", "messages")
        if model.startswith(REASONING_PREFIXES) or model in self.reasoning_models:
            if body.get("max_tokens") is not None:
                message = (
                    "Unsupported parameter: 'max_tokens' is not supported with this model. "
                    "Use 'max_completion_tokens' instead."
                )
                raise ApiError(400, message, "unsupported_parameter", "max_tokens")
            temperature = body.get("temperature")
            if temperature is not None and temperature != 1:
                message = (
                    f"Unsupported value: 'temperature' does not support {temperature} with this "
                    "model. Only the default (1) value is supported."
                )
                raise ApiError(400, message, "unsupported_value", "temperature")
        stop = body.get("stop")
        stops = [stop] if isinstance(stop, str) else stop or []
        if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
            message = "Invalid type for 'stop': expected a string or an array of strings."
            raise ApiError(400, message, "invalid_type", "stop")
        if len(stops) > 4:
            message = f"Invalid 'stop': array too long. Expected at most 4, got {len(stops)}."
            raise ApiError(400, message, "array_above_max_length", "stop")
        n = _int_param(body, "n", 1, 1, 8)
        limit_name = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        limit = _int_param(body, limit_name, 0, 1, None)  # 0: no limit
        texts, descriptions = self._read_messages(messages)
        seed = _digest(texts, descriptions)
        choices = []
        for index in range(n):
            if descriptions:
                phrase = PHRASES[(seed[0] + index) % len(PHRASES)]
                if self.sampled_captions:
                    phrase = f"{secrets.choice(PHRASES)}, take {secrets.token_hex(3)}"
                text = f"{'; '.join(descriptions)}, {phrase}."
            else:
                words = _digest(texts, index)
                adjective, noun = ADJECTIVES[words[0] % 8], NOUNS[words[1] % 8]
                text = f"A {adjective} {noun} {PHRASES[words[2] % len(PHRASES)]}."
            cuts = [text.find(s) for s in stops if s and s in text]
            text = text[: min(cuts)] if cuts else text
            finish = "stop"
            if limit and _word_count(text) > limit:
                text, finish = " ".join(text.split()[:limit]), "length"
            message = {"role": "assistant", "content": text, "refusal": None}
            choices.append(
                {"index": index, "message": message, "logprobs": None, "finish_reason": finish}
            )
        prompt_tokens = sum(map(_word_count, texts)) + 85 * len(descriptions)
        completion_tokens = sum(_word_count(c["message"]["content"]) for c in choices)
        return {
            "id": f"chatcmpl-{secrets.token_hex(12)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_test",
        }

    def _read_messages(self, messages: list[Any]) -> tuple[list[str], list[str]]:
        """The text parts and descriptions of the image parts of the messages."""
        texts: list[str] = []
        descriptions: list[str] = []
        for i, entry in enumerate(messages):
            content = entry.get("content") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or "role" not in entry:
                message = f"Invalid 'messages.[{i}]': expected an object with a 'role'."
                raise ApiError(400, message, "invalid_value", f"messages.[{i}]")
            if not isinstance(content, str | list | None):
                message = f"Invalid 'messages.[{i}].content': expected a string or an array."
                raise ApiError(400, message, "invalid_type", f"messages.[{i}].content")
            parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
            for j, part in enumerate(parts or []):
                param = f"messages.[{i}].content.[{j}]"
                kind = part.get("type") if isinstance(part, dict) else None
                if kind == "text":
                    texts.append(str(part.get("text", "")))
                elif kind == "image_url":
                    image_url = part.get("image_url")
                    url = image_url.get("url") if isinstance(image_url, dict) else None
                    if not isinstance(url, str):
                        message = f"Missing required parameter: '{param}.image_url.url'."
                        raise ApiError(400, message, "missing_required_parameter", param)
                    if not url.startswith(("http://", "https://")):
                        data = _decode_data_uri(url, f"{param}.image_url.url")
                        descriptions.append(_describe_image(data, param))
                else:
                    raise ApiError(400, f"Invalid content part type in '{param}'.", None, param)
        return texts, descriptions

    def _images_generations(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer an image generation with PNGs drawn from the prompt."""
        model = _require(body, "model", str)
        prompt = _require(body, "prompt", str)
        gpt_image = model.startswith("gpt-image")
        response_format = body.get("response_format")
        if gpt_image and response_format is not None:
            message = "Unknown parameter: 'response_format'."
            raise ApiError(400, message, "unknown_parameter", "response_format")
        response_format = "b64_json" if gpt_image else response_format or "url"
        if response_format not in ("url", "b64_json"):
            message = (
                f"Invalid value: '{response_format}'. Supported values are: 'url', 'b64_json'."
            )
            raise ApiError(400, message, "invalid_value", "response_format")
        size = body.get("size") or "auto"
        if size not in IMAGE_SIZES:
            supported = ", ".join(f"'{s}'" for s in IMAGE_SIZES)
            message = f"Invalid value: '{size}'. Supported values are: {supported}."
            raise ApiError(400, message, "invalid_value", "size")
        n = _int_param(body, "n", 1, 1, 10)
        if model == "dall-e-3" and n != 1:
            raise ApiError(400, "You must provide n=1 for this model.", "invalid_value", "n")
        lowered = prompt.lower()
        if any(word.lower() in lowered for word in self.refuse_image_prompts_containing):
            message = (
                "Your request was rejected as a result of our safety system. Your prompt may "
                "contain text that is not allowed by our safety system."
            )
            raise ApiError(400, message, "content_policy_violation")
        width, height = map(int, (size if size != "auto" else "1024x1024").split("x"))
        data = []
        for index in range(n):
            png = _draw_png(prompt, index, width, height)
            if response_format == "b64_json":
                entry = {"b64_json": base64.b64encode(png).decode()}
            else:
                name = secrets.token_hex(8)
                with self._lock:
                    self._files[name] = png
                entry = {"url": f"http://127.0.0.1:{self.port}/files/{name}.png"}
            if model == "dall-e-3":
                entry["revised_prompt"] = f"A detailed rendering of: {prompt}"
            data.append(entry)
        result: dict[str, Any] = {"created": int(time.time()), "data": data}
        if gpt_image:
            text_tokens, image_tokens = _word_count(prompt), n * width * height // 1024
            result["usage"] = {
                "input_tokens": text_tokens,
                "output_tokens": image_tokens,
                "total_tokens": text_tokens + image_tokens,
                "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0},
            }
        return result

    def _images_edits(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer an image edit (multipart: image file + prompt) like a generation."""
        image = body.get("image")
        if not isinstance(image, dict) or image.get("mime") not in (
            "image/png",
            "image/webp",
            "image/jpeg",
        ):
            raise ApiError(
                400,
                "Invalid image: upload a PNG, WEBP or JPEG 'image' file.",
                "invalid_image",
                "image",
            )
        fields = {key: value for key, value in body.items() if key != "image"}
        if "n" in fields:
            fields["n"] = int(fields["n"])
        return self._images_generations(fields)

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer an embeddings request with unit vectors derived from a hash of each input."""
        model = _require(body, "model", str)
        given = _require(body, "input", (str, list))
        if not given:
            raise ApiError(400, "Invalid 'input': it must not be empty.", "invalid_value", "input")
        is_tokens = isinstance(given, list) and all(isinstance(t, int) for t in given)
        items = [given] if isinstance(given, str) or is_tokens else given
        for item in items:
            valid_tokens = isinstance(item, list) and all(isinstance(t, int) for t in item)
            if not item or not (isinstance(item, str) or valid_tokens):
                message = "Invalid 'input': expected non-empty strings or token arrays."
                raise ApiError(400, message, "invalid_value", "input")
        largest = 3072 if model == "text-embedding-3-large" else 1536
        if body.get("dimensions") is not None and not model.startswith("text-embedding-3"):
            message = "This model does not support specifying dimensions."
            raise ApiError(400, message, "invalid_value", "dimensions")
        dimensions = _int_param(body, "dimensions", largest, 1, largest)
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            message = f"Invalid value: '{encoding}'. Supported values are: 'float', 'base64'."
            raise ApiError(400, message, "invalid_value", "encoding_format")
        data = []
        for index, item in enumerate(items):
            vector = _embed(item, dimensions)
            encoded = (
                base64.b64encode(vector.astype("<f4").tobytes()).decode()
                if encoding == "base64"
                else vector.tolist()
            )
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(_word_count(i) if isinstance(i, str) else len(i) for i in items)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return {"object": "list", "data": data, "model": model, "usage": usage}
