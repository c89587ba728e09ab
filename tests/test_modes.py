"""The creative modes, style modifiers and mixed prompts, offline."""

import json

import pytest

from image_telephone import InputError, play
from image_telephone.cli import main


def _metadata(result):
    return [result.metadata(i) for i in range(len(result.captions))]


def test_story_mode_captions_carry_panel_numbers(tmp_path):
    result = play(
        text="a small red circle on the left on a blue background",
        turns=4,
        provider="offline",
        mode="story",
        out=str(tmp_path),
        run_name="story",
        tracker=False,
    )
    assert [c.split(":")[0] for c in result.captions] == [f"Panel {n} of 4" for n in range(1, 5)]
    prompts = [m["next_prompt"] for m in _metadata(result)[:3]]
    assert [p.split(":")[0] for p in prompts] == [f"Panel {n} of 4" for n in range(2, 5)]
    # Each painted image is the next panel's description, carried forward from the caption.
    images = [
        json.loads((tmp_path / "story" / f"metadata_{i:03d}.json").read_text())["image_origin"][
            "image_prompt"
        ]
        for i in range(1, 4)
    ]
    assert images == prompts
    assert "at night" in prompts[-1]


def test_more_mode_escalates_each_turn(tmp_path):
    result = play(
        text="a dim small red circle on a blue background",
        turns=4,
        provider="offline",
        mode="more",
        more_of="hard-working",
        descriptiveness="very",
        out=str(tmp_path),
        run_name="more",
        tracker=False,
    )
    prompts = [m["next_prompt"] for m in _metadata(result)[:3]]
    assert [p.rsplit(",", 1)[1].strip() for p in prompts] == [
        "even more hard-working",
        "much more hard-working",
        "far more hard-working",
    ]
    assert all(m["rewrite"]["model"] == "offline-rewrite-1" for m in _metadata(result)[:3])
    assert len(result.images) == 4


def test_telephone_mode_runs_four_turns_without_a_rewrite_step(tmp_path, isolated_environment):
    result = play(
        text="a green triangle", turns=4, provider="offline", out=str(tmp_path), run_name="plain"
    )
    assert len(result.captions) == 4
    log = (isolated_environment / ".burr" / "image-telephone" / "plain" / "log.jsonl").read_text()
    entries = [json.loads(line) for line in log.splitlines()]
    actions = {entry["action"] for entry in entries if entry["type"] == "end_entry"}
    assert actions == {"generate", "caption", "analyze", "terminal"}


def test_modifiers_and_mix_reach_the_image_prompt(tmp_path):
    assert (
        main(
            [
                "run",
                "--mix",
                "a red circle",
                "a green field",
                "-n",
                "2",
                "--provider",
                "offline",
                "--modifier",
                "trending on artstation",
                "--modifier",
                "rendered in Unreal Engine",
                "--out",
                str(tmp_path),
                "--run-name",
                "mixed",
                "--no-tracker",
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "mixed" / "run.json").read_text())
    assert manifest["start"]["value"] == "a red circle, blended with a green field"
    first = json.loads((tmp_path / "mixed" / "metadata_000.json").read_text())
    assert first["image_origin"]["image_prompt"] == (
        "a red circle, blended with a green field, trending on artstation, "
        "rendered in Unreal Engine"
    )


def test_panels_set_story_mode_and_turns(tmp_path):
    assert (
        main(
            [
                "run",
                "--text",
                "a yellow square",
                "--panels",
                "3",
                "--provider",
                "offline",
                "--out",
                str(tmp_path),
                "--run-name",
                "comic",
                "--no-tracker",
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "comic" / "run.json").read_text())
    assert manifest["settings"]["mode"] == "story" and manifest["turns_done"] == 3
    assert main(["run", "--text", "x", "--panels", "3", "-n", "4", "--out", str(tmp_path)]) == 2


@pytest.mark.parametrize("options", [{"mode": "more"}, {"mode": "jazz"}, {"more_of": "shiny"}])
def test_bad_mode_settings(options, tmp_path):
    with pytest.raises(InputError):
        play(text="x", turns=2, provider="offline", out=str(tmp_path), **options)
    assert not any(tmp_path.iterdir())


def test_start_image_with_text_paints_onto_it_offline(tmp_path, start_image):
    assert (
        main(
            [
                "run",
                "--text",
                "a yellow square in the top left",
                "--start-image",
                str(start_image),
                "-n",
                "2",
                "--provider",
                "offline",
                "--out",
                str(tmp_path),
                "--run-name",
                "init",
                "--no-tracker",
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "init" / "run.json").read_text())
    assert manifest["start"] == {
        "kind": "text on image",
        "value": "a yellow square in the top left",
        "start_image": str(start_image),
    }
    first = json.loads((tmp_path / "init" / "metadata_000.json").read_text())
    assert first["image_origin"]["init_image"] == str(start_image)
    # The start image shows through: its red disc is in the middle of image_000.
    from PIL import Image

    with Image.open(tmp_path / "init" / "image_000.png") as image:
        red, green, blue = image.convert("RGB").resize((64, 64)).getpixel((32, 32))
    assert red > blue and red > green


def test_start_image_with_text_uses_the_images_edit_api(tmp_path, start_image, openai_server):
    result = play(
        str(start_image),
        text="a lighthouse",
        turns=2,
        provider="openai",
        base_url=openai_server.base_url,
        api_key="sk-test",
        image_model="gpt-image-1",
        out=str(tmp_path),
        run_name="edit",
        tracker=False,
    )
    assert len(result.images) == 2
    edits = [r.body for r in openai_server.requests if r.path.endswith("images/edits")]
    assert len(edits) == 1 and edits[0]["prompt"] == "a lighthouse"
    assert edits[0]["image"]["mime"] == "image/png"
    assert openai_server.calls("images/generations") == 1


def test_start_image_needs_text(tmp_path, start_image):
    assert main(["run", "--start-image", str(start_image), "-n", "2", "--out", str(tmp_path)]) == 2
