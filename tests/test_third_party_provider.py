"""A provider defined only in a test package and registered through the entry-point group
plays whole games, alone and paired with a built-in: it needs no edit outside its own module."""

import json
import sys
from pathlib import Path

import pytest

from image_telephone.cli import main
from image_telephone.providers import registry
from image_telephone.store.chain import check_run
from image_telephone.store.storage import LocalStore

PACKAGE = Path(__file__).parent / "acme_provider"


@pytest.fixture
def acme(monkeypatch):
    """The acme provider installed: its module and its entry point on sys.path."""
    monkeypatch.syspath_prepend(str(PACKAGE))
    registry.providers.cache_clear()
    import acme_provider

    acme_provider.CALLS.clear()
    yield acme_provider
    sys.modules.pop("acme_provider", None)
    registry.providers.cache_clear()


def _run(out, *roles, mode=()):
    args = ["run", "--text", "a red square on grey", "-n", "3", "--out", str(out)]
    return main([*args, "--run-name", "acme", "--no-tracker", *roles, *mode])


def test_a_registered_provider_plays_every_role(acme, tmp_path, capsys):
    assert _run(tmp_path, "--provider", "acme", "--captioner", "acme:acme-see-2") == 0
    run = tmp_path / "acme"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["roles"] == {
        "captioner": {"provider": "acme", "model": "acme-see-2", "endpoint": None},
        "painter": {"provider": "acme", "model": "acme-paint-1", "endpoint": None},
        "embedder": {"provider": "acme", "model": "acme-embed-1", "endpoint": None},
    }
    assert [role for role, _ in acme.CALLS].count("captioner") == 3
    assert {model for role, model in acme.CALLS if role == "captioner"} == {"acme-see-2"}
    metadata = json.loads((run / "metadata_002.json").read_text())
    assert metadata["generated_caption"].startswith("a square of colour")
    assert len(metadata["caption_embeddings"]) == 5
    assert check_run(LocalStore(run)).intact


def test_a_registered_captioner_meets_the_offline_painter(acme, tmp_path):
    assert (
        _run(tmp_path, "--captioner", "acme", "--painter", "offline", "--embedder", "offline") == 0
    )
    assert {role for role, _ in acme.CALLS} == {"captioner"}
    metadata = json.loads((tmp_path / "acme" / "metadata_001.json").read_text())
    assert metadata["image_origin"]["image_model"] == "offline-sketch-1"


def test_a_registered_provider_rewrites_in_the_creative_modes(acme, tmp_path):
    assert _run(tmp_path, "--provider", "acme", mode=("--mode", "more", "--more-of", "red")) == 0
    # The creative modes' rewriter is the captioner's provider and model.
    assert ("rewriter", "acme-see-1") in acme.CALLS


def test_a_registered_provider_plays_a_mixed_tournament_and_judges_it(acme, tmp_path):
    from image_telephone.tournament import load_tournament, run_tournament

    from .test_tournament_config import write_tournament

    body = """
prompt_ids = ["red-circle"]
judge = "players"  # the one embedder judges: it embeds the start prompt too

[[captioners]]
name = "acme"
provider = "acme"

[[captioners]]
name = "plain"
provider = "offline"

[[painters]]
name = "sketch"
provider = "offline"

[embedder]
provider = "acme"
"""
    tournament = load_tournament(write_tournament(tmp_path, body, turns=2))
    result = run_tournament(tournament)
    assert (result.games["status"] == "complete").all() and len(result.games) == 2
    assert result.turns["distance_to_start"].notna().all()
    assert set(result.turns["embeddings_model"]) == {"acme-embed-1"}
    # Every caption of both pairs, and the start prompt, embedded by the one judge.
    assert [role for role, _ in acme.CALLS].count("embedder") == 2 * 2 + 1
    assert [role for role, _ in acme.CALLS].count("captioner") == 2
