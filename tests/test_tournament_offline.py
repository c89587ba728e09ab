"""A 2×2 offline tournament: 12 games, 36 turn rows, stopped by --max-cost or Ctrl-C, resumed."""

import argparse
import gc
import json
import re

import numpy as np
import pandas as pd
import pytest

from image_telephone.cli.tournament import add_tournament_commands
from image_telephone.providers import offline
from image_telephone.tournament import ProcessExecutor, load_tournament, run_tournament
from image_telephone.tournament.coordinator import INTERRUPTED

from .test_tournament_config import OFFLINE_PAIRS, THREE_PROMPTS, write_tournament

PAINTING_PRICE = '[prices."offline-sketch-1"]\nper_image = 0.02\n'
VOLATILE = ["image", "created_at", "caption_latency_s", "image_latency_s"]


def tournament_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    handlers = add_tournament_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["tournament", *argv])
    return handlers[args.command](args)


def check_complete_table(turns: pd.DataFrame) -> None:
    assert len(turns) == 36
    assert not turns.duplicated(["run_name", "turn"]).any()
    assert turns.groupby("run_name")["turn"].apply(list).map(lambda t: t == [0, 1, 2]).all()
    assert turns.groupby(["captioner", "painter"]).size().to_dict() == {
        ("plain", "sketch"): 9,
        ("plain", "watercolor"): 9,
        ("verbose", "sketch"): 9,
        ("verbose", "watercolor"): 9,
    }
    assert turns["distance_to_start"].between(0, 2).all()
    first = turns[turns["turn"] == 0]
    assert (first["distance_to_previous"] == first["distance_to_start"]).all()
    assert set(turns["level"]) == {"easy", "medium", "impossible"}


def test_cost_limit_stops_the_tournament_and_a_rerun_finishes_it(tmp_path):
    path = write_tournament(
        tmp_path, THREE_PROMPTS + "concurrency = 3\n" + OFFLINE_PAIRS + PAINTING_PRICE
    )
    results = tmp_path / "out" / "results"

    assert tournament_command(str(path), "--max-cost", "0.3") == 0
    games = pd.read_csv(results / "games.csv")
    stopped = pd.read_parquet(results / "turns.parquet")
    assert set(games["status"]) <= {"complete", "stopped", "skipped"}
    assert (games["status"] == "skipped").any()
    assert games.loc[games["status"] != "complete", "reason"].str.contains("cost limit").all()
    assert 0 < len(stopped) < 36
    assert stopped["cost_usd"].sum() <= 0.3 + 1e-9

    assert tournament_command(str(path)) == 0  # the file sets no limit: it plays on
    games = pd.read_csv(results / "games.csv")
    assert (games["status"] == "complete").all() and (games["turns_done"] == 3).all()
    turns = pd.read_parquet(results / "turns.parquet")
    check_complete_table(turns)
    assert turns["cost_usd"].sum() == pytest.approx(36 * 0.02)
    pd.testing.assert_frame_equal(turns, pd.read_csv(results / "turns.csv"), check_dtype=False)
    for run in games["run_name"]:  # resumed games went on; nothing was painted twice
        images = sorted(p.name for p in (tmp_path / "out" / run).glob("image_*.png"))
        assert images == ["image_000.png", "image_001.png", "image_002.png"]
    pairs = pd.read_csv(results / "leaderboard_pairs.csv")
    assert list(pairs["rank"]) == [1, 2, 3, 4] and (pairs["games_complete"] == 3).all()
    assert pairs["mean_distance_to_start"].is_monotonic_increasing
    levels = pd.read_csv(results / "leaderboard_levels.csv")
    assert len(levels) == 4 * 3 and (levels["games"] == 1).all()

    # A finished tournament plays nothing: every game is skipped as finished.
    result = run_tournament(load_tournament(path))
    assert result.snapshot["endpoints"] == {} and len(result.turns) == 36


