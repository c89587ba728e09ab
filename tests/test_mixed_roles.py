"""Each role picks its provider: an OpenAI-compatible captioner can meet the offline painter,
and the manifest and each turn's metadata say who played which role."""

import json

import pytest

from image_telephone.cli import main


@pytest.fixture
def keyed(monkeypatch):
    """An OpenAI key in the environment, as a user of an OpenAI-compatible server has."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")


def _run(server, out, *roles, run_name="mixed"):
    args = ["run", "--text", "a green kite over a red roof", "-n", "2", "--out", str(out)]
    args += ["--run-name", run_name, "--no-tracker", "--base-url", server.base_url, *roles]
    return main(args)


def test_an_openai_captioner_meets_the_offline_painter(openai_server, tmp_path, keyed):
    roles = ("--captioner", "openai:gpt-4o-mini", "--painter", "offline", "--embedder", "offline")
    assert _run(openai_server, tmp_path, *roles) == 0
    assert openai_server.calls("chat/completions") == 2
    assert openai_server.calls("images/generations") == openai_server.calls("embeddings") == 0
    run = tmp_path / "mixed"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["roles"] == {
        "captioner": {
            "provider": "openai",
            "model": "gpt-4o-mini",
            "endpoint": openai_server.base_url,
        },
        "painter": {"provider": "offline", "model": "offline-sketch-1", "endpoint": None},
        "embedder": {"provider": "offline", "model": "offline-embed-1", "endpoint": None},
    }
    settings = manifest["settings"]
    assert (settings["caption_provider"], settings["caption_model"]) == ("openai", "gpt-4o-mini")
    assert settings["image_provider"] == settings["embeddings_provider"] == "offline"
    metadata = json.loads((run / "metadata_001.json").read_text())
    assert (metadata["provider"], metadata["caption_model"]) == ("openai", "gpt-4o-mini")
    assert metadata["embeddings_provider"] == "offline"
    assert metadata["embeddings_model"] == "offline-embed-1"
    assert metadata["image_origin"]["image_model"] == "offline-sketch-1"


def test_the_offline_captioner_meets_an_openai_painter_and_embedder(openai_server, tmp_path, keyed):
    roles = ("--provider", "openai", "--captioner", "offline", "--painter", "openai:gpt-image-1")
    assert _run(openai_server, tmp_path, *roles) == 0
    assert openai_server.calls("chat/completions") == 0
    assert openai_server.calls("images/generations") == openai_server.calls("embeddings") == 2
    metadata = json.loads((tmp_path / "mixed" / "metadata_001.json").read_text())
    assert metadata["provider"] == "offline" and metadata["embeddings_provider"] == "openai"
    assert metadata["image_origin"]["image_model"] == "gpt-image-1"


def test_the_default_provider_is_announced_only_when_a_role_is_left_to_it(
    openai_server, tmp_path, keyed, capsys
):
    every_role = ("--captioner", "openai", "--painter", "offline", "--embedder", "offline")
    assert _run(openai_server, tmp_path, *every_role, run_name="named") == 0
    assert "provider:" not in capsys.readouterr().err
    assert _run(openai_server, tmp_path, "--captioner", "offline", run_name="left") == 0
    assert "provider: openai (OPENAI_API_KEY is set" in capsys.readouterr().err


def test_a_role_changed_on_resume_is_a_settings_conflict(openai_server, tmp_path, keyed, capsys):
    assert _run(openai_server, tmp_path, "--captioner", "openai", "--painter", "offline") == 0
    capsys.readouterr()
    assert _run(openai_server, tmp_path, "--captioner", "openai", "--painter", "openai") == 5
    assert "image_provider: 'offline' -> 'openai'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("roles", "says"),
    [
        (("--captioner", "nobody"), "provider 'nobody': unknown"),
        (("--captioner", "openai:"), "expected PROVIDER or PROVIDER:MODEL"),
        (("--captioner", "openai:gpt-4o", "--caption-model", "gpt-4o-mini"), "names the model"),
        (("--painter", "offline", "--image-model", "dall-e-3"), "only its built-in models"),
    ],
)
def test_bad_role_choices_are_one_line_errors(openai_server, tmp_path, keyed, capsys, roles, says):
    assert _run(openai_server, tmp_path, *roles) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and says in errors[0]
    assert not (tmp_path / "mixed").exists()
