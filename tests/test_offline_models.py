"""The built-in offline models: captions that sketch can read back, pictures that match, vectors."""

import io
import math
import re

import pytest
from PIL import Image

from image_telephone.providers.offline import (
    DESCRIBE_MODEL,
    EMBED_DIMENSIONS,
    EMBED_MODEL,
    SKETCH_MODEL,
    describe,
    embed,
    sketch,
)

COLOUR_NAMES = (
    "red",
    "orange",
    "yellow",
    "green",
    "teal",
    "blue",
    "purple",
    "pink",
    "brown",
    "black",
    "white",
    "gray",
)


def pixel(png: bytes, x: float, y: float) -> tuple[int, int, int]:
    """The RGB colour at (x, y), given as fractions of the picture's width and height."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.getpixel((int(x * (image.width - 1)), int(y * (image.height - 1))))


def cosine(first: list[float], second: list[float]) -> float:
    return sum(a * b for a, b in zip(first, second, strict=True))


def test_model_names_are_the_published_ones():
    assert (DESCRIBE_MODEL, SKETCH_MODEL, EMBED_MODEL, EMBED_DIMENSIONS) == (
        "offline-describe-1",
        "offline-sketch-1",
        "offline-embed-1",
        256,
    )


def test_round_trip_names_the_circle_and_the_background_colours():
    caption = describe(sketch("a bright red circle on a dark blue background"))
    assert caption == "a red circle in the center on a dark blue background"


def test_round_trip_keeps_colours_and_layout():
    caption = describe(sketch("a yellow square in the top left on a green background"))
    assert "yellow" in caption and "green" in caption
    assert "top left" in caption or "upper left" in caption
    assert "square" in caption


@pytest.mark.parametrize("shape", ["circle", "square", "rectangle", "triangle", "star", "band"])
def test_round_trip_keeps_the_shape(shape):
    caption = describe(sketch(f"a white {shape} on a black background"))
    assert f"white {shape}" in caption
    assert "black background" in caption


def test_round_trip_keeps_stripes_and_orientation():
    assert describe(sketch("vertical purple stripes on a white background")) == (
        "vertical purple stripes on a white background"
    )


def test_sketch_paints_colours_where_the_prompt_puts_them():
    png = sketch("a red circle in the top left on a blue background")
    red, blue = pixel(png, 0.22, 0.22), pixel(png, 0.8, 0.8)
    assert red[0] > 180 and red[2] < 80
    assert blue[2] > 170 and blue[0] < 80


def test_sketch_paints_scene_words():
    png = sketch("a blue sky over a green meadow")
    sky, grass = pixel(png, 0.5, 0.1), pixel(png, 0.5, 0.9)
    assert sky[2] > sky[0] and sky[2] > sky[1]
    assert grass[1] > grass[0] and grass[1] > grass[2]


def test_sketch_reads_brightness_and_saturation_words_back():
    scene = "picture of a red circle in the center on a dark blue background"
    assert describe(sketch(f"a bright {scene}"), descriptiveness="very").startswith("a bright,")
    assert "muted" in describe(sketch(f"a muted {scene}"), descriptiveness="very")
    assert "busy" in describe(sketch(f"a busy {scene}"), descriptiveness="very")


def test_secondary_colours_survive_an_extreme_round_trip():
    caption = describe(
        sketch("a green band along the bottom on a blue background with a little yellow sun"),
        descriptiveness="extremely",
    )
    assert "green band along the bottom" in caption
    assert "blue background" in caption
    assert "a little yellow in the top right" in caption


def test_twenty_turn_chain_varies_but_stays_readable_english():
    caption = "a bright red circle on a dark blue background"
    captions = []
    for turn in range(20):
        image = sketch(caption, seed=turn)
        caption = describe(image, temperature=0.7, seed=turn, descriptiveness="very")
        captions.append(caption)
    assert len(set(captions)) >= 5
    for caption in captions:
        assert re.fullmatch(r"(a|an|one) [a-z]+( [a-z]+|,)*( [a-z]+)", caption), caption
        assert 8 <= len(caption.split()) <= 30
        assert "red" in caption and "blue" in caption
        assert "background" in caption or "backdrop" in caption


def test_sketch_is_deterministic_and_seeded():
    prompt = "a small orange star in the bottom right on a teal background"
    assert sketch(prompt, seed=3) == sketch(prompt, seed=3)
    assert sketch(prompt, seed=3) != sketch(prompt, seed=4)


def test_describe_is_deterministic_for_the_same_image_parameters_and_seed():
    image = sketch("a pink oval on the left on a gray background")
    for temperature in (0.0, 0.9, 3.0):
        first = describe(image, temperature=temperature, seed=7, descriptiveness="extremely")
        assert first == describe(
            image, temperature=temperature, seed=7, descriptiveness="extremely"
        )
    assert describe(image, seed=1) == describe(image, seed=2)  # temperature 0 ignores the seed


def test_higher_temperature_varies_the_wording():
    image = sketch("a pink oval on the left on a gray background")
    assert len({describe(image, temperature=1.5, seed=seed) for seed in range(10)}) > 3


def test_unknown_words_give_each_prompt_its_own_picture():
    assert sketch("a red circle near a zebra") != sketch("a red circle near a giraffe")


def test_sketch_accepts_any_text_and_size():
    for prompt in ("", "日本語のテキスト 🎨", "\ud800 lone surrogate", "word " * 2000):
        image = Image.open(io.BytesIO(sketch(prompt, size=(96, 40))))
        assert image.format == "PNG" and image.size == (96, 40)
    assert Image.open(io.BytesIO(sketch("a red circle", size=(1, 1)))).size == (1, 1)


def test_sketch_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="size"):
        sketch("a red circle", size=(0, 512))


def test_descriptiveness_adds_detail():
    image = sketch("a large yellow triangle at the bottom on a purple background with some white")
    plain = describe(image)
    somewhat = describe(image, descriptiveness="somewhat")
    very = describe(image, descriptiveness="very")
    extremely = describe(image, descriptiveness="extremely")
    obsessively = describe(image, descriptiveness="obsessively")
    assert plain == somewhat
    assert len(plain) < len(very) < len(extremely) < len(obsessively)
    assert plain in very and "large" in extremely and "%" in obsessively
    assert describe(image, descriptiveness="wildly") == very  # unknown adverbs mean "very"
    assert describe(image, descriptiveness="EXTREMELY") == extremely


def test_max_words_and_stop_cut_the_caption():
    image = sketch("a red circle in the center on a dark blue background")
    full = describe(image, descriptiveness="extremely")
    assert describe(image, descriptiveness="extremely", max_words=5) == " ".join(full.split()[:5])
    assert describe(image, max_words=1) == "a"
    stopped = describe(image, descriptiveness="extremely", stop=["circle", "picture"])
    assert full.startswith(stopped) and "picture" not in stopped and "circle" not in stopped
    assert describe(image, stop="blue") == "a red circle in the center on a dark"
    assert describe(image, stop=["a red"]) == "an image"  # never empty


def test_describe_rejects_bad_parameters():
    image = sketch("a red circle")
    with pytest.raises(ValueError, match="temperature"):
        describe(image, temperature=-0.1)
    with pytest.raises(ValueError, match="max_words"):
        describe(image, max_words=0)


@pytest.mark.parametrize("data", [b"", b"definitely not an image", sketch("a red circle")[:80]])
def test_describe_rejects_undecodable_bytes(data):
    with pytest.raises(ValueError, match="offline describe: the image could not be decoded"):
        describe(data)


@pytest.mark.parametrize(
    "fmt, mode", [("JPEG", "RGB"), ("WEBP", "RGB"), ("GIF", "P"), ("PNG", "RGBA"), ("BMP", "RGB")]
)
def test_describe_reads_common_formats(fmt, mode):
    prompt = "a blue square in the top right on a yellow background"
    picture = Image.open(io.BytesIO(sketch(prompt)))
    buffer = io.BytesIO()
    picture.convert(mode).save(buffer, format=fmt)
    assert describe(buffer.getvalue()) == prompt


def test_describe_puts_transparent_pictures_on_white():
    picture = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    picture.paste((200, 30, 30, 255), (30, 30, 70, 70))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    assert describe(buffer.getvalue()) == "a red square in the center on a white background"


def test_embed_is_a_deterministic_unit_vector():
    text = "a red circle in the center on a dark blue background"
    vector = embed(text)
    assert vector == embed(text)
    assert len(vector) == EMBED_DIMENSIONS and all(isinstance(value, float) for value in vector)
    assert math.isclose(math.sqrt(sum(value * value for value in vector)), 1.0)
    assert math.isclose(cosine(vector, embed(text)), 1.0)
    assert len(embed(text, dimensions=32)) == 32


def test_embed_similarity_follows_shared_words():
    base = embed("a red circle in the center on a dark blue background")
    close = embed("a red disc in the middle on a deep blue background")
    unrelated = embed("quarterly revenue grew despite supply chain delays")
    assert cosine(base, close) > 0.4
    assert abs(cosine(base, unrelated)) < 0.2


def test_embed_of_empty_text_is_a_finite_unit_vector():
    for text in ("", "   ", "?!"):
        vector = embed(text)
        assert all(math.isfinite(value) for value in vector)
        assert math.isclose(sum(value * value for value in vector), 1.0)


def test_embed_rejects_no_dimensions():
    with pytest.raises(ValueError, match="dimensions"):
        embed("text", dimensions=0)
