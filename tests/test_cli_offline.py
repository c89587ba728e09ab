"""The offline game end to end through the command line."""

import datetime
import json
import subprocess
import sys

from PIL import Image

from image_telephone.cli import main


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "image_telephone.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _assert_complete_run(run_dir, turns: int, start_kind: str) -> dict:
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["turns_done"] == manifest["turns_planned"] == turns
    assert manifest["start"]["kind"] == start_kind
    assert manifest["settings"]["provider"] == "offline"
    assert manifest["models"] == {
        "caption_model": "offline-describe-1",
        "embeddings_model": "offline-embed-1",
        "image_model": "offline-sketch-1",
    }
    assert {"python", "apache-hamilton", "apache-burr", "openai"} <= set(manifest["versions"])
    assert [t["image"] for t in manifest["turns"]] == [f"image_{i:03d}.png" for i in range(turns)]
    for index, turn in enumerate(manifest["turns"]):
        with Image.open(run_dir / turn["image"]) as image:
            image.verify()
        metadata = json.loads((run_dir / turn["metadata"]).read_text())
        assert metadata["generated_caption"] == turn["caption"]
        assert metadata["turn"] == index
        assert len(metadata["caption_embeddings"]) == 256
        assert datetime.datetime.fromisoformat(metadata["created_at"]).utcoffset() is not None
    assert sorted(p.name for p in run_dir.glob("image_*.png")) == [
        f"image_{i:03d}.png" for i in range(turns)
    ]
    assert not list(run_dir.glob("*.tmp")) and [p.name for p in run_dir.glob(".*")] == [".lock"]
    return manifest


def test_image_start_plays_five_turns(tmp_path, start_image):
    completed = _run_cli(
        "run",
        str(start_image),
        "-n",
        "5",
        "--provider",
        "offline",
        "--out",
        str(tmp_path / "runs"),
        "--run-name",
        "from-image",
    )
    assert completed.returncode == 0, completed.stderr
    manifest = _assert_complete_run(tmp_path / "runs" / "from-image", 5, "image")
    assert (
        tmp_path / "runs" / "from-image" / "image_000.png"
    ).read_bytes() == start_image.read_bytes()
    # The summary table names every caption's turn
    assert "from-image" in completed.stdout
    assert manifest["turns"][0]["caption"].split()[0].lower() in completed.stdout.lower()


def test_text_start_plays_five_turns(tmp_path):
    out = tmp_path / "runs"
    code = main(
        [
            "run",
            "--text",
            "a bright red circle on a dark blue background",
            "-n",
            "5",
            "--provider",
            "offline",
            "--out",
            str(out),
            "--run-name",
            "from-text",
        ]
    )
    assert code == 0
    manifest = _assert_complete_run(out / "from-text", 5, "text")
    first = json.loads((out / "from-text" / "metadata_000.json").read_text())
    assert first["image_origin"]["image_prompt"].startswith("a bright red circle")
    assert "red" in manifest["turns"][0]["caption"]


def test_same_seed_gives_identical_captions(tmp_path):
    def captions(name: str, seed: str) -> list[str]:
        assert (
            main(
                [
                    "run",
                    "--text",
                    "a yellow square in the top left on a green background",
                    "-n",
                    "4",
                    "--provider",
                    "offline",
                    "--temperature",
                    "0.9",
                    "--seed",
                    seed,
                    "--out",
                    str(tmp_path),
                    "--run-name",
                    name,
                    "--no-tracker",
                ]
            )
            == 0
        )
        metadata = sorted((tmp_path / name).glob("metadata_*.json"))
        return [json.loads(p.read_text())["generated_caption"] for p in metadata]

    first, again, other = captions("a", "7"), captions("b", "7"), captions("c", "8")
    assert first == again
    assert (tmp_path / "a" / "image_003.png").read_bytes() == (
        tmp_path / "b" / "image_003.png"
    ).read_bytes()
    assert first != other


def test_default_provider_is_offline_without_a_key_and_says_so(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                "--text",
                "a green triangle",
                "-n",
                "1",
                "--out",
                str(tmp_path),
                "--run-name",
                "default",
                "--no-tracker",
            ]
        )
        == 0
    )
    assert "provider: offline (OPENAI_API_KEY is not set" in capsys.readouterr().err


def test_show_prints_the_chain(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                "--text",
                "a purple star",
                "-n",
                "3",
                "--provider",
                "offline",
                "--out",
                str(tmp_path),
                "--run-name",
                "chain",
                "--no-tracker",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["show", "chain", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    manifest = json.loads((tmp_path / "chain" / "run.json").read_text())
    for turn in manifest["turns"]:
        assert turn["caption"][:30] in " ".join(printed.split())
    assert "3/3 turns" in printed
