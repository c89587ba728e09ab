"""The replicate provider plays against a local server that speaks Replicate's predictions API:
whole games (alone, mixed, resumed), failed and cancelled predictions, 429s, slow predictions,
expiring output files, a model's own inputs, costs from its metrics, and a tournament's limits."""

import json
import subprocess
import sys

import pytest

from image_telephone.cli import main
from image_telephone.errors import InputError
from image_telephone.game.settings import GameSettings
from image_telephone.providers.replicate_models import BLIP, MPLUG_OWL, STABLE_DIFFUSION
from image_telephone.store.chain import check_run
from image_telephone.store.storage import LocalStore
from image_telephone.testing import ReplicateTestServer
from image_telephone.tournament import load_tournament, run_tournament

from .test_tournament_config import write_tournament

TOKEN = "r8_test-token-never-written-0123456789"
VERSIONS = {
    BLIP.partition(":")[2]: "salesforce/blip",
    STABLE_DIFFUSION.partition(":")[2]: ("stability-ai/stable-diffusion"),
}


@pytest.fixture
def replicate_server(monkeypatch):
    """Starts a ReplicateTestServer on 127.0.0.1 with the given knobs (the study's default
    versions known); the environment points the provider at it with the test token."""
    servers = []

    def start(**knobs):
        server = ReplicateTestServer(token=TOKEN, versions=VERSIONS, **knobs).start()
        servers.append(server)
        monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
        monkeypatch.setenv("REPLICATE_BASE_URL", server.base_url)
        monkeypatch.setenv("IMAGE_TELEPHONE_MAX_RETRIES", "3")
        return server

    yield start
    for server in servers:
        server.stop()


def _run(out, *options, turns=2, tracker=False):
    args = ["run", "--text", "a red kite over a green field", "-n", str(turns), "--out", str(out)]
    args += [] if tracker else ["--no-tracker"]
    return main([*args, "--run-name", "rep", "--size", "64x64", *options])


def _files_text(folder) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_a_game_on_replicate_captions_paints_resumes_and_keeps_the_token_out(
    replicate_server, tmp_path, isolated_environment
):
    server = replicate_server()
    roles = ["--captioner", "replicate", "--painter", "replicate"]
    assert _run(tmp_path, *roles, tracker=True) == 0
    run = tmp_path / "rep"
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["roles"]["captioner"]["model"] == BLIP
    assert manifest["roles"]["painter"]["model"] == STABLE_DIFFUSION
    metadata = json.loads((run / "metadata_001.json").read_text())
    # BLIP's own inputs (no prompt), its 'Caption: ' prefix dropped, the cost's seconds kept.
    assert metadata["caption_parameters"]["inputs"] == {
        "image": "data:…",
        "task": "image_captioning",
    }
    assert metadata["generated_caption"].startswith("a picture of ")
    assert metadata["usage"] == {"predict_time_s": 1.25}
    painted = metadata["image_origin"]
    assert painted["image_parameters"]["inputs"]["width"] == 64
    assert painted["usage"] == {"predict_time_s": 1.25}
    # Each output file was fetched once, at once: the server has expired every one of them.
    fetches = [r for r in server.requests if r.path.startswith("/files/")]
    paintings = [p for p in server.predictions if p["model"] == "stability-ai/stable-diffusion"]
    assert len(fetches) == len(paintings) == 2 and {r.status for r in fetches} == {200}
    assert check_run(LocalStore(run)).intact

    # The same command resumes: two more turns, the first two not asked for again.
    before = len(server.predictions)
    assert _run(tmp_path, *roles, turns=4) == 0
    assert len(server.predictions) == before + 4  # 2 captions + 2 paintings
    assert json.loads((run / "run.json").read_text())["turns_done"] == 4
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.requests[:1])
    # Not in the run, its metadata and state, nor the Burr tracker's logs under HOME.
    assert list(isolated_environment.rglob("*.jsonl")) and TOKEN not in _files_text(tmp_path)
    assert TOKEN not in _files_text(isolated_environment)


def test_a_replicate_painter_meets_the_offline_captioner_with_its_own_inputs(
    replicate_server, tmp_path
):
    server = replicate_server(official_models={"acme/vqgan"})
    roles = ["--captioner", "offline", "--painter", "replicate:acme/vqgan", "--embedder", "offline"]
    renamed = [
        "--image-input",
        "prompts={prompt}",
        "--image-input",
        "prompt=",
        "--image-input",
        "steps=30",
    ]
    assert _run(tmp_path, *roles, *renamed) == 0
    created = [r.body for r in server.requests if r.path == "/v1/models/acme/vqgan/predictions"]
    assert len(created) == 2
    sent = created[0]["input"]
    assert sent["steps"] == 30 and "prompt" not in sent and sent["prompts"].startswith("a red kite")


