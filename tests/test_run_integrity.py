"""One writer per run, settings resolved before the first step, failures recorded, no
credentials at rest: the run folder stays data people can study."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from image_telephone import GameSettings, ProviderError, RunConflictError, play
from image_telephone.cli import main
from image_telephone.errors import RunLockedError
from image_telephone.store.chain import check_run
from image_telephone.store.run_lock import acquire_run_lock
from image_telephone.store.storage import LocalStore, open_store
from image_telephone.testing import OpenAICompatibleServer


def _openai(server, out, turns, run_name, **extra):
    return play(
        text="a lighthouse in the fog",
        turns=turns,
        provider="openai",
        base_url=server.base_url,
        out=str(out),
        run_name=run_name,
        tracker=False,
        api_key="test-key",
        **extra,
    )


def test_a_second_process_on_a_run_exits_5_naming_the_holder(tmp_path, capsys, monkeypatch):
    with OpenAICompatibleServer(delay_s=0.2) as server:
        args = ["run", "--text", "two terminals", "-n", "4", "--provider", "openai"]
        args += ["--base-url", server.base_url, "--out", str(tmp_path), "--run-name", "shared"]
        args += ["--no-tracker"]
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        env = {**os.environ, "COLUMNS": "300"}
        command = [sys.executable, "-m", "image_telephone.cli", *args]
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while not (tmp_path / "shared" / "run.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert main(args) == 5  # this process is the second writer
        error = capsys.readouterr().err.strip()
        assert "\n" not in error and f"pid {first.pid}" in error and "since" in error
        first_output, _ = first.communicate(timeout=120)
        assert first.returncode == 0, first_output
        # Only the holder played: one painting per turn.
        assert server.calls("images/generations") == 4
    assert check_run(LocalStore(tmp_path / "shared")).intact


def test_a_held_s3_run_is_refused_and_an_interrupted_one_resumes(bucket, openai_server):
    name, _ = bucket
    out = f"s3://{name}/runs"
    with acquire_run_lock(open_store(out).child("leased")):
        with pytest.raises(RunLockedError, match="another process holds this run"):
            _openai(openai_server, out, 2, "leased")
    assert _openai(openai_server, out, 2, "leased").captions


def test_models_from_the_environment_are_settings_compared_on_resume(
    openai_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("IMAGE_TELEPHONE_CAPTION_MODEL", "gpt-4o-mini")
    first = _openai(openai_server, tmp_path, 1, "env")
    assert first.manifest["settings"]["caption_model"] == "gpt-4o-mini"
    assert first.manifest["settings"]["image_model"] == "gpt-image-2"
    assert first.manifest["settings"]["base_url"] == openai_server.base_url
    chats = [r.body["model"] for r in openai_server.requests if r.path.endswith("completions")]
    assert chats == ["gpt-4o-mini"]

    monkeypatch.setenv("IMAGE_TELEPHONE_CAPTION_MODEL", "gpt-4o")
    with pytest.raises(RunConflictError, match="caption_model: 'gpt-4o-mini' -> 'gpt-4o'"):
        _openai(openai_server, tmp_path, 2, "env")
    monkeypatch.setenv("IMAGE_TELEPHONE_CAPTION_MODEL", "gpt-4o-mini")
    assert len(_openai(openai_server, tmp_path, 2, "env").captions) == 2


def test_only_the_default_image_model_may_fall_back(monkeypatch):
    defaulted = GameSettings(provider="openai").resolved()
    assert (defaulted.image_model, defaulted.image_model_fallback) == ("gpt-image-2", "gpt-image-1")
    named = GameSettings(provider="openai", image_model="dall-e-3").resolved()
    assert named.image_model_fallback is None
    monkeypatch.setenv("IMAGE_TELEPHONE_IMAGE_MODEL", "gpt-image-1.5")
    from_environment = GameSettings(provider="openai").resolved()
    assert from_environment.image_model == "gpt-image-1.5"
    assert from_environment.image_model_fallback is None


def test_the_default_image_model_falls_back_when_the_server_lacks_it(tmp_path):
    with OpenAICompatibleServer(missing_models={"gpt-image-2"}) as server:
        result = _openai(server, tmp_path, 2, "fallback")
        paints = [r.body["model"] for r in server.requests if r.path.endswith("generations")]
    assert paints == ["gpt-image-2", "gpt-image-1", "gpt-image-2", "gpt-image-1"]
    origin = result.metadata(1)["image_origin"]
    assert origin["image_model"] == "gpt-image-1"
    assert origin["parameter_notes"] == ["gpt-image-2 not available; fell back to gpt-image-1"]


def test_a_named_image_model_never_falls_back(tmp_path):
    with OpenAICompatibleServer(missing_models={"dall-e-3"}) as server:
        with pytest.raises(ProviderError, match="HTTP 404"):
            _openai(server, tmp_path, 1, "named", image_model="dall-e-3")


def test_a_failed_run_is_listed_as_failed_with_its_reason(openai_server, tmp_path, capsys):
    openai_server.fail_after = 4
    openai_server.fail_status = 403
    args = ["run", "--text", "a failing game", "-n", "4", "--provider", "openai"]
    args += ["--base-url", openai_server.base_url, "--out", str(tmp_path), "--no-tracker"]
    os.environ["OPENAI_API_KEY"] = "test-key"
    try:
        assert main(args) == 3
    finally:
        del os.environ["OPENAI_API_KEY"]
    capsys.readouterr()
    assert main(["runs", "--out", str(tmp_path), "--check"]) == 0
    listing = capsys.readouterr().out
    assert "failed: " in listing and "HTTP 403" in listing and "intact" in listing


def test_a_killed_run_is_listed_as_stopped_not_running(tmp_path, capsys):
    assert main(["run", "--text", "a kite", "-n", "2", "--out", str(tmp_path), "--no-tracker"]) == 0
    run = tmp_path / next(p.name for p in tmp_path.iterdir())
    manifest = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**manifest, "status": "running"}))
    capsys.readouterr()
    assert main(["runs", "--out", str(tmp_path)]) == 0
    assert "stopped" in capsys.readouterr().out
    with acquire_run_lock(LocalStore(run)):
        assert main(["runs", "--out", str(tmp_path)]) == 0
        assert "running" in capsys.readouterr().out


def test_a_missing_tracker_bucket_exits_4_before_the_run_exists(bucket, tmp_path, capsys):
    args = ["run", "--text", "a tracked kite", "-n", "1", "--out", str(tmp_path)]
    assert main([*args, "--track-to", "s3://no-such-tracker-bucket"]) == 4
    error = capsys.readouterr().err
    assert "no-such-tracker-bucket" in error and "Traceback" not in error
    assert list(tmp_path.iterdir()) == []


def test_a_presigned_start_url_is_stored_without_its_signature(bucket, tmp_path, start_image):
    name, client = bucket
    client.put_object(Bucket=name, Key="inputs/start.png", Body=start_image.read_bytes())
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": name, "Key": "inputs/start.png"}, ExpiresIn=600
    )
    signature = url.split("Signature=")[1].split("&")[0]
    result = play(url, turns=2, provider="offline", out=str(tmp_path), run_name="signed")
    assert len(result.captions) == 2
    stored = result.manifest["start"]["value"]
    assert "Signature=REDACTED" in stored and signature not in stored
    burr_logs = list((Path.home() / ".burr").rglob("*"))
    assert burr_logs, "the tracker wrote nothing"
    for path in [*(tmp_path / "signed").iterdir(), *burr_logs]:
        if path.is_file():
            assert signature.encode() not in path.read_bytes(), path


def test_a_base_url_with_credentials_reaches_the_client_but_not_the_record():
    settings = GameSettings(provider="openai", base_url="http://me:hunter2@127.0.0.1:9/v1")
    assert settings.client_base_url == "http://me:hunter2@127.0.0.1:9/v1"
    assert "hunter2" not in json.dumps(settings.resolved().as_record())
    assert settings.resolved().client_base_url == settings.client_base_url


def test_a_run_asked_for_fewer_turns_than_it_has_stays_complete(tmp_path, capsys):
    common = dict(text="a blue fish", provider="offline", out=str(tmp_path), run_name="done")
    assert len(play(turns=3, tracker=False, **common).captions) == 3
    again = play(turns=2, tracker=False, **common)
    assert again.manifest["status"] == "complete" and len(again.captions) == 3
    capsys.readouterr()
    assert main(["runs", "--out", str(tmp_path)]) == 0
    assert "complete" in capsys.readouterr().out


def test_an_application_built_twice_in_one_process_says_so(tmp_path):
    from image_telephone import build_application

    options = dict(text="a kite", provider="offline", out=str(tmp_path), run_name="twice")
    first = build_application(turns=1, tracker=False, **options)
    with pytest.raises(RunLockedError, match="this process holds this run already"):
        build_application(turns=1, tracker=False, **options)
    del first
    import gc

    gc.collect()
    assert build_application(turns=1, tracker=False, **options) is not None


def test_a_caption_whose_analysis_failed_is_not_listed_as_a_done_turn(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGE_TELEPHONE_MAX_RETRIES", "0")
    with OpenAICompatibleServer(always_fail_models={"text-embedding-3-small"}) as server:
        for _ in range(2):  # the failure, then a resume that fails the same way
            with pytest.raises(ProviderError, match="embed the caption"):
                _openai(server, tmp_path, 2, "unembedded")
    run = tmp_path / "unembedded"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["status"] == "failed" and manifest["turns_done"] == 0
    assert [turn["metadata"] for turn in manifest["turns"]] == [None]
    assert check_run(LocalStore(run)).intact
