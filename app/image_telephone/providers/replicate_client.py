"""The replicate provider's client: one prediction per caption or painting, waited for
(`Prefer: wait`) and then polled until done; output files fetched at once (Replicate's URLs
expire); its HTTP through providers.pacing (a tournament's gate, or a game's retries)."""

from __future__ import annotations

import base64
import functools
import os
import time
from typing import Any

import httpx
import replicate
from replicate.exceptions import ReplicateError

from image_telephone.errors import InputError, ProviderError
from image_telephone.images import as_png
from image_telephone.redaction import redact_url

from .base import Completion, Painting
from .pacing import Pacing
from .replicate_inputs import CAPTION_VALUES, PAINT_VALUES, model_inputs, parse_items, template_for
from .replicate_models import BASE_URL_ENV, DEFAULT_BASE_URL, KEY_ENV

WAIT_S = 60  # what Replicate holds a `Prefer: wait` request at most; then we poll
POLL_S = (0.25, 2.0)  # the first pause between polls, doubling up to the second
DEADLINE_S = 30 * 60.0  # a prediction still running after this is cancelled and fails the turn
DONE = ("succeeded", "failed", "canceled")


class _Client(replicate.Client):
    """replicate.Client over our transport alone: replicate's own RetryTransport would retry
    again every attempt ours gave up on."""

    def __init__(self, token: str, base_url: str, transport: Any, timeout: httpx.Timeout):
        super().__init__(api_token=token, base_url=base_url, timeout=timeout)
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "image-telephone"},
            timeout=timeout,
            transport=transport,
        )

    @property
    def _client(self) -> httpx.Client:
        return self._http


class ReplicateClient:
    """Captions and paints with Replicate models; raises ProviderError in one line."""

    def __init__(self, endpoint: str | None, pacing: Pacing | None = None):
        token = os.environ.get(KEY_ENV, "").strip()
        if not token:
            raise InputError(
                f"{KEY_ENV} is not set: export your Replicate API token "
                "(replicate.com/account/api-tokens), or choose another provider"
            )
        url = (endpoint or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self.endpoint = redact_url(url)  # for messages: never a credential
        pacing = pacing or Pacing.single_game(f"replicate@{self.endpoint}")
        transport = pacing.transport(httpx.HTTPTransport(), (httpx.TransportError,))
        timeout = httpx.Timeout(30.0, read=WAIT_S + 5.0)
        # Replicate's paths start /v1; its base URL may be given with or without it.
        self._api = _Client(token, url.removesuffix("/v1"), transport, timeout)
        # Output files live on another host: fetched without the token, through the same pacing.
        self._files = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)

    def caption(
        self,
        image: bytes,
        prompt: str,
        model: str,
        *,
        max_tokens: int,
        temperature: float | None,
        stop: list[str] | None,
        seed: int | None,
        candidates: int,
        caption_inputs: tuple[str, ...] = (),
    ) -> Completion:
        """The model's text for the image (a list of tokens is joined)."""
        values = {
            "image": _data_uri(image),
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
        }
        overrides = parse_items(caption_inputs, CAPTION_VALUES, "--caption-input")
        inputs = model_inputs(template_for(model, "captioner"), overrides, values)
        started = time.perf_counter()
        prediction = self._predict(model, inputs, "caption the image")
        text = _text(prediction.output)
        return Completion(
            text=text,
            usage=_usage(prediction),
            latency_s=round(time.perf_counter() - started, 4),
            parameters=_parameters(prediction, inputs),
        )

    def paint(
        self,
        prompt: str,
        model: str,
        *,
        size: str | None,
        seed: int | None,
        init_image: bytes | None,
        image_inputs: tuple[str, ...] = (),
    ) -> Painting:
        """The model's first output image, fetched now and stored as PNG."""
        width, height = _dimensions(size)
        values = {
            "prompt": prompt,
            "seed": seed,
            "width": width,
            "height": height,
            "size": size,
            "init_image": _data_uri(init_image) if init_image else None,
        }
        overrides = parse_items(image_inputs, PAINT_VALUES, "--image-input")
        inputs = model_inputs(template_for(model, "painter"), overrides, values)
        started = time.perf_counter()
        prediction = self._predict(model, inputs, "draw the caption")
        try:
            png = as_png(self._fetch(prediction, model), f"{model}'s output")
        except ValueError as error:  # not an image: the model's fault, not the user's
            raise ProviderError(f"replicate {model}: {_one_line(str(error))}") from None
        return Painting(
            png=png,
            model=model,
            usage=_usage(prediction),
            latency_s=round(time.perf_counter() - started, 4),
            parameters=_parameters(prediction, inputs),
        )

    def _predict(self, model: str, inputs: dict[str, Any], what: str) -> Any:
        """The finished prediction, or a ProviderError naming the model and Replicate's error."""
        try:
            prediction = self._create(model, inputs)
            deadline, pause = time.monotonic() + DEADLINE_S, POLL_S[0]
            while prediction.status not in DONE:
                if time.monotonic() > deadline:
                    self._api.predictions.cancel(prediction.id)
                    raise ProviderError(
                        f"replicate {model} could not {what}: prediction {prediction.id} still "
                        f"{prediction.status} after {DEADLINE_S:.0f} s; cancelled"
                    )
                time.sleep(pause)
                pause = min(pause * 2, POLL_S[1])
                prediction = self._api.predictions.get(prediction.id)
        except ReplicateError as error:
            raise ProviderError(_api_failure(error, model, what, self.endpoint)) from None
        except httpx.TransportError as error:
            raise ProviderError(
                f"replicate {model} could not {what}: {self.endpoint} did not answer "
                f"({type(error).__name__}: {error}) after the retries"
            ) from None
        if prediction.status != "succeeded":
            # Its first line: a model's error may go on with the traceback.
            reason = _one_line(str(prediction.error or "").strip().split("\n")[0])
            reason = reason or "no reason given"
            raise ProviderError(
                f"replicate {model} could not {what}: prediction {prediction.id} "
                f"{prediction.status}: {reason}"
            )
        return prediction

    def _create(self, model: str, inputs: dict[str, Any]) -> Any:
        """A new prediction: of the version named, else of the model (an official model's own
        endpoint; another model's latest version)."""
        name, _, version = model.partition(":")
        owner, slash, short = name.partition("/")
        if not (owner and slash and short) or "/" in short:
            raise InputError(
                f"replicate model {model!r}: expected owner/name or owner/name:VERSION"
            )
        predictions = self._api.predictions
        if version:
            return predictions.create(version=version, input=inputs, wait=WAIT_S)
        try:
            return predictions.create(model=(owner, short), input=inputs, wait=WAIT_S)
        except ReplicateError as error:
            if error.status != 404:
                raise
        latest = self._latest_version(owner, short)
        return predictions.create(version=latest, input=inputs, wait=WAIT_S)

    @functools.cache  # noqa: B019 — one client per game and endpoint: a handful of models
    def _latest_version(self, owner: str, name: str) -> str:
        model = self._api.models.get(f"{owner}/{name}")
        if model.latest_version is None:
            raise ProviderError(f"replicate {owner}/{name}: the model has no version to run")
        return model.latest_version.id

    def _fetch(self, prediction: Any, model: str) -> bytes:
        """The first output file's bytes, fetched now (its URL expires)."""
        output = prediction.output
        url = output[0] if isinstance(output, list) and output else output
        if not isinstance(url, str) or not url:
            raise ProviderError(
                f"replicate {model}: prediction {prediction.id} gave no image "
                f"(output {str(output)[:80]!r}); is it a text-to-image model?"
            )
        if url.startswith("data:"):
            return base64.b64decode(url.partition(",")[2])
        try:
            response = self._files.get(url)
        except httpx.TransportError as error:
            raise ProviderError(
                f"replicate {model}: its output could not be fetched ({error})"
            ) from None
        if response.status_code >= 400:
            raise ProviderError(
                f"replicate {model}: its output {redact_url(url)} answered HTTP "
                f"{response.status_code}; output URLs expire, so it is fetched at once"
            )
        return response.content


