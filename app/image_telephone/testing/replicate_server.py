"""A local HTTP server that speaks Replicate's predictions API, for tests and benchmarks: create
(`POST /v1/predictions` with a version, `POST /v1/models/{owner}/{name}/predictions`), `Prefer:
wait`, `GET /v1/predictions/{id}`, cancel, `GET /v1/models/{owner}/{name}`, and output files it
serves itself, each once (then they have expired, as Replicate's do).

Its captioners name the picture's colour; its painters draw a PNG from the prompt's hash. Its
faults: predictions that fail or are cancelled (by model), 429s with Retry-After on the first
creations, and predictions slower than a `Prefer: wait`, which then need polling.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
from typing import Any

from .loopback import LoopbackServer, Reply
from .openai_server import ApiError, _decode_data_uri, _describe_image, _draw_png

# A model whose name holds one of these captions; any other paints.
CAPTIONER_HINTS = ("blip", "mplug", "minigpt", "llava", "caption")
# Models whose text output is a list of tokens (as mPLUG-Owl's and other language models' are).
TOKEN_MODELS = frozenset({"joehoover/mplug-owl"})
FAILURE = "CUDA out of memory. Tried to allocate 2.00 GiB\nTraceback (most recent call last): …"


@dataclasses.dataclass
class _Prediction:
    id: str
    model: str
    version: str
    input: dict[str, Any]
    ready_at: float
    outcome: str  # succeeded, failed or canceled, once ready_at has passed
    output: Any = None

    def as_json(self, now: float) -> dict[str, Any]:
        done = now >= self.ready_at or self.outcome == "canceled"
        status = self.outcome if done else "processing"
        return {
            "id": self.id,
            "model": self.model,
            "version": self.version,
            "status": status,
            "input": self.input,
            "output": self.output if status == "succeeded" else None,
            "error": FAILURE if status == "failed" else None,
            "logs": "",
            "metrics": {"predict_time": 1.25} if status == "succeeded" else {},
            "urls": {"get": f"/v1/predictions/{self.id}"},
        }


class ReplicateTestServer(LoopbackServer):
    """A Replicate-compatible server on 127.0.0.1.

    processing_s: how long each prediction runs; wait_cap_s: the most a `Prefer: wait` request
    is held (Replicate's is 60 s); failing_models / cancelled_models: predictions of these end
    failed or canceled; rate_limited: the first N creations answer 429 with Retry-After
    retry_after; versions: version id → owner/name (a model's last is its latest);
    official_models: the models with their own predictions endpoint (None: every model).
    """

    thread_name = "replicate-test-server"

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        processing_s: float = 0.0,
        wait_cap_s: float = 60.0,
        failing_models: set[str] | None = None,
        cancelled_models: set[str] | None = None,
        rate_limited: int = 0,
        retry_after: str = "0",
        versions: dict[str, str] | None = None,
        official_models: set[str] | None = None,
    ) -> None:
        super().__init__(port)
        self.token = token
        self.processing_s = processing_s
        self.wait_cap_s = wait_cap_s
        self.failing_models = set(failing_models or ())
        self.cancelled_models = set(cancelled_models or ())
        self.rate_limited = rate_limited
        self.retry_after = retry_after
        self.versions = dict(versions or {})
        self.official_models = official_models
        self._ids = itertools.count(1)
        self._predictions: dict[str, _Prediction] = {}
        self._files: dict[str, bytes] = {}
        self._creations = 0

    @property
    def base_url(self) -> str:
        """The URL to give the replicate provider (REPLICATE_BASE_URL or a role's base_url)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def predictions(self) -> list[dict[str, Any]]:
        """Every prediction made so far, as GET would show it now."""
        with self._lock:
            return [p.as_json(time.monotonic()) for p in self._predictions.values()]

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """The reply to one request."""
        try:
            if method == "GET" and path.startswith("/files/"):
                return self._file(path)
            self._check_token(headers)
            parts = path.strip("/").split("/")
            if method == "POST" and parts == ["v1", "predictions"]:
                return self._create(self._version_model(_body(raw)), _body(raw), headers)
            if method == "POST" and len(parts) == 5 and parts[:2] == ["v1", "models"]:
                model = f"{parts[2]}/{parts[3]}"
                if parts[4] != "predictions" or not self._official(model):
                    raise ApiError(404, f"{model} has no predictions endpoint; give a version")
                return self._create((model, ""), _body(raw), headers)
            if method == "GET" and len(parts) == 4 and parts[:2] == ["v1", "models"]:
                return _ok(self._model(f"{parts[2]}/{parts[3]}"))
            if len(parts) >= 3 and parts[:2] == ["v1", "predictions"]:
                return self._prediction(method, parts[2], parts[3:])
            raise ApiError(404, f"no route for {method} {path}")
        except ApiError as error:
            return _problem(error)

    def _check_token(self, headers: dict[str, str]) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            raise ApiError(401, "You did not pass an authentication token")
        if self.token is not None and token.strip() != self.token:
            raise ApiError(401, "Invalid token")

    def _official(self, model: str) -> bool:
        return self.official_models is None or model in self.official_models

    def _version_model(self, body: dict[str, Any]) -> tuple[str, str]:
        version = str(body.get("version") or "")
        if version not in self.versions:
            raise ApiError(422, f"Invalid version or not permitted: {version!r}")
        return self.versions[version], version

    def _model(self, model: str) -> dict[str, Any]:
        versions = [version for version, name in self.versions.items() if name == model]
        if not versions and not self._official(model):
            raise ApiError(404, f"model {model} not found")
        owner, _, name = model.partition("/")
        latest = None
        if versions:
            latest = {
                "id": versions[-1],
                "created_at": "2026-01-01T00:00:00Z",
                "cog_version": "",
                "openapi_schema": {},
            }
        return {
            "owner": owner,
            "name": name,
            "url": "",
            "visibility": "public",
            "run_count": 0,
            "latest_version": latest,
        }

    def _create(
        self, model_version: tuple[str, str], body: dict[str, Any], headers: dict[str, str]
    ) -> Reply:
        model, version = model_version
        with self._lock:
            self._creations += 1
            limited = self._creations <= self.rate_limited
        if limited:
            raise ApiError(429, "Request was throttled", headers={"retry-after": self.retry_after})
        inputs = body.get("input")
        if not isinstance(inputs, dict):
            raise ApiError(422, "input: expected an object")
        prediction = _Prediction(
            id=f"p{next(self._ids):05d}",
            model=model,
            version=version or f"{model.replace('/', '-')}-latest",
            input=inputs,
            ready_at=time.monotonic() + self.processing_s,
            outcome=self._outcome(model),
        )
        if prediction.outcome == "succeeded":
            prediction.output = self._output(prediction)
        with self._lock:
            self._predictions[prediction.id] = prediction
        wait_s = _prefer_wait_s(headers.get("prefer", ""))
        if wait_s:
            left = prediction.ready_at - time.monotonic()
            time.sleep(max(0.0, min(wait_s, self.wait_cap_s, left)))
        return _ok(prediction.as_json(time.monotonic()), 201)

    def _outcome(self, model: str) -> str:
        if model in self.failing_models:
            return "failed"
        return "canceled" if model in self.cancelled_models else "succeeded"

    def _output(self, prediction: _Prediction) -> Any:
        """A captioner's text (a list of tokens for TOKEN_MODELS), else a painter's file URL."""
        if any(hint in prediction.model for hint in CAPTIONER_HINTS):
            images = [v for v in prediction.input.values() if str(v).startswith("data:")]
            if not images:
                prediction.outcome = "failed"
                return None
            text = "Caption: " + _describe_image(_decode_data_uri(images[0], "image"), "image")
            if prediction.model in TOKEN_MODELS:
                return [word + " " for word in text.removeprefix("Caption: ").split()]
            return text
        prompt = str(prediction.input.get("prompt") or prediction.input.get("prompts") or "")
        width = int(prediction.input.get("width") or 64)
        height = int(prediction.input.get("height") or 64)
        key = f"/files/{prediction.id}/out-0.png"
        self._files[key] = _draw_png(prompt, int(prediction.input.get("seed") or 0), width, height)
        return [f"{self.base_url.removesuffix('/v1')}{key}"]

    def _prediction(self, method: str, prediction_id: str, rest: list[str]) -> Reply:
        with self._lock:
            prediction = self._predictions.get(prediction_id)
        if prediction is None:
            raise ApiError(404, f"prediction {prediction_id} not found")
        if method == "POST" and rest == ["cancel"]:
            prediction.outcome = "canceled"
        elif method != "GET" or rest:
            raise ApiError(404, f"no route for {method} /v1/predictions/{prediction_id}")
        return _ok(prediction.as_json(time.monotonic()))

    def _file(self, path: str) -> Reply:
        """An output file, once: a second fetch finds it expired."""
        with self._lock:
            data = self._files.pop(path, None)
        if data is None:
            raise ApiError(404, "this output file has expired")
        return Reply(200, {"content-type": "image/png"}, data, None)


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body is not a JSON object")
    return body


def _prefer_wait_s(prefer: str) -> float:
    """Seconds a `Prefer: wait` or `Prefer: wait=N` header asks to hold the request."""
    name, _, value = prefer.strip().partition("=")
    if name.strip() != "wait":
        return 0.0
    return float(value) if value.strip().isdigit() else 60.0


def _ok(value: dict[str, Any], status: int = 200) -> Reply:
    return Reply(status, {"content-type": "application/json"}, json.dumps(value).encode(), value)


def _problem(error: ApiError) -> Reply:
    """An error as Replicate answers one (RFC 7807 problem details)."""
    body = {"title": error.message, "detail": error.message, "status": error.status}
    headers = {"content-type": "application/problem+json", **error.headers}
    return Reply(error.status, headers, json.dumps(body).encode(), body)
