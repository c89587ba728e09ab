"""What users of the original elijahbenizzy dataflows rely on keeps working: the analysis of a
caption they already have calls no vision model, and the original metadata keys are there."""

import openai
from hamilton import driver

from image_telephone.dataflows import caption_images


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
    image = paint.execute(["generated_image"], inputs={"image_generation_prompt": "a red kite"})
    assert image["generated_image"]
    assert [r.path.rsplit("/", 1)[-1] for r in openai_server.requests] == [
        "completions",
        "embeddings",
        "generations",
    ]
