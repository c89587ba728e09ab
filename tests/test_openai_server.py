"""The OpenAI-compatible test server, driven by the real openai client."""

import base64
import http.client
import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import openai
import pytest
from PIL import Image

from image_telephone.testing import OpenAICompatibleServer
from image_telephone.testing.__main__ import main as serve


def data_uri(fmt: str, mime: str, size: tuple[int, int] = (32, 16)) -> str:
    """A data URI holding a red image encoded as fmt but declared as mime."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 20, 20)).save(buffer, fmt)
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def image_message(url: str) -> list[dict]:
    """A user message asking about one image."""
    parts = [
        {"type": "text", "text": "Describe it."},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    return [{"role": "user", "content": parts}]


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as running:
        yield running


@pytest.fixture
def client(server: OpenAICompatibleServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)


def test_binds_localhost_and_tags_every_response(server, client):
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    raw = client.models.with_raw_response.list()
    assert raw.headers["x-request-id"].startswith("req_")
    assert "gpt-image-1" in [model.id for model in raw.parse().data]
    assert server.requests[0].method == "GET"
    assert server.requests[0].headers["authorization"] == "Bearer test-key"


def test_chat_with_png_data_uri_describes_the_image(server, client):
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=image_message(data_uri("PNG", "image/png"))
    )
    assert reply.choices[0].message.content.startswith("a picture of red tones, 32x16 pixels")
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert reply.usage.completion_tokens > 0
    assert server.calls("chat/completions") == 1


def test_chat_n_stop_and_token_limit(client):
    messages = [{"role": "user", "content": "Tell me something."}]
    reply = client.chat.completions.create(model="gpt-4o", messages=messages, n=3)
    texts = [choice.message.content for choice in reply.choices]
    assert len(set(texts)) == 3
    again = client.chat.completions.create(model="gpt-4o", messages=messages, n=3)
    assert [choice.message.content for choice in again.choices] == texts
    cut = client.chat.completions.create(model="gpt-4o", messages=messages, stop=[" "])
    assert cut.choices[0].message.content == "A"
    short = client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=2)
    assert len(short.choices[0].message.content.split()) == 2
    assert short.choices[0].finish_reason == "length"
    with pytest.raises(openai.BadRequestError, match="stop"):
        client.chat.completions.create(model="gpt-4o", messages=messages, stop=list("abcde"))


def test_jpeg_declared_as_png_is_rejected(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=image_message(data_uri("JPEG", "image/png"))
        )
    assert "MIME type image/png does not match the image data" in caught.value.message
    bad_base64 = "data:image/png;base64,not base64!"
    with pytest.raises(openai.BadRequestError, match="base64"):
        client.chat.completions.create(model="gpt-4o-mini", messages=image_message(bad_base64))


def test_reasoning_models_want_max_completion_tokens(client):
    messages = [{"role": "user", "content": "Hello"}]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="o4-mini", messages=messages, max_tokens=5)
    assert caught.value.code == "unsupported_parameter"
    assert "Use 'max_completion_tokens' instead." in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-5", messages=messages, temperature=0.2)
    assert caught.value.code == "unsupported_value"
    reply = client.chat.completions.create(
        model="o4-mini", messages=messages, max_completion_tokens=5
    )
    assert reply.choices[0].message.content


def test_gpt_image_rejects_response_format(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="a cat", response_format="b64_json")
    assert caught.value.code == "unknown_parameter"
    assert caught.value.message.endswith("Unknown parameter: 'response_format'.")


def test_gpt_image_returns_png_of_the_requested_size(client):
    result = client.images.generate(model="gpt-image-1", prompt="a cat", size="1024x1536", n=2)
    assert len(result.data) == 2
    image = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json)))
    assert (image.format, image.size) == ("PNG", (1024, 1536))
    assert result.usage.input_tokens_details.text_tokens == 2
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="a cat", size="100x100")
    assert caught.value.param == "size"


def test_dall_e_3_url_serves_once_then_expires(client):
    result = client.images.generate(model="dall-e-3", prompt="a dog", size="1024x1792")
    assert result.data[0].revised_prompt == "A detailed rendering of: a dog"
    with urllib.request.urlopen(result.data[0].url) as response:
        assert Image.open(io.BytesIO(response.read())).size == (1024, 1792)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(result.data[0].url)
    assert caught.value.code == 404
    encoded = client.images.generate(model="dall-e-2", prompt="x", response_format="b64_json")
    assert encoded.data[0].url is None and encoded.data[0].b64_json


def test_embeddings_with_default_client_encoding(server, client):
    result = client.embeddings.create(model="text-embedding-3-small", input=["a", "b c"])
    assert server.requests[-1].body["encoding_format"] == "base64"
    vectors = [item.embedding for item in result.data]
    assert [len(v) for v in vectors] == [1536, 1536]
    assert sum(x * x for x in vectors[0]) == pytest.approx(1.0, rel=1e-5)
    assert result.usage.prompt_tokens == 3
    assert (
        vectors[0]
        == client.embeddings.create(model="text-embedding-3-small", input="a").data[0].embedding
    )
    large = client.embeddings.create(model="text-embedding-3-large", input=[[1, 2, 3]])
    assert len(large.data[0].embedding) == 3072
    small = client.embeddings.create(
        model="text-embedding-3-large", input="a", dimensions=8, encoding_format="float"
    )
    assert len(small.data[0].embedding) == 8


def test_scripted_rate_limit_is_retried(server):
    server.script = [(429, {"retry-after": "0"})]
    retrying = openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=2)
    reply = retrying.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content
    assert [request.status for request in server.requests] == [429, 200]
    assert server.calls("chat/completions") == 2
    assert server.handling_seconds > 0
    server.reset()
    assert server.requests == []


def test_rate_limit_and_server_errors_raise_the_right_classes(server, client):
    server.script = [(429, {}), (500, {})]
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    server.always_fail_models = {"broken"}
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="broken", messages=messages)


def test_seeded_random_failures_are_repeatable():
    def statuses() -> list[int]:
        with OpenAICompatibleServer(seed=7, failure_rate=0.5) as server:
            client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
            for _ in range(12):
                try:
                    client.embeddings.create(model="text-embedding-3-small", input="x")
                except openai.APIStatusError as error:
                    if error.status_code == 429:
                        assert error.response.headers["retry-after"] == "0"
            return [request.status for request in server.requests]

    first = statuses()
    assert first == statuses()
    assert {429, 500, 200} <= set(first)


def test_content_policy_refusal(server, client):
    server.refuse_image_prompts_containing = ["forbidden"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="gpt-image-1", prompt="a Forbidden door")
    assert caught.value.code == "content_policy_violation"
    assert caught.value.type == "invalid_request_error"


def test_fail_after_refuses_from_then_on(server, client):
    server.fail_after = 2
    for _ in range(2):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as caught:
            client.embeddings.create(model="text-embedding-3-small", input="x")
        assert caught.value.status_code == 503


def test_missing_auth_unknown_path_and_bad_json(server, client):
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list(extra_headers={"Authorization": openai.Omit()})
    assert caught.value.code == "invalid_api_key"
    with pytest.raises(openai.NotFoundError):
        client.post("/nowhere", cast_to=object, body={})
    request = urllib.request.Request(
        f"{server.base_url}/chat/completions",
        data=b"{not json",
        headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(request)
    assert bad.value.code == 400
    assert json.loads(bad.value.read())["error"]["type"] == "invalid_request_error"


def test_delay_counts_in_handling_seconds(server, client):
    server.delay_s = 0.05
    client.embeddings.create(model="text-embedding-3-small", input="x")
    assert server.requests[0].handling_seconds >= 0.05


CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
JSON_HEADERS = {"Authorization": "Bearer k", "Content-Type": "application/json"}


def post_chat(server: OpenAICompatibleServer, headers: dict[str, str] | None = None) -> bytes:
    """The raw bytes of a chat completion request, as a client sends them."""
    lines = [
        "POST /v1/chat/completions HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        *(f"{key}: {value}" for key, value in JSON_HEADERS.items()),
        f"Content-Length: {len(CHAT)}",
        *(f"{key}: {value}" for key, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + CHAT).encode()


def raw_exchange(server: OpenAICompatibleServer) -> tuple[dict[str, str], bytes, str]:
    """(reply headers, body bytes received, how the connection ended: 'FIN' or 'RST')."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(post_chat(server))
        received, ended = b"", "FIN"
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                ended = "RST"
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {"status": status_line.split()[1]}
    headers.update((k.lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines))
    return headers, body, ended


