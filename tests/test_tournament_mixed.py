"""Mixed tournaments: each captioner and painter on its own provider and endpoint, limits per
endpoint, and one embedder for the whole tournament, so every distance is measured alike."""

import json

import numpy as np
import openai
import pytest

from image_telephone import InputError
from image_telephone.game.settings import GameSettings
from image_telephone.providers.registry import provider
from image_telephone.testing import OpenAICompatibleServer
from image_telephone.tournament import ThreadExecutor, load_tournament, run_tournament
from image_telephone.tournament.config import Endpoint
from image_telephone.tournament.games import plan_games
from image_telephone.tournament.limits import ProviderLimits

from .test_tournament_config import OFFLINE_PAIRS, write_tournament

KEY_A, KEY_B = "sk-captioner-server-1111", "sk-painter-server-2222"
EMBEDDINGS_MODEL = "text-embedding-3-large"  # not the default: the [embedder]'s model is used


def mixed_file(captions_url: str, paints_url: str) -> str:
    """An openai captioner on one server and the offline one × the offline painter and an
    openai painter on a second server, which also embeds for the whole tournament."""
    return f"""
prompt_ids = ["red-circle"]
concurrency = 4

[[captioners]]
name = "mini"
provider = "openai"
model = "gpt-4o-mini"
base_url = "{captions_url}"
api_key_env = "KEY_A"

[[captioners]]
name = "plain"
provider = "offline"

[[painters]]
name = "sketch"
provider = "offline"

[[painters]]
name = "gptimage"
provider = "openai"
model = "gpt-image-1"
size = "256x256"
base_url = "{paints_url}"
api_key_env = "KEY_B"

[embedder]
provider = "openai"
model = "{EMBEDDINGS_MODEL}"
base_url = "{paints_url}"
api_key_env = "KEY_B"

[limits.openai]
max_in_flight = 8

[limits."{captions_url}"]
max_in_flight = 1
requests_per_minute = 6000
"""


class RecordingExecutor(ThreadExecutor):
    """The thread executor, keeping the limits each endpoint's client and gate were given."""

    def start(self, coordinator_kwargs, client_limits, setup):
        self.client_limits = dict(client_limits)
        self.gate_limits = dict(coordinator_kwargs["limits"])
        return super().start(coordinator_kwargs, client_limits, setup)


