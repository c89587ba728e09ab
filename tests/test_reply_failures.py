"""Every reply failure is retried or named: 429, 500 and 503 answers, malformed, truncated and
reset replies and timeouts are retried with backoff in games, titling and tournaments; a call
that still fails after its retries ends the game with one line and exit 3."""

import json
import logging
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openai
import pandas as pd
import pytest

from image_telephone.cli import main
from image_telephone.cli.library_logs import keep_library_logs_off_terminal
from image_telephone.providers.openai_client import MAX_RETRIES_ENV, build_openai_client
from image_telephone.providers.replies import MalformedReply
from image_telephone.testing import OpenAICompatibleServer
from image_telephone.tournament import load_tournament, run_tournament
from image_telephone.tournament.config import Endpoint

from .conftest import png_bytes
from .test_tournament_config import write_tournament
from .test_tournament_openai import FAST_RETRIES, api_pairs

MIX = (429, 500, 503, "malformed", "truncated", "reset")
CLI = Path(sys.executable).with_name("image-telephone")
HI = [{"role": "user", "content": "hi"}]


def flaky_server(
    rate: float = 0.3, failures: tuple = MIX, seed: int = 18
) -> OpenAICompatibleServer:
    """A server failing `rate` of its model calls with the given failures (429s: Retry-After 0).
    Seed 18 fails 25 of the 85 calls of a 20-turn game (29 %), each kind at least once, in
    streaks short enough that the client's backoff (0.5 s, doubling) adds ~12 s, not ~20 s."""
    return OpenAICompatibleServer(
        seed=seed, failure_rate=rate, failure_statuses=failures, retry_after="0"
    )


def play(server: OpenAICompatibleServer, out: Path, turns: int, **env: str):
    """The `image-telephone run` command against the server, in a process of its own."""
    command = [str(CLI), "run", "--text", "a red kite", "-n", str(turns), "--provider", "openai"]
    command += ["--base-url", server.base_url, "--no-tracker", "--out", str(out)]
    environment = {**os.environ, "OPENAI_API_KEY": "test", **env}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=240)


def captions(out: Path) -> list[str]:
    """The captions the game saved, turn by turn."""
    turns = sorted(out.glob("*/metadata_*.json"))
    return [json.loads(path.read_text())["generated_caption"] for path in turns]


def one_pair(base_url: str) -> str:
    """The first captioner and the first painter of api_pairs."""
    pairs = api_pairs(base_url)
    captioner, painter = pairs.split("[[captioners]]")[1], pairs.split("[[painters]]")[1]
    return f"[[captioners]]{captioner}[[painters]]{painter}"


def test_a_20_turn_game_survives_30_percent_failing_replies(tmp_path):
    with flaky_server() as server:
        game = play(server, tmp_path / "out", turns=20)
        requests = server.requests
    assert game.returncode == 0, game.stdout + game.stderr
    assert len(captions(tmp_path / "out")) == 20 and all(captions(tmp_path / "out"))
    assert "Traceback" not in game.stdout + game.stderr
    # Each kind of failure was served, and every one of them was retried.
    assert {r.status for r in requests} == {200, 429, 500, 503}
    assert {r.fault for r in requests} == {None, "malformed", "truncated", "reset"}
    failed = sum(r.status >= 400 or r.fault is not None for r in requests)
    assert len(requests) - failed == 20 * 3  # an image, a caption and an embedding per turn