def test_malformed_reply_is_a_200_json_reply_whose_body_is_not_json(server):
    server.script = [("malformed", {})]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("POST", "/v1/chat/completions", body=CHAT, headers=JSON_HEADERS)
    reply = connection.getresponse()
    body = reply.read()
    assert (reply.status, reply.getheader("content-type")) == (200, "application/json")
    assert int(reply.getheader("content-length")) == len(body) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert body.startswith(b'{"id": "chatcmpl-')
    # The connection stays usable: the next reply is whole.
    embed = json.dumps({"model": "text-embedding-3-small", "input": "x"})
    connection.request("POST", "/v1/embeddings", body=embed, headers=JSON_HEADERS)
    assert json.loads(connection.getresponse().read())["object"] == "list"
    assert [(r.status, r.fault) for r in server.requests] == [(200, "malformed"), (200, None)]


def test_truncated_reply_promises_more_bytes_than_it_sends_then_closes(server):
    server.script = [("truncated", {})]
    headers, body, ended = raw_exchange(server)
    assert headers["status"] == "200" and headers["content-type"] == "application/json"
    assert len(body) == int(headers["content-length"]) // 2 > 0
    assert ended == "FIN"
    assert server.requests[-1].fault == "truncated"


def test_reset_reply_sends_headers_and_part_of_the_body_then_an_rst(server):
    server.script = [("reset", {})]
    headers, body, ended = raw_exchange(server)
    assert headers["status"] == "200"
    assert 0 < len(body) < int(headers["content-length"])
    assert ended == "RST"
    assert server.requests[-1].fault == "reset"