def cosine_distance(a, b) -> float:
    return float(1 - np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_a_mixed_tournament_plays_resumes_and_measures_with_its_one_embedder(tmp_path, monkeypatch):
    monkeypatch.setenv("KEY_A", KEY_A)
    monkeypatch.setenv("KEY_B", KEY_B)
    with OpenAICompatibleServer() as captions, OpenAICompatibleServer() as paints:
        url_a, url_b = captions.base_url, paints.base_url
        body = 'judge = "players"\n' + mixed_file(url_a, url_b)  # measured by the embedder
        path = write_tournament(tmp_path, body, turns=2)
        executor = RecordingExecutor(4)
        result = run_tournament(load_tournament(path), executor)
        calls_a, calls_b = captions.requests, paints.requests
        again = run_tournament(load_tournament(path))  # resume: everything is done
        assert captions.requests == calls_a and paints.requests == calls_b  # no call at all
        embedder_client = openai.OpenAI(base_url=url_b, api_key=KEY_B)
        prompt = embedder_client.embeddings.create(
            input=[result.turns["prompt"].iloc[0]], model=EMBEDDINGS_MODEL
        )
        start = np.asarray(prompt.data[0].embedding)

    a = Endpoint("openai", url_a, "KEY_A").label
    b = Endpoint("openai", url_b, "KEY_B").label
    assert (result.games["status"] == "complete").all() and len(result.games) == 4
    assert len(result.turns) == 4 * 2 and not result.unmeasured

    # Each role's calls went to its own endpoint, with its own key, and nowhere else.
    assert {r.path for r in calls_a} == {"/v1/chat/completions"} and len(calls_a) == 2 * 2
    assert all(r.headers["authorization"] == f"Bearer {KEY_A}" for r in calls_a)
    assert sum(r.path.endswith("images/generations") for r in calls_b) == 2 * 2
    # Every caption's embedding (8 turns) and one call for the start prompt: all on the embedder.
    assert sum(r.path.endswith("embeddings") for r in calls_b) == 8 + 1
    assert {r.body["model"] for r in calls_b if r.path.endswith("embeddings")} == {EMBEDDINGS_MODEL}
    assert not any(r.path.endswith("chat/completions") for r in calls_b)
    assert all(r.headers["authorization"] == f"Bearer {KEY_B}" for r in calls_b)

    # Each step is accounted to its endpoint; limits are per endpoint.
    endpoints = result.snapshot["endpoints"]
    assert endpoints[a]["calls"] == len(calls_a) and endpoints[b]["calls"] == len(calls_b)
    assert endpoints["offline"]["calls"] == 4 + 4  # the offline captions and paintings
    assert executor.client_limits == executor.gate_limits
    assert executor.client_limits[a] == ProviderLimits(max_in_flight=1, requests_per_minute=6000)
    assert executor.client_limits[b] == ProviderLimits(max_in_flight=8)

    # One table; every distance comes from the tournament's embedder.
    turns = result.turns
    assert set(turns["embeddings_endpoint"]) == {b}
    assert set(turns["embeddings_model"]) == {EMBEDDINGS_MODEL}
    assert dict(zip(turns["captioner"], turns["caption_endpoint"], strict=True)) == {
        "mini": a,
        "plain": "offline",
    }
    assert dict(zip(turns["painter"], turns["image_endpoint"], strict=True)) == {
        "sketch": "offline",
        "gptimage": b,
    }
    embedder = {"provider": "openai", "model": EMBEDDINGS_MODEL, "endpoint": b}
    assert result.totals["embedder"] == embedder
    page = (tmp_path / "out" / "results" / "summary.html").read_text(encoding="utf-8")
    assert f"one embedder: <b>{EMBEDDINGS_MODEL}</b> (openai at {b})" in page
    for row in turns.itertuples():
        folder = tmp_path / "out" / row.run_name
        metadata = json.loads((folder / f"metadata_{row.turn:03d}.json").read_text())
        assert metadata["embeddings_provider"] == "openai"
        caption = np.asarray(metadata["caption_embeddings"])
        assert row.distance_to_start == pytest.approx(cosine_distance(caption, start))

    # run.json says who played each role, where.
    roles = {
        (row.captioner, row.painter): json.loads(
            (tmp_path / "out" / row.run_name / "run.json").read_text()
        )["roles"]
        for row in turns.itertuples()
    }
    assert roles[("mini", "sketch")] == {
        "captioner": {"provider": "openai", "model": "gpt-4o-mini", "endpoint": url_a},
        "painter": {"provider": "offline", "model": "offline-sketch-1", "endpoint": None},
        "embedder": {"provider": "openai", "model": EMBEDDINGS_MODEL, "endpoint": url_b},
    }
    assert roles[("plain", "gptimage")]["captioner"]["endpoint"] is None
    assert roles[("plain", "gptimage")]["painter"]["endpoint"] == url_b

    # The rerun wrote the same table from the saved games and the cached prompt vector.
    assert again.turns.equals(result.turns)
    assert all(counts["calls"] == 0 for counts in again.snapshot["endpoints"].values())
    for file in (tmp_path / "out").rglob("*"):
        if file.is_file() and file.suffix in (".json", ".csv", ".html"):
            text = file.read_text(encoding="utf-8")
            assert KEY_A not in text and KEY_B not in text, file


OPENAI_CAPTIONER = """
[[captioners]]
name = "mini"
provider = "openai"
base_url = "http://127.0.0.1:9/v1"
"""


def test_the_embedder_defaults_to_the_first_captioners_provider_and_endpoint(tmp_path):
    offline = load_tournament(write_tournament(tmp_path, OFFLINE_PAIRS)).embedder
    assert (offline.endpoint, offline.model) == (Endpoint("offline"), "offline-embed-1")

    painters = OFFLINE_PAIRS[OFFLINE_PAIRS.index("[[painters]]") :]
    mixed = load_tournament(write_tournament(tmp_path, OPENAI_CAPTIONER + painters))
    default_model = provider("openai").models_for("embedder").default
    assert mixed.embedder.endpoint == mixed.captioners[0].endpoint
    assert mixed.embedder.model == default_model  # fixed when the file is read
    spec = plan_games(mixed)[0]
    assert spec.settings.role_endpoints() == {
        "captioner": "http://127.0.0.1:9/v1",
        "painter": None,
        "embedder": "http://127.0.0.1:9/v1",
    }
    assert spec.settings.embeddings_model == default_model

    # An offline captioner first: the offline embedder, though a painter calls a server.
    openai_painter = OFFLINE_PAIRS.replace(
        'name = "sketch"\nprovider = "offline"',
        'name = "sketch"\nprovider = "openai"\nbase_url = "http://127.0.0.1:9/v1"',
    )
    assert load_tournament(write_tournament(tmp_path, openai_painter)).embedder.model == (
        "offline-embed-1"
    )


def test_limits_per_endpoint_override_the_providers(tmp_path):
    body = OPENAI_CAPTIONER + OPENAI_CAPTIONER.replace("mini", "other").replace(":9/", ":10/")
    body += OFFLINE_PAIRS[OFFLINE_PAIRS.index("[[painters]]") :]
    body += "[limits.openai]\nmax_in_flight = 8\nrequests_per_minute = 100\n"
    body += '[limits."http://127.0.0.1:9/v1"]\nmax_in_flight = 2\n'
    tournament = load_tournament(write_tournament(tmp_path, body))
    first, other = (captioner.endpoint for captioner in tournament.captioners)
    assert tournament.limits_for(first) == ProviderLimits(max_in_flight=2, requests_per_minute=100)
    assert tournament.limits_for(other) == ProviderLimits(max_in_flight=8, requests_per_minute=100)


def test_each_role_has_its_endpoint_in_the_settings_credentials_redacted():
    secret_url = "http://user:hunter2@127.0.0.1:9/v1"
    settings = GameSettings(
        provider="openai",
        image_provider="offline",
        base_url="http://127.0.0.1:8/v1",
        caption_base_url=secret_url,
        embeddings_base_url="http://127.0.0.1:8/v1",  # the same as base_url: said one way
    ).resolved()
    assert settings.role_endpoints() == {
        "captioner": "http://REDACTED@127.0.0.1:9/v1",
        "painter": None,
        "embedder": "http://127.0.0.1:8/v1",
    }
    assert settings.role_endpoints(for_client=True)["captioner"] == secret_url
    assert settings.embeddings_base_url is None
    assert "hunter2" not in json.dumps(settings.as_record())
    with pytest.raises(InputError, match="image_base_url: the painter is offline"):
        GameSettings(provider="openai", image_provider="offline", image_base_url=secret_url)