def _data_uri(image: bytes) -> str:
    """The image as a data URI of its own type (PNG or JPEG)."""
    mime = "image/jpeg" if image.startswith(b"\xff\xd8") else "image/png"
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


def _dimensions(size: str | None) -> tuple[int | None, int | None]:
    """(width, height) from 'WxH'; none for no size or 'auto'."""
    if not size or size == "auto":
        return None, None
    width, _, height = size.lower().partition("x")
    return int(width), int(height)


def _text(output: Any) -> str:
    """A text output: a string, or a list of tokens joined; BLIP's 'Caption: ' prefix dropped."""
    text = "".join(map(str, output)) if isinstance(output, list) else str(output or "")
    return text.strip().removeprefix("Caption:").strip()


def _usage(prediction: Any) -> dict[str, Any] | None:
    """The prediction's billed seconds (metrics.predict_time), which prices per second."""
    seconds = (prediction.metrics or {}).get("predict_time")
    return {"predict_time_s": float(seconds)} if seconds is not None else None


def _parameters(prediction: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """What was sent (images as 'data:…'), to which version, as which prediction."""
    shown = {
        name: "data:…" if isinstance(value, str) and value.startswith("data:") else value
        for name, value in inputs.items()
    }
    return {"inputs": shown, "version": prediction.version, "prediction": prediction.id}


def _one_line(text: str | None) -> str:
    return " ".join(str(text or "").split())[:300]


def _api_failure(error: ReplicateError, model: str, what: str, endpoint: str) -> str:
    """A failed API call in one line, with the fix for the usual ones."""
    detail = _one_line(error.detail or error.title) or "no detail"
    hint = {
        401: f"; check {KEY_ENV}",
        404: "; check the name, or give owner/name:VERSION (the model page's API tab)",
        422: "; check the version, and the inputs (--caption-input, --image-input)",
        429: "; rate limited after the retries: lower [limits] requests_per_minute",
    }.get(error.status or 0, "")
    status = f"HTTP {error.status} from {endpoint}"
    return f"replicate {model} could not {what}: {status}: {detail}{hint}"
