"""Runs persisted to a real S3 endpoint (moto_server on 127.0.0.1) through boto3."""

import json
import subprocess
import sys

import pytest

from image_telephone import StorageError, play
from image_telephone.cli import main

from .conftest import S3_SECRET as SECRET
from .conftest import png_bytes


def _objects(client, bucket_name, prefix=""):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket_name, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_offline_game_to_s3_with_content_types_and_listing(bucket, capsys):
    name, client = bucket
    out = f"s3://{name}/games"
    assert (
        main(
            [
                "run",
                "--text",
                "a red circle on a blue background",
                "-n",
                "3",
                "--provider",
                "offline",
                "--out",
                out,
                "--run-name",
                "s3-game",
            ]
        )
        == 0
    )
    keys = _objects(client, name, "games/s3-game/")
    expected = {
        f"games/s3-game/{k}"
        for k in (
            "image_000.png",
            "image_001.png",
            "image_002.png",
            "metadata_000.json",
            "metadata_001.json",
            "metadata_002.json",
            "run.json",
            "state.json",
        )
    }
    assert expected <= keys
    assert not any(".image-telephone-write-check" in k for k in keys)
    for key in expected:
        head = client.head_object(Bucket=name, Key=key)
        assert head["ContentType"] == ("image/png" if key.endswith(".png") else "application/json")
        body = client.get_object(Bucket=name, Key=key)["Body"].read()
        assert SECRET.encode() not in body
    manifest = json.loads(
        client.get_object(Bucket=name, Key="games/s3-game/run.json")["Body"].read()
    )
    assert manifest["status"] == "complete" and manifest["turns_done"] == 3
    capsys.readouterr()
    assert main(["runs", "--out", out]) == 0
    listing = capsys.readouterr().out
    assert "s3-game" in listing and "3/3" in listing and "offline" in listing


def test_resume_from_s3_on_a_fresh_machine(bucket, openai_server, tmp_path, monkeypatch):
    name, client = bucket
    args = dict(
        text="a yellow kite",
        turns=4,
        provider="openai",
        base_url=openai_server.base_url,
        api_key="sk-test",
        image_model="gpt-image-1",
        out=f"s3://{name}/runs",
        run_name="travels",
    )
    openai_server.fail_after = 5
    openai_server.fail_status = 403
    with pytest.raises(Exception, match="HTTP 403"):
        play(**args)
    done_before = _objects(client, name, "runs/travels/image_")
    assert 1 <= len(done_before) < 4
    # Another machine: an empty home (no ~/.burr), another working directory.
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    monkeypatch.setenv("HOME", str(other_home))
    monkeypatch.chdir(other_home)
    openai_server.fail_after = None
    result = play(**args)
    assert len(result.images) == 4 and len(result.captions) == 4
    assert _objects(client, name, "runs/travels/image_") == {
        f"runs/travels/image_{i:03d}.png" for i in range(4)
    }
    assert len(_objects(client, name, "runs/travels/metadata_")) == 4


def test_start_image_from_s3(bucket, tmp_path):
    name, client = bucket
    start = png_bytes(color=(240, 200, 20), size=(128, 128))
    client.put_object(Bucket=name, Key="inputs/start.png", Body=start, ContentType="image/png")
    assert (
        main(
            [
                "run",
                f"s3://{name}/inputs/start.png",
                "-n",
                "2",
                "--provider",
                "offline",
                "--out",
                str(tmp_path),
                "--run-name",
                "from-s3",
                "--no-tracker",
            ]
        )
        == 0
    )
    assert (tmp_path / "from-s3" / "image_000.png").read_bytes() == start
    assert (
        "yellow"
        in json.loads((tmp_path / "from-s3" / "run.json").read_text())["turns"][0]["caption"]
    )


def _openai_run(server, out, *extra):
    return main(
        [
            "run",
            "--text",
            "a lighthouse",
            "-n",
            "2",
            "--provider",
            "openai",
            "--base-url",
            server.base_url,
            "--out",
            out,
            "--run-name",
            "never",
            *extra,
        ]
    )


def test_missing_bucket_fails_before_any_model_call(bucket, openai_server, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert _openai_run(openai_server, "s3://no-such-bucket-here/runs") == 4
    err = capsys.readouterr().err
    assert "no-such-bucket-here" in err and "does not exist" in err
    assert openai_server.requests == []


def test_wrong_credentials_fail_before_any_model_call(
    bucket, moto, openai_server, monkeypatch, capsys
):
    name, _ = bucket
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    moto.require_credentials(True)
    try:
        code = _openai_run(openai_server, f"s3://{name}/runs")
    finally:
        moto.require_credentials(False)
    err = capsys.readouterr().err
    assert code == 4 and name in err and "credentials" in err
    assert SECRET not in err and "AKIAWRONG" not in err
    assert openai_server.requests == []


def test_store_errors_are_storage_errors(bucket):
    name, _ = bucket
    with pytest.raises(StorageError, match="does not exist"):
        play(text="x", turns=1, provider="offline", out="s3://absent-bucket-xyz/p", tracker=False)


def test_burr_s3_tracker_logs_the_run(bucket, tmp_path):
    name, client = bucket
    # A process of its own: Burr's S3 tracker flushes its last events when the program ends.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "image_telephone.cli",
            "run",
            "--text",
            "a teal square",
            "-n",
            "2",
            "--provider",
            "offline",
            "--out",
            str(tmp_path),
            "--run-name",
            "tracked",
            "--track-to",
            f"s3://{name}",
            "--project",
            "telephone-s3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    keys = _objects(client, name, "data/telephone-s3/")
    assert any(k.endswith("tracked/graph.json") for k in keys)
    logs = [k for k in keys if "/tracked/" in k and k.endswith(".jsonl")]
    events = b"".join(client.get_object(Bucket=name, Key=k)["Body"].read() for k in logs)
    assert b'"action": "analyze"' in events or b'"action":"analyze"' in events
    assert SECRET.encode() not in events


def test_hamilton_savers_write_images_and_json_to_s3_and_files(bucket, tmp_path):
    from hamilton import driver
    from hamilton.io.materialization import to

    from image_telephone.dataflows import generate_images

    name, client = bucket
    painter = (
        driver.Builder().with_config({"provider": "offline"}).with_modules(generate_images).build()
    )
    materializers = [
        to.image_s3(
            id="png_s3", dependencies=["generated_image_png"], uri=f"s3://{name}/out/a.png"
        ),
        to.json_s3(id="meta_s3", dependencies=["metadata"], uri=f"s3://{name}/out/a.json"),
        to.image_file(
            id="png_file", dependencies=["generated_image_png"], uri=str(tmp_path / "a.png")
        ),
        to.json_file(id="meta_file", dependencies=["metadata"], uri=str(tmp_path / "a.json")),
    ]
    saved, results = painter.materialize(
        *materializers,
        additional_vars=["generated_image_png"],
        inputs={"image_generation_prompt": "a pink star"},
    )
    png = results["generated_image_png"]
    assert client.get_object(Bucket=name, Key="out/a.png")["Body"].read() == png
    head = client.head_object(Bucket=name, Key="out/a.json")
    assert head["ContentType"] == "application/json"
    assert (tmp_path / "a.png").read_bytes() == png
    assert json.loads((tmp_path / "a.json").read_text())["image_prompt"] == "a pink star"
    assert saved["png_s3"]["uri"] == f"s3://{name}/out/a.png"