def test_an_openai_captioner_and_a_replicate_painter_each_call_their_own_server(
    replicate_server, openai_server, tmp_path, monkeypatch
):
    server = replicate_server()
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    roles = ["--captioner", "openai:gpt-4o-mini", "--painter", "replicate", "--embedder", "offline"]
    assert _run(tmp_path, *roles) == 0
    assert {r.path for r in openai_server.requests} == {"/v1/chat/completions"}
    assert len(server.predictions) == 2  # the two paintings; no caption went to Replicate
    manifest_roles = json.loads((tmp_path / "rep" / "run.json").read_text())["roles"]
    assert manifest_roles["captioner"]["endpoint"] == openai_server.base_url
    assert manifest_roles["painter"]["endpoint"] == server.base_url


def test_a_model_without_a_version_plays_its_latest(replicate_server, tmp_path):
    server = replicate_server(official_models=set())  # community models: versions only
    server.versions["v-latest"] = "joehoover/mplug-owl"
    roles = [
        "--captioner",
        f"replicate:{MPLUG_OWL}",
        "--painter",
        "offline",
        "--embedder",
        "offline",
    ]
    assert _run(tmp_path, *roles, turns=1) == 0
    metadata = json.loads((tmp_path / "rep" / "metadata_000.json").read_text())
    assert metadata["caption_parameters"]["version"] == "v-latest"
    # mPLUG-Owl's inputs, and its output: a list of tokens, joined.
    assert set(metadata["caption_parameters"]["inputs"]) == {"img", "prompt", "max_length"}
    assert metadata["generated_caption"].startswith("a picture of ")


@pytest.mark.parametrize(
    ("knob", "said"),
    [("failing_models", "failed: CUDA out of memory"), ("cancelled_models", "canceled")],
)
def test_a_failed_or_cancelled_prediction_stops_the_game_in_one_line_and_loses_nothing(
    replicate_server, tmp_path, capsys, knob, said
):
    server = replicate_server()
    assert _run(tmp_path, "--captioner", "offline", "--painter", "replicate", turns=1) == 0
    getattr(server, knob).add("stability-ai/stable-diffusion")
    code = _run(tmp_path, "--captioner", "offline", "--painter", "replicate", turns=3)
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 3
    assert error.startswith(f"error: replicate {STABLE_DIFFUSION} could not draw the caption")
    assert said in error and "Traceback" not in error
    run = tmp_path / "rep"
    assert json.loads((run / "run.json").read_text())["turns_done"] == 1  # the saved turn stays
    assert check_run(LocalStore(run)).intact


def test_429s_and_slow_predictions_are_waited_out(replicate_server, tmp_path):
    server = replicate_server(rate_limited=2, retry_after="0", processing_s=0.4, wait_cap_s=0.05)
    assert _run(tmp_path, "--captioner", "replicate", "--painter", "offline", turns=1) == 0
    creations = [r.status for r in server.requests if r.path == "/v1/predictions"]
    assert creations == [429, 429, 201]
    polls = [r for r in server.requests if r.method == "GET" and "/predictions/" in r.path]
    assert polls  # the prediction outlived Prefer: wait, so it was polled until done


def test_bad_model_inputs_are_refused_before_the_first_call(replicate_server):
    with pytest.raises(InputError, match=r"--image-input 'steps': expected NAME=VALUE"):
        GameSettings(image_provider="replicate", image_inputs=("steps",))
    with pytest.raises(InputError, match=r"unknown \{colour\}"):
        GameSettings(image_provider="replicate", image_inputs=("prompts={colour}",))
    with pytest.raises(InputError, match="openai's painter does not take it"):
        GameSettings(provider="openai", image_inputs=("steps=3",))


def test_a_tournament_paces_replicate_and_prices_its_seconds(replicate_server, tmp_path):
    server = replicate_server(rate_limited=1, retry_after="0")
    body = f"""
judge = "players"
prompt_ids = ["red-circle"]

[[captioners]]
name = "blip"
provider = "replicate"
base_url = "{server.base_url}"

[[painters]]
name = "sd"
provider = "replicate"

[embedder]
provider = "offline"

[limits.replicate]
max_in_flight = 1
max_retries = 2
"""
    tournament = load_tournament(write_tournament(tmp_path, body, turns=2))
    result = run_tournament(tournament)
    assert (result.games["status"] == "complete").all()
    endpoints = result.snapshot["endpoints"]
    replicate = [name for name in endpoints if name.startswith("replicate")]
    assert sum(endpoints[name]["rate_limited"] for name in replicate) == 1
    # 2 captions × 1.25 s × $0.000225 and 2 paintings × 1.25 s × $0.000725.
    assert result.turns["cost_usd"].sum() == pytest.approx(2 * 1.25 * (0.000225 + 0.000725))


def test_without_the_extra_playing_it_says_what_to_install(
    replicate_server, tmp_path, capsys, monkeypatch
):
    replicate_server()
    monkeypatch.setitem(sys.modules, "replicate", None)  # as if it were not installed
    assert _run(tmp_path, "--captioner", "offline", "--painter", "replicate", turns=1) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "pip install 'image-telephone[replicate]'" in error


def test_the_registry_declares_it_without_importing_replicate():
    code = (
        "import sys; from image_telephone.providers.registry import providers; "
        "assert 'replicate' in providers(); print('replicate' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"