def test_slow_reply_comes_after_the_clients_timeout(server):
    server.slow_s = 1.0
    server.script = [("slow", {})]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=0.3)
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        connection.request("POST", "/v1/chat/completions", body=CHAT, headers=JSON_HEADERS)
        connection.getresponse()
    assert time.perf_counter() - started < 0.9
    connection.close()
    while not server.requests:  # answered (to nobody) once slow_s has passed
        time.sleep(0.05)
    slow = server.requests[0]
    assert (slow.status, slow.fault) == (200, "slow") and slow.handling_seconds >= 1.0


def test_failure_statuses_mix_http_errors_and_faults_repeatably():
    def outcomes() -> list[tuple[int, str | None]]:
        failures = (429, 503, "malformed", "truncated", "reset")
        with OpenAICompatibleServer(seed=3, failure_rate=0.6, failure_statuses=failures) as server:
            for _ in range(30):
                raw_exchange_or_error(server)
            return [(r.status, r.fault) for r in server.requests]

    first = outcomes()
    assert first == outcomes()
    assert {429, 503, 200} <= {status for status, _ in first}
    assert {"malformed", "truncated", "reset", None} == {fault for _, fault in first}
    with pytest.raises(ValueError, match="unknown failure"):
        OpenAICompatibleServer(failure_statuses=(500, "garbled"))
    with pytest.raises(ValueError, match="4xx or 5xx"):
        OpenAICompatibleServer(script=[(200, {})])


def raw_exchange_or_error(server: OpenAICompatibleServer) -> None:
    """One request on a fresh connection that reads until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(post_chat(server, {"Connection": "close"}))
        try:
            while sock.recv(65536):
                pass
        except ConnectionResetError:
            pass


def test_the_server_process_takes_failure_options(capsys):
    command = [sys.executable, "-m", "image_telephone.testing", "--failure-rate", "1"]
    command += ["--failures", "malformed", "--seed", "5"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            base_url = process.stdout.readline().strip()
            client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0)
            reply = client.embeddings.with_raw_response.create(model="m", input="x")
            assert reply.status_code == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(reply.content)
        finally:
            process.terminate()
    with pytest.raises(SystemExit) as bad:
        serve(["--failures", "429,garbled"])
    assert bad.value.code == 2 and "'garbled': unknown failure" in capsys.readouterr().err
