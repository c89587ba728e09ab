"""The huggingface provider plays whole games on open models loaded by path — tiny, randomly
initialised BLIP, Stable Diffusion and sentence-transformers models built here — resumes them,
serves a tournament's concurrent games in batches that paint what single calls paint, and names
a missing model or extra in one line."""

import io
import json
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from PIL import Image

from image_telephone.cli import main
from image_telephone.errors import InputError, ProviderError
from image_telephone.providers.huggingface import connect, loading
from image_telephone.store.chain import check_run
from image_telephone.store.storage import LocalStore

from . import tiny_models


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """The three tiny models' folders, built once."""
    root = tmp_path_factory.mktemp("tiny_models")
    return {
        "captioner": str(tiny_models.blip(root / "blip")),
        "painter": str(tiny_models.stable_diffusion(root / "sd")),
        "embedder": str(tiny_models.sentence_transformer(root / "st")),
    }


@pytest.fixture(autouse=True)
def offline_hub(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _roles(tiny):
    return [arg for role in tiny for arg in (f"--{role}", f"huggingface:{tiny[role]}")]


def _png(color):
    out = io.BytesIO()
    Image.new("RGB", (48, 48), color).save(out, format="PNG")
    return out.getvalue()


def test_a_cli_game_plays_on_open_models_and_resumes(tiny, tmp_path):
    args = ["run", "--text", "a red cat", "--out", str(tmp_path), "--run-name", "hf"]
    args += ["--no-tracker", "--steps", "1", "--guidance", "0", "--size", "32x32", "--seed", "5"]
    args += _roles(tiny)
    assert main([*args, "-n", "1"]) == 0
    assert main([*args, "-n", "2"]) == 0  # the same run, extended: a resume
    run = tmp_path / "hf"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["turns_done"] == 2 and manifest["settings"]["steps"] == 1
    assert {role: who["model"] for role, who in manifest["roles"].items()} == tiny
    metadata = json.loads((run / "metadata_001.json").read_text())
    assert metadata["generated_caption"]  # words of the tiny vocabulary
    assert set(metadata["generated_caption"].split()) <= set(tiny_models.BLIP_WORDS)
    assert metadata["caption_parameters"]["device"] == "cpu"
    assert len(metadata["caption_embeddings"]) == 32
    painted = metadata["image_origin"]["image_parameters"]
    assert painted | {"model": None} == painted | {
        "model": None,
        "device": "cpu",
        "dtype": "float32",
        "steps": 1,
        "guidance": 0.0,
        "size": "32x32",
        "seed": 5 + 1,
    }
    with Image.open(run / "image_001.png") as image:
        assert image.size == (32, 32)
    assert check_run(LocalStore(run)).intact


@pytest.fixture(scope="session")
def tiny_chat(tmp_path_factory):
    """A tiny LLaVA with a chat template, built once."""
    return str(tiny_models.llava(tmp_path_factory.mktemp("tiny_chat") / "llava"))


def test_a_chat_captioner_is_asked_the_game_prompt_and_rewrites(tiny, tiny_chat, tmp_path):
    args = ["run", "--text", "a red cat", "-n", "2", "--out", str(tmp_path), "--no-tracker"]
    args += [*_roles(tiny), "--captioner", f"huggingface:{tiny_chat}", "--steps", "1"]
    args += ["--prompt", "Be brief.", "--max-tokens", "5", "--mode", "more", "--more-of", "red"]
    assert main([*args, "--run-name", "chat"]) == 0
    metadata = json.loads((tmp_path / "chat" / "metadata_001.json").read_text())
    assert metadata["caption_parameters"]["prompt"] == metadata["caption_prompt"]
    assert metadata["caption_prompt"].endswith("Be brief.") and metadata["parameter_notes"] == []
    assert len(metadata["generated_caption"].split()) == 5  # its words, up to --max-tokens
    # The chat model rewrote the first caption, and the second image was painted from that.
    rewrite = json.loads((tmp_path / "chat" / "metadata_000.json").read_text())["rewrite"]
    assert rewrite["text"] and metadata["image_origin"]["image_prompt"] == rewrite["text"]


def test_a_blip_captioner_cannot_rewrite_and_says_which_can(tiny, tmp_path, capsys):
    args = ["run", "--text", "a red cat", "-n", "2", "--out", str(tmp_path), "--no-tracker"]
    args += [*_roles(tiny), "--steps", "1", "--mode", "more", "--more-of", "red"]
    assert main(args) == 3
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert "has no chat template" in line and "SmolVLM" in line


def _paint(client, tiny, i, seed=None):
    return client.paint(
        f"a red cat {i}",
        tiny["painter"],
        size="32x32",
        seed=i if seed is None else seed,
        init_image=None,
        steps=2,
        guidance=0.0,
    )


def _caption(client, tiny, i):
    return client.caption(
        _png((60 * i, 30, 30)),
        "Describe it.",
        tiny["captioner"],
        max_tokens=6,
        temperature=None,
        stop=None,
        seed=i,
        candidates=1,
    )


def test_batched_paintings_and_captions_are_the_single_calls_ones(tiny, monkeypatch):
    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_WAIT_MS", "2000")  # all four join one batch
    batched = connect(None)
    painted = _threads(lambda i: _paint(batched, tiny, i))
    captions = _threads(lambda i: _caption(batched, tiny, i))
    assert [p.parameters["batch_size"] for p in painted] == [4] * 4
    assert [c.parameters["batch_size"] for c in captions] == [4] * 4
    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_SIZE", "1")
    single = connect(None)
    for i in range(4):
        alone = _paint(single, tiny, i)
        assert alone.parameters["batch_size"] == 1
        # Per-painting generators: the same picture, up to float rounding in a bigger batch.
        assert np.abs(_pixels(alone.png) - _pixels(painted[i].png)).max() <= 2
        assert _caption(single, tiny, i).text == captions[i].text
    different = _paint(single, tiny, 0, seed=9)
    assert np.abs(_pixels(different.png) - _pixels(painted[0].png)).max() > 2


def test_sampled_captions_follow_the_seed(tiny):
    client = connect(None)

    def sampled(seed):
        return client.caption(
            _png((200, 30, 30)),
            "Describe it.",
            tiny["captioner"],
            max_tokens=8,
            temperature=1.5,
            stop=None,
            seed=seed,
            candidates=3,
        )

    first = sampled(1)
    assert first.texts == sampled(1).texts and len(first.texts) == 3
    assert first.parameters | {"seed": 1, "temperature": 1.5} == first.parameters
    assert {sampled(seed).texts for seed in (2, 3, 4)} != {first.texts}


def _threads(call, count=4):
    results = [None] * count
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, call(i))) for i in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _pixels(png):
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=int)


