"""Drift metrics on hand-built chains whose answers are known, and the 2-D path projection."""

import io
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from image_telephone.analysis import compute_metrics, metrics_frame, write_report
from image_telephone.analysis.image_change import (
    colour_histogram,
    difference_hash,
    hamming_distance,
    histogram_distance,
    perceptual_hash,
)
from image_telephone.analysis.metrics import write_metrics
from image_telephone.analysis.projection import project_2d
from image_telephone.analysis.run_data import load_run
from image_telephone.providers.offline import EMBED_MODEL, embed
from image_telephone.store.manifest import new_manifest, with_progress
from image_telephone.store.storage import LocalStore


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def write_run(folder, captions, vectors, *, start=None, provider="offline", model=EMBED_MODEL):
    """A run folder with one solid image, metadata and manifest entry per caption."""
    store = LocalStore(folder)
    keys = []
    for turn, (caption, vector) in enumerate(zip(captions, vectors, strict=True)):
        keys.append(f"image_{turn:03d}.png")
        store.write_bytes(keys[-1], _png(Image.new("RGB", (32, 32), (turn * 40, 90, 0))), "")
        metadata = {
            "generated_caption": caption,
            "caption_embeddings": [float(x) for x in vector],
            "embeddings_model": model,
            "provider": provider,
            "turn": turn,
        }
        store.write_bytes(f"metadata_{turn:03d}.json", json.dumps(metadata).encode(), "")
    settings = {"provider": provider, "seed": 0}
    models = {"embeddings_model": model}
    start = start or {"kind": "image", "value": "start.png"}
    manifest = new_manifest(folder.name, start, settings, models, len(captions))
    metadata = [f"metadata_{turn:03d}.json" for turn in range(len(captions))]
    manifest = with_progress(manifest, keys, list(captions), metadata, {}, status="complete")
    store.write_bytes("run.json", json.dumps(manifest).encode(), "application/json")
    return store


def _metrics(store, **options):
    return compute_metrics(load_run(store), **options)


def test_identical_captions_have_zero_distance_and_converge_at_turn_1(tmp_path):
    vector = np.arange(1.0, 9.0)
    store = write_run(tmp_path / "same", ["a red circle"] * 5, [vector] * 5)
    metrics = _metrics(store)
    frame = metrics.turns
    assert list(frame["turn"]) == [0, 1, 2, 3, 4]
    assert np.allclose(frame["distance_to_start"], 0.0)
    assert np.isnan(frame.loc[0, "distance_to_previous"])
    assert np.allclose(frame["distance_to_previous"][1:], 0.0)
    assert metrics.game["convergence_turn"] == 1
    assert metrics.game["half_life"] is None
    assert metrics.game["total_drift"] == pytest.approx(0.0, abs=1e-9)
    assert metrics.game["reference"] == "caption 0"
    assert list(frame["caption_words"]) == [3] * 5
    assert list(frame["caption_chars"]) == [12] * 5


def test_orthogonal_embeddings_are_distance_one(tmp_path):
    basis = np.eye(4)
    store = write_run(tmp_path / "orthogonal", ["w", "x", "y", "z"], list(basis))
    metrics = _metrics(store)
    frame = metrics.turns
    assert frame["distance_to_start"].tolist() == pytest.approx([0.0, 1.0, 1.0, 1.0])
    assert frame["distance_to_previous"][1:].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert frame["similarity_to_start"].tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0])
    assert metrics.game["half_life"] == 1
    assert metrics.game["path_length"] == pytest.approx(3.0)
    assert metrics.game["convergence_turn"] is None


def _at_similarity(cosines):
    """Unit vectors in the plane whose cosine to (1, 0) are the given values."""
    return [np.array([c, np.sqrt(1 - c * c)]) for c in cosines]


def test_half_life_is_the_first_turn_below_similarity_one_half(tmp_path):
    store = write_run(tmp_path / "fade", list("abcde"), _at_similarity([1.0, 0.9, 0.7, 0.45, 0.6]))
    metrics = _metrics(store)
    assert metrics.turns["similarity_to_start"].tolist() == pytest.approx([1, 0.9, 0.7, 0.45, 0.6])
    assert metrics.game["half_life"] == 3
    assert metrics.game["total_drift"] == pytest.approx(0.4)


def test_convergence_threshold_and_turns_are_parameters(tmp_path):
    # steps between neighbours: big, big, then three tiny steps
    angles = np.radians([0, 80, 160, 161, 162, 163])
    vectors = [np.array([np.cos(a), np.sin(a)]) for a in angles]
    store = write_run(tmp_path / "settle", list("abcdef"), vectors)
    assert _metrics(store).game["convergence_turn"] == 3
    assert _metrics(store, convergence_turns=4).game["convergence_turn"] is None
    assert (
        _metrics(store, convergence_threshold=0.9, convergence_turns=2).game["convergence_turn"]
        == 1
    )