def test_a_server_that_always_answers_malformed_ends_the_game_in_one_line(tmp_path):
    with flaky_server(rate=1.0, failures=("malformed",)) as server:
        game = play(server, tmp_path / "out", turns=3, **{MAX_RETRIES_ENV: "2"})
        requests = server.requests
    printed = game.stdout + game.stderr
    assert game.returncode == 3
    assert "Traceback" not in printed and "Oh no" not in printed
    lines = [line for line in printed.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "failed to draw the caption" in lines[0]
    assert [(r.status, r.fault) for r in requests] == [(200, "malformed")] * 3  # 1 + 2 retries


def test_library_errors_can_go_to_a_log_file_never_to_the_terminal(tmp_path, capsys):
    log = tmp_path / "logs" / "run.log"
    log.parent.mkdir()
    keep_library_logs_off_terminal(log)
    try:
        logging.getLogger("burr.core.application").error("Oh no an error! state: ...")
        logging.getLogger("hamilton.driver").warning("a node failed")
    finally:
        keep_library_logs_off_terminal()
    logging.getLogger("burr.core.application").error("Oh no, again")
    written = log.read_text()
    assert "ERROR burr.core.application: Oh no an error!" in written
    assert "a node failed" in written and "again" not in written
    assert "Oh no" not in capsys.readouterr().err


def test_timeouts_cut_and_bad_replies_are_retried_then_named(openai_server):
    openai_server.slow_s = 0.6
    client = build_openai_client(openai_server.base_url, "k", timeout_s=0.3)
    for script in (["slow", "truncated"], ["reset", "malformed"]):
        openai_server.script = [(fault, {}) for fault in script]
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=HI)
        assert reply.choices[0].message.content
    faults = Counter(r.fault for r in openai_server.requests)  # the slow one is recorded late
    assert faults == Counter(["slow", "truncated", "reset", "malformed", None, None])

    openai_server.script = [("malformed", {})] * 2
    once = build_openai_client(openai_server.base_url, "k", max_retries=1)
    with pytest.raises(openai.APIConnectionError) as caught:
        once.chat.completions.create(model="gpt-4o-mini", messages=HI)
    assert isinstance(caught.value.__cause__, MalformedReply)
    assert "HTTP 200 reply whose body is not JSON" in str(caught.value.__cause__)


def test_titling_finishes_under_the_failure_mix(tmp_path):
    folder = tmp_path / "art"
    folder.mkdir()
    for index, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200), (90, 90, 90)]):
        (folder / f"art_{index}.png").write_bytes(png_bytes(colour))
    out = tmp_path / "titles.csv"
    with flaky_server(seed=4) as server:  # a seed whose first draws include failures
        command = ["title", str(folder), "--provider", "openai", "--base-url", server.base_url]
        assert main([*command, "--max-words", "12", "--out", str(out), "--concurrency", "2"]) == 0
        requests = server.requests
    assert len(pd.read_csv(out)) == 4
    assert any(r.status >= 400 or r.fault for r in requests)  # failures were served, and retried


def test_a_tournament_finishes_under_the_failure_mix(tmp_path, monkeypatch):
    monkeypatch.setenv("TOURNAMENT_KEY", "test")
    with flaky_server() as server:
        body = 'prompt_ids = ["red-circle"]\nconcurrency = 4\n' + api_pairs(server.base_url)
        body += f"[limits.openai]\n{FAST_RETRIES}"
        result = run_tournament(load_tournament(write_tournament(tmp_path, body, turns=2)))
        requests = server.requests
        endpoint = Endpoint("openai", server.base_url, "TOURNAMENT_KEY").label
    assert (result.games["status"] == "complete").all() and len(result.games) == 4
    assert len(result.turns) == 4 * 2 and result.turns["distance_to_start"].notna().all()
    assert result.unmeasured == ()
    counts = result.snapshot["endpoints"][endpoint]
    failed = sum(r.status >= 400 or r.fault is not None for r in requests)
    assert any(r.fault for r in requests) and counts["errors"] == failed
    assert counts["retries"] == failed  # every failed attempt was retried, none gave up


def test_a_tournament_whose_start_prompts_cannot_be_embedded_writes_its_results(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("TOURNAMENT_KEY", "test")
    prompt = "A red circle on a white background."  # the red-circle prompt's text
    with OpenAICompatibleServer(always_fail_inputs={prompt}) as server:
        # The players' embedder judges, so it embeds the start prompt (and fails to).
        body = f'prompt_ids = ["red-circle"]\njudge = "players"\n{one_pair(server.base_url)}'
        body += f"[limits.openai]\n{FAST_RETRIES}"
        code = main(["tournament", str(write_tournament(tmp_path, body, turns=2))])
        prompt_calls = sum(r.body.get("input") == [prompt] for r in server.requests if r.body)
    printed = capsys.readouterr()
    assert code == 3
    assert "Traceback" not in printed.out + printed.err
    error = [line for line in (printed.out + printed.err).splitlines() if "error:" in line]
    assert len(error) == 1 and "failed to embed the start prompts" in error[0]
    assert prompt_calls >= 9 and prompt_calls % 9 == 0  # each attempt: 1 + 8 retries
    results = tmp_path / "out" / "results"
    games = pd.read_csv(results / "games.csv")
    assert (games["status"] == "complete").all() and len(games) == 1
    turns = pd.read_csv(results / "turns.csv")
    assert len(turns) == 2 and turns["distance_to_start"].isna().all()
    assert turns["distance_to_previous"].notna().sum() == 1  # turn 1, to the turn-0 caption
    assert (results / "summary.html").exists()
