"""What users of the original elijahbenizzy dataflows rely on keeps working: the analysis of a
caption they already have calls no vision model, and the original metadata keys are there."""

import os
import subprocess
import sys
from pathlib import Path

import openai
from hamilton import driver

from image_telephone.dataflows import caption_images
from image_telephone.testing import OpenAICompatibleServer

ROOT = Path(__file__).parent.parent


def test_overriding_the_caption_calls_no_vision_model(openai_server, start_image):
    client = openai.OpenAI(base_url=openai_server.base_url, api_key="test-key")
    dr = (
        driver.Builder()
        .with_config({"provider": "openai", "include_embeddings": True})
        .with_modules(caption_images)
        .build()
    )
    result = dr.execute(
        ["metadata"],
        inputs={"image_url": str(start_image), "openai_client": client},
        overrides={"generated_caption": "a red disc on blue"},
    )
    assert openai_server.calls("chat/completions") == 0  # as in Burr's image-telephone example
    assert openai_server.calls("embeddings") == 1
    metadata = result["metadata"]
    assert metadata["original_image_url"] == str(start_image)
    assert metadata["execution_time"] == metadata["created_at"]
    assert metadata["generated_caption"] == "a red disc on blue"
    assert len(metadata["caption_embeddings"]) > 0


def test_processed_image_url_is_the_image_as_the_model_receives_it(start_image):
    dr = driver.Builder().with_config({"provider": "offline"}).with_modules(caption_images).build()
    result = dr.execute(["processed_image_url"], inputs={"image_url": str(start_image)})
    assert result["processed_image_url"].startswith("data:image/png;base64,")


def test_with_no_config_and_no_client_the_dataflows_are_openai_s(
    openai_server, start_image, monkeypatch
):
    from image_telephone.dataflows import generate_images

    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    caption = driver.Builder().with_config({"include_embeddings": True})
    caption = caption.with_modules(caption_images).build()
    result = caption.execute(
        ["generated_caption", "metadata"], inputs={"image_url": str(start_image)}
    )
    assert result["generated_caption"] and result["metadata"]["caption_embeddings"]
    paint = driver.Builder().with_config({}).with_modules(generate_images).build()
    painted = paint.execute(
        ["generated_image", "generated_image_png"], inputs={"image_generation_prompt": "a kite"}
    )
    # The original's contract: DALL·E 3, asked for a URL; the bytes are fetched at once.
    assert painted["generated_image"].startswith(f"http://127.0.0.1:{openai_server.port}/files/")
    assert painted["generated_image_png"].startswith(b"\x89PNG")
    paints = [r.body for r in openai_server.requests if r.path.endswith("generations")]
    assert paints[0]["model"] == "dall-e-3" and paints[0]["response_format"] == "url"
    assert [r.path.split("/")[-1] for r in openai_server.requests][:3] == [
        "completions",
        "embeddings",
        "generations",
    ]


BURR_EXAMPLE = Path(__file__).parent / "burr_example"
RUN_EXAMPLE = """
import sys
from hub_contrib.local_hub import install_local_hub

install_local_hub()
import application  # Burr's example; only its import lines name user image_telephone

app = application.build_application(sys.argv[1], number_of_images_to_caption=2)
action, result, state = app.run(halt_after=["terminal"])
print(action.name, len(state["image_caption_history"]), len(state["caption_analysis"]))
"""


def test_burr_s_example_runs_with_only_its_import_lines_changed(tmp_path, start_image):
    # The original makes one chat call per caption, one embeddings call per analysis and one
    # images call per painting (read from its code); so must the drop-in.
    with OpenAICompatibleServer(url_reads=3) as server:  # the hook and the caption fetch it too
        done = subprocess.run(
            [sys.executable, "-c", RUN_EXAMPLE, str(start_image)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env={
                **os.environ,
                "HOME": str(tmp_path),
                "PYTHONPATH": os.pathsep.join([str(BURR_EXAMPLE), str(ROOT)]),
                "OPENAI_BASE_URL": server.base_url,
                "OPENAI_API_KEY": "test-key",
            },
        )
        calls = [r.path.rsplit("/", 1)[-1] for r in server.requests if r.path.startswith("/v1")]
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1].split() == ["terminal", "2", "3"]
    assert (calls.count("completions"), calls.count("embeddings"), calls.count("generations")) == (
        3,
        3,
        2,
    )
    saved = list((tmp_path / "saved_images").rglob("*.png"))
    assert len(saved) == 2 and all(p.read_bytes().startswith(b"\x89PNG") for p in saved)