def test_ctrl_c_stops_after_the_current_step_and_resume_matches_an_uninterrupted_run(tmp_path):
    body = THREE_PROMPTS + "concurrency = 2\n" + OFFLINE_PAIRS
    tournament = load_tournament(write_tournament(tmp_path, body, tracker=True))

    class CtrlC:
        def begin(self, games, turns, turns_done):
            self.calls = 0

        def update(self, snapshot):
            self.calls += 1
            if self.calls == 1:
                raise KeyboardInterrupt

        def end(self):
            pass

    interrupted = run_tournament(tournament, progress=CtrlC())
    assert interrupted.snapshot["stop_reason"] == INTERRUPTED
    statuses = interrupted.games["status"].value_counts().to_dict()
    assert statuses.get("skipped", 0) + statuses.get("stopped", 0) > 0
    assert "failed" not in statuses
    assert len(interrupted.turns) < 36

    resumed = run_tournament(tournament)
    assert (resumed.games["status"] == "complete").all(), resumed.games.to_dict("records")
    check_complete_table(resumed.turns)

    fresh = run_tournament(tournament.with_options(out=str(tmp_path / "fresh")))
    pd.testing.assert_frame_equal(
        resumed.turns.drop(columns=VOLATILE), fresh.turns.drop(columns=VOLATILE)
    )


def test_summary_links_every_game_and_its_report(tmp_path):
    path = write_tournament(tmp_path, 'prompt_ids = ["red-circle"]\n' + OFFLINE_PAIRS, turns=1)
    first = run_tournament(load_tournament(path))
    (tmp_path / "out" / first.games["run_name"][0] / "report.html").write_text("<html></html>")
    result = run_tournament(load_tournament(path))
    page = (tmp_path / "out" / "results" / "summary.html").read_text()
    for run in result.games["run_name"]:
        assert f'href="../{run}/run.json"' in page
        assert (tmp_path / "out" / "results" / f"../{run}/run.json").is_file()
    assert page.count("/report.html") == 1
    for name in ("distance_by_turn.png", "pair_grid.png", "turns.parquet", "turns.csv"):
        assert f'href="{name}"' in page or f'src="{name}"' in page
        assert (tmp_path / "out" / "results" / name).stat().st_size > 0
    assert re.search(r"4 games: 4 complete", page)


def test_processes_executor_gives_the_thread_executors_table(tmp_path):
    tournament = load_tournament(write_tournament(tmp_path, THREE_PROMPTS + OFFLINE_PAIRS))
    threads = run_tournament(tournament)
    processes = run_tournament(
        tournament.with_options(out=str(tmp_path / "processes")), ProcessExecutor(4, processes=2)
    )
    assert (processes.games["status"] == "complete").all()
    assert processes.snapshot["games"] == {"complete": 12}
    assert processes.snapshot["endpoints"]["offline"]["calls"] == 36 * 3
    pd.testing.assert_frame_equal(
        processes.turns.drop(columns=VOLATILE), threads.turns.drop(columns=VOLATILE)
    )


def test_distances_are_measured_from_each_games_own_captions_and_prompt(tmp_path):
    body = 'judge = "players"\n' + THREE_PROMPTS + OFFLINE_PAIRS  # the games' own embeddings
    tournament = load_tournament(write_tournament(tmp_path, body))
    turns = run_tournament(tournament).turns

    def cosine_distance(a, b):
        return 1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b))

    for run, game in turns.groupby("run_name"):
        folder = tmp_path / "out" / run
        vectors = [
            np.asarray(
                json.loads((folder / f"metadata_{turn:03d}.json").read_text())["caption_embeddings"]
            )
            for turn in game["turn"]
        ]
        previous = start = np.asarray(offline.embed(game["prompt"].iloc[0]))
        for vector, (_, row) in zip(vectors, game.iterrows(), strict=True):
            assert row["distance_to_start"] == pytest.approx(cosine_distance(vector, start))
            assert row["distance_to_previous"] == pytest.approx(cosine_distance(vector, previous))
            previous = vector


def test_cost_limit_holds_across_worker_processes(tmp_path):
    body = THREE_PROMPTS + "concurrency = 4\nmax_cost = 0.3\n" + OFFLINE_PAIRS + PAINTING_PRICE
    tournament = load_tournament(write_tournament(tmp_path, body))
    result = run_tournament(tournament, ProcessExecutor(4, processes=2))
    assert result.snapshot["stop_reason"] == "cost limit reached ($0.3)"
    assert 0 < len(result.turns) < 36
    assert result.turns["cost_usd"].sum() <= 0.3 + 1e-9
    assert set(result.games["status"]) <= {"complete", "stopped", "skipped"}
    assert gc.isenabled()  # the results were built with the collector paused, then restored