def test_a_tournament_serves_its_concurrent_games_in_batches(tiny, tmp_path, monkeypatch):
    from image_telephone.tournament import load_tournament, run_tournament

    from .test_tournament_config import write_tournament

    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_WAIT_MS", "300")
    body = f"""
prompt_ids = ["red-circle"]
seeds = [0, 1, 2, 3]
concurrency = 4

[[captioners]]
name = "blip"
provider = "huggingface"
model = "{tiny["captioner"]}"
max_tokens = 6

[[painters]]
name = "sd"
provider = "huggingface"
model = "{tiny["painter"]}"
steps = 1
size = "32x32"

[embedder]
provider = "huggingface"
model = "{tiny["embedder"]}"
"""
    result = run_tournament(load_tournament(write_tournament(tmp_path, body, turns=1)))
    assert (result.games["status"] == "complete").all() and len(result.games) == 4
    assert result.turns["distance_to_start"].notna().all()
    sizes = [
        json.loads(path.read_text())["image_origin"]["image_parameters"]["batch_size"]
        for path in (tmp_path / "out").rglob("metadata_*.json")
        if json.loads(path.read_text()).get("image_origin")
    ]
    assert sizes and max(sizes) > 1


def test_a_model_missing_offline_is_named_with_its_download_command(tiny, tmp_path, capsys):
    args = ["run", "--text", "a red cat", "-n", "1", "--out", str(tmp_path), "--no-tracker"]
    painter = "huggingface:example-org/never-downloaded"
    code = main([*args, *_roles(tiny), "--painter", painter])
    assert code == 3
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    assert "hf download example-org/never-downloaded;" in line and "Traceback" not in err


def test_playing_it_without_the_local_extra_names_the_extra(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        sys.modules["diffusers"] = None  # as if the local extra were not installed
        from image_telephone.cli import main
        sys.exit(main(["run", "--text", "a red cat", "-n", "1", "--provider", "huggingface",
                       "--out", sys.argv[1], "--no-tracker"]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.endswith("pip install 'image-telephone[local]'") and "diffusers" in line


def test_loading_the_models_draws_no_bar_through_the_game_s_progress(tiny, tmp_path):
    args = ["-m", "image_telephone.cli", "run", "--text", "a red cat", "-n", "1"]
    args += ["--out", str(tmp_path), "--no-tracker", "--steps", "1", "--size", "32x32"]
    done = subprocess.run(
        [sys.executable, *args, *_roles(tiny)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert "Loading" not in done.stderr + done.stdout


def test_a_model_is_loaded_once_by_concurrent_first_callers(tmp_path):
    builds = []

    def build(source):
        builds.append(source)
        time.sleep(0.2)  # a slow load, so that every caller arrives while it runs
        return object()

    models = _threads(lambda i: loading.loaded("test", str(tmp_path), "cpu", build), count=6)
    assert len(builds) == 1 and len({id(model) for model in models}) == 1


def test_the_device_is_chosen_or_named(monkeypatch):
    monkeypatch.setenv("IMAGE_TELEPHONE_DEVICE", "cpu")
    assert loading.choose_device() == "cpu" and str(loading.dtype("cpu")) == "torch.float32"
    monkeypatch.setenv("IMAGE_TELEPHONE_DEVICE", "tpu")
    with pytest.raises(InputError, match="IMAGE_TELEPHONE_DEVICE"):
        loading.choose_device()
    monkeypatch.delenv("IMAGE_TELEPHONE_DEVICE")
    assert loading.choose_device() == "cpu"  # this machine has no GPU


def test_a_failed_batch_fails_each_of_its_games_in_one_line(tmp_path):
    broken = tmp_path / "broken-painter"
    broken.mkdir()  # a folder with no pipeline in it
    client = connect(None)
    errors = _threads(lambda i: _paint_error(client, str(broken), i), count=3)
    assert all(isinstance(error, ProviderError) for error in errors)
    assert len({id(error) for error in errors}) == 3
    assert all("\n" not in str(error) and "could not load it" in str(error) for error in errors)


def _paint_error(client, model, i):
    try:
        client.paint(f"a cat {i}", model, size=None, seed=i, init_image=None, steps=1)
    except ProviderError as error:
        return error


def test_a_painting_onto_a_start_image_takes_at_least_one_step(tiny):
    painted = connect(None).paint(
        "a red cat", tiny["painter"], size="32x32", seed=0, init_image=_png((0, 0, 255)), steps=1
    )
    assert painted.parameters["steps"] == 2 and painted.parameters["strength"] == 0.6
    with Image.open(io.BytesIO(painted.png)) as image:
        assert image.size == (32, 32)
