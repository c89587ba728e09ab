"""A step that does not finish is never committed: Ctrl-C, SIGTERM, SIGHUP and SIGKILL at any
moment leave a run whose chain verifies, and the resume redoes exactly the stopped step."""

import _thread
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from image_telephone import play
from image_telephone.store.chain import check_run
from image_telephone.store.storage import LocalStore, open_store
from image_telephone.testing import OpenAICompatibleServer

TEXT = "a red kite above a grey sea"


def _openai_game(server, out, turns, **extra):
    return play(
        text=TEXT,
        turns=turns,
        provider="openai",
        base_url=server.base_url,
        image_model="gpt-image-1",
        out=str(out),
        run_name="stopped",
        tracker=False,
        api_key="test-key",
        **extra,
    )


def _assert_chain(run, turns_done=None):
    report = check_run(LocalStore(run))
    assert report.intact, report.line()
    assert not report.uncommitted and not list(run.glob(".*.tmp"))
    if turns_done is not None:
        assert report.committed_turns == turns_done
    return report


@pytest.mark.parametrize("after_s", [0.25, 0.75, 1.3, 1.9])
def test_ctrl_c_inside_a_step_commits_nothing_and_the_resume_redoes_it(tmp_path, after_s):
    # This is what burr_compat.step_finished is for: Burr runs its post-step hooks after a
    # KeyboardInterrupt as if the step had succeeded, which would checkpoint it as done.
    turns = 3
    with OpenAICompatibleServer(delay_s=0.2, sampled_captions=True) as server:
        timer = threading.Timer(after_s, _thread.interrupt_main)
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                _openai_game(server, tmp_path, turns)
                time.sleep(5)  # finished before the timer: the interrupt lands here
        finally:
            timer.cancel()
        run = tmp_path / "stopped"
        _assert_chain(run)
        manifest = json.loads((run / "run.json").read_text())
        assert manifest["status"] in ("interrupted", "complete")
        result = _openai_game(server, tmp_path, turns)
        assert len(result.captions) == turns and len(result.images) == turns
        _assert_chain(run, turns)
        # Each model call is paid once, except the one call the interrupt cut short.
        for path in ("images/generations", "chat/completions", "embeddings"):
            assert turns <= server.calls(path) <= turns + 1


def _cli(out, turns, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "image_telephone.cli",
            "run",
            "--text",
            TEXT,
            "-n",
            str(turns),
            "--out",
            str(out),
            "--run-name",
            "signalled",
            "--no-tracker",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def _wait_for_turns(run, turns, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if json.loads((run / "run.json").read_text())["turns_done"] >= turns:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{run}: no {turns} turn(s) after {timeout_s} s")


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_a_stop_signal_exits_with_its_code_and_the_run_resumes(tmp_path, signum, code):
    with OpenAICompatibleServer(delay_s=0.15, sampled_captions=True) as server:
        options = ("--provider", "openai", "--base-url", server.base_url)
        env_key = {"OPENAI_API_KEY": "test-key"}
        os.environ.update(env_key)
        try:
            game = _cli(tmp_path, 6, *options)
            _wait_for_turns(tmp_path / "signalled", 1)
            game.send_signal(signum)
            output, _ = game.communicate(timeout=60)
            assert game.returncode == code, output
            assert "run the same command to resume" in output and "Traceback" not in output
            run = tmp_path / "signalled"
            assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
            _assert_chain(run)
            resumed = _cli(tmp_path, 6, *options)
            output, _ = resumed.communicate(timeout=120)
            assert resumed.returncode == 0, output
            _assert_chain(run, 6)
        finally:
            os.environ.pop("OPENAI_API_KEY", None)


def test_sigkill_at_random_moments_never_breaks_the_chain(tmp_path):
    rng = random.Random(11)
    run = tmp_path / "signalled"
    turns = 40
    for _ in range(6):
        game = _cli(tmp_path, turns, "--provider", "offline")
        time.sleep(rng.uniform(0.8, 2.5))  # start-up, then somewhere in the game
        game.kill()
        game.communicate(timeout=30)
        if (run / "run.json").exists():
            report = check_run(LocalStore(run))
            assert report.intact, report.line()  # uncommitted files are allowed until the resume
    game = _cli(tmp_path, turns, "--provider", "offline")
    output, _ = game.communicate(timeout=300)
    assert game.returncode == 0, output
    _assert_chain(run, turns)


def test_ctrl_c_during_an_s3_game_commits_nothing_and_it_resumes(bucket):
    name, _ = bucket
    out = f"s3://{name}/runs"
    with OpenAICompatibleServer(delay_s=0.2) as server:
        timer = threading.Timer(1.0, _thread.interrupt_main)
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                _openai_game(server, out, 3)
                time.sleep(5)
        finally:
            timer.cancel()
        store = open_store(out).child("stopped")
        assert check_run(store).intact
        assert len(_openai_game(server, out, 3).captions) == 3
    report = check_run(store)
    assert report.intact and report.committed_turns == 3 and not report.uncommitted
