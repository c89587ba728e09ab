"""The OpenAI provider against a real OpenAI-compatible server on 127.0.0.1."""

import base64
import json

import pytest

from image_telephone import ProviderError, play
from image_telephone.cli import main
from image_telephone.testing import OpenAICompatibleServer

MAGIC = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}


def _openai_game(server, tmp_path, **options):
    return play(
        options.pop("image", None),
        text=options.pop("text", "a red kite over a green field"),
        turns=options.pop("turns", 3),
        provider="openai",
        base_url=server.base_url,
        api_key="sk-test-secret-key",
        out=str(tmp_path / "runs"),
        run_name=options.pop("run_name", "openai-game"),
        tracker=options.pop("tracker", False),
        **options,
    )


def _bodies(server, suffix):
    return [r.body for r in server.requests if r.path.endswith(suffix)]


def test_requests_look_like_the_real_api(openai_server, tmp_path):
    result = _openai_game(
        openai_server,
        tmp_path,
        caption_model="gpt-4.1-mini",
        image_model="gpt-image-1",
        descriptiveness="very",
    )
    assert len(result.captions) == 3 and len(result.images) == 3
    chats = _bodies(openai_server, "chat/completions")
    assert len(chats) == 3
    for body in chats:
        assert body["model"] == "gpt-4.1-mini"
        assert body["max_tokens"] == 300
        text, image = body["messages"][0]["content"]
        assert "very descriptive" in text["text"]
        header, payload = image["image_url"]["url"].split(",", 1)
        mime = header.removeprefix("data:").removesuffix(";base64")
        assert base64.b64decode(payload).startswith(MAGIC[mime])
    images = _bodies(openai_server, "images/generations")
    assert [b["prompt"] for b in images] == ["a red kite over a green field", *result.captions[:2]]
    assert all("response_format" not in b and b["model"] == "gpt-image-1" for b in images)
    embeddings = _bodies(openai_server, "embeddings")
    assert [b["input"] for b in embeddings] == [[c] for c in result.captions]
    metadata = result.metadata(0)
    assert metadata["usage"]["total_tokens"] > 0
    assert len(metadata["caption_embeddings"]) == 1536
    assert metadata["image_origin"]["image_model"] == "gpt-image-1"


def test_dalle_models_are_asked_for_base64(openai_server, tmp_path):
    result = _openai_game(openai_server, tmp_path, image_model="dall-e-3", turns=2)
    images = _bodies(openai_server, "images/generations")
    assert all(b["response_format"] == "b64_json" for b in images)
    assert result.metadata(1)["image_origin"]["revised_prompt"].startswith("A detailed rendering")


def test_reasoning_models_get_max_completion_tokens_and_a_note(openai_server, tmp_path):
    result = _openai_game(
        openai_server, tmp_path, caption_model="gpt-5-mini", temperature=0.3, turns=1
    )
    body = _bodies(openai_server, "chat/completions")[0]
    assert "max_tokens" not in body and body["max_completion_tokens"] == 300
    assert "temperature" not in body
    assert any("temperature" in note for note in result.metadata(0)["parameter_notes"])


def test_a_model_the_rules_do_not_know_is_adapted_to_what_the_server_rejects(tmp_path):
    with OpenAICompatibleServer(reasoning_models={"house-reasoner"}) as server:
        result = _openai_game(
            server, tmp_path, caption_model="house-reasoner", temperature=0.3, turns=1
        )
        chats = [r for r in server.requests if r.path.endswith("chat/completions")]
    # Refused once for max_tokens, once for temperature, then answered: each noted once.
    assert [r.status for r in chats] == [400, 400, 200]
    assert "max_completion_tokens" in chats[-1].body and "temperature" not in chats[-1].body
    notes = result.metadata(0)["parameter_notes"]
    assert notes == [
        "max_tokens rejected; sent max_completion_tokens",
        "temperature=0.3 rejected by the server; sent without it",
    ]


def test_rewrites_follow_the_same_rules_as_captions(openai_server, tmp_path):
    result = _openai_game(
        openai_server,
        tmp_path,
        caption_model="gpt-5-mini",
        temperature=0.4,
        mode="more",
        more_of="hard-working",
        turns=2,
    )
    rewrites = [b for b in _bodies(openai_server, "chat/completions") if "Rewrite" in json.dumps(b)]
    assert rewrites and all("temperature" not in b and "max_tokens" not in b for b in rewrites)
    assert all(b["max_completion_tokens"] == 300 for b in rewrites)
    rewrite = result.metadata(0)["rewrite"]
    assert any("temperature" in note for note in rewrite["parameter_notes"])


def test_content_policy_refusal_is_a_provider_error(openai_server, tmp_path):
    openai_server.refuse_image_prompts_containing = ["forbidden"]
    with pytest.raises(ProviderError, match="content policy"):
        _openai_game(openai_server, tmp_path, text="a forbidden picture", turns=2)


def test_rate_limits_and_server_errors_are_retried(openai_server, tmp_path):
    openai_server.script = [(429, {"retry-after-ms": "1"}), (500, {}), (503, {})]
    result = _openai_game(openai_server, tmp_path, turns=2)
    assert len(result.captions) == 2
    assert [r.status for r in openai_server.requests[:3]] == [429, 500, 503]


def test_the_api_key_never_reaches_artifacts_or_tracker(
    openai_server, tmp_path, isolated_environment
):
    _openai_game(openai_server, tmp_path, tracker=True)
    written = [
        p
        for root in (tmp_path / "runs", isolated_environment / ".burr")
        for p in root.rglob("*")
        if p.is_file()
    ]
    assert any(p.name == "log.jsonl" for p in written)
    for path in written:
        assert b"sk-test-secret-key" not in path.read_bytes(), path


def test_cli_with_base_url_and_env_key(openai_server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
    code = main(
        [
            "run",
            "--text",
            "a lighthouse",
            "-n",
            "2",
            "--base-url",
            openai_server.base_url,
            "--image-model",
            "gpt-image-1",
            "--out",
            str(tmp_path),
            "--run-name",
            "cli",
            "--no-tracker",
        ]
    )
    assert code == 0
    assert "provider: openai (OPENAI_API_KEY is set" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "cli" / "run.json").read_text())
    assert manifest["models"]["caption_model"] == "gpt-4.1-mini"
    assert openai_server.requests[0].headers["authorization"] == "Bearer sk-env-key"