def test_text_start_offline_is_measured_from_the_prompt(tmp_path):
    prompt = "a bright red circle on a dark blue background"
    captions = ["a red circle on blue", "a red disc on navy"]
    start = {"kind": "text", "value": prompt}
    store = write_run(tmp_path / "text", captions, [embed(c) for c in captions], start=start)
    metrics = _metrics(store)
    expected = 1 - np.dot(embed(prompt), embed(captions[0]))
    assert metrics.game["reference"] == "the start prompt"
    assert metrics.turns.loc[0, "distance_to_start"] == pytest.approx(expected)


def test_text_start_of_an_openai_run_falls_back_to_caption_0_without_calls(tmp_path, monkeypatch):
    import openai

    def no_client(*args, **kwargs):
        raise AssertionError("a provider client was created")

    monkeypatch.setattr(openai, "OpenAI", no_client)
    monkeypatch.setattr("image_telephone.analysis.reference.embed", no_client)
    vectors = _at_similarity([0.8, 0.6, 0.3])
    start = {"kind": "text", "value": "a kite"}
    model = "text-embedding-3-small"
    store = write_run(
        tmp_path / "remote", list("abc"), vectors, start=start, provider="openai", model=model
    )
    metrics = _metrics(store)
    assert metrics.game["reference"] == "caption 0"
    assert "text-embedding-3-small" in metrics.game["reference_note"]
    assert metrics.turns.loc[0, "distance_to_start"] == pytest.approx(0.0)
    given = _metrics(store, start_embedding=[1.0, 0.0])
    assert given.game["reference"] == "the start prompt"
    assert given.turns["similarity_to_start"].tolist() == pytest.approx([0.8, 0.6, 0.3])
    write_report(store)  # the whole report, still without a client
    assert store.exists("report.html")


def test_a_missing_embedding_breaks_the_streak_and_is_marked(tmp_path):
    vector = np.ones(3)
    store = write_run(tmp_path / "gap", list("abcdef"), [vector] * 6)
    metadata = json.loads(store.read_bytes("metadata_002.json"))
    del metadata["caption_embeddings"]
    store.write_bytes("metadata_002.json", json.dumps(metadata).encode(), "")
    metrics = _metrics(store)
    frame = metrics.turns
    assert frame["missing"].tolist() == [False, False, True, False, False, False]
    assert "no caption embedding" in frame.loc[2, "problems"]
    assert frame["distance_to_previous"].isna().tolist() == [True, False, True, True] + [False] * 2
    assert metrics.game["convergence_turn"] is None  # turns 1, 3-5 settle, but never 3 in a row
    assert metrics.game["missing_turns"] == [2]


def test_image_change_measures():
    black, white = Image.new("RGB", (64, 64)), Image.new("RGB", (64, 64), (255, 255, 255))
    assert histogram_distance(colour_histogram(black), colour_histogram(black)) == 0.0
    assert histogram_distance(colour_histogram(black), colour_histogram(white)) == 1.0
    gradient = Image.linear_gradient("L").convert("RGB")
    flipped = gradient.transpose(Image.Transpose.ROTATE_90)
    assert hamming_distance(difference_hash(gradient), difference_hash(gradient)) == 0
    assert hamming_distance(difference_hash(gradient), difference_hash(flipped)) > 16
    assert 0 <= difference_hash(gradient) < 2**64
    assert hamming_distance(perceptual_hash(gradient), perceptual_hash(gradient)) == 0
    assert hamming_distance(perceptual_hash(gradient), perceptual_hash(flipped)) > 0


def test_write_metrics_gives_one_row_per_turn(tmp_path):
    store = write_run(tmp_path / "files", list("abc"), list(np.eye(3)))
    metrics = _metrics(store)
    written = write_metrics(store, metrics)
    assert written == ["metrics.csv", "metrics.parquet", "metrics.json"]
    table = pd.read_csv(tmp_path / "files" / "metrics.csv")
    assert list(table["turn"]) == [0, 1, 2] and list(table["caption"]) == list("abc")
    assert pd.read_parquet(tmp_path / "files" / "metrics.parquet").shape == table.shape
    game = json.loads((tmp_path / "files" / "metrics.json").read_text())
    assert game["run_name"] == "files" and game["turns"] == 3 and game["half_life"] == 1


def test_metrics_frame_takes_a_result_a_store_or_a_folder(tmp_path):
    store = write_run(tmp_path / "anything", list("ab"), list(np.eye(2)))
    for source in (SimpleNamespace(store=store), store, str(tmp_path / "anything")):
        assert metrics_frame(source)["distance_to_start"].tolist() == pytest.approx([0.0, 1.0])


def test_short_chains_use_pca_and_long_ones_t_sne():
    rng = np.random.default_rng(1)
    points, method = project_2d(rng.normal(size=(5, 16)))
    assert method == "PCA" and points.shape == (5, 2)
    assert project_2d(rng.normal(size=(1, 16)))[0].tolist() == [[0.0, 0.0]]
    centres = rng.normal(size=(2, 64)) * 5
    labels = np.repeat([0, 1], 20)
    vectors = centres[labels] + rng.normal(size=(40, 64)) * 0.3
    points, method = project_2d(vectors)
    assert method == "t-SNE" and np.isfinite(points).all()
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    assert (labels[distances.argmin(axis=1)] == labels).all()  # neighbours stay in their cluster
    assert np.array_equal(project_2d(vectors)[0], points)  # repeatable
