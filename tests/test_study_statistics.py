"""The study's statistics on synthetic turn tables with planted answers, and its report for a
real offline tournament."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from image_telephone.analysis import statistics
from image_telephone.analysis.drift import convergence_turn
from image_telephone.testing.turn_tables import Plan, synthetic_turns
from image_telephone.tournament import load_tournament, run_tournament
from image_telephone.tournament.study import (
    ALL,
    attractors,
    convergence,
    difficulty_check,
    identical_seeds,
    rankings,
    shares_by_turn,
    study,
)

from .test_tournament_config import OFFLINE_PAIRS, THREE_PROMPTS, write_tournament
from .test_tournament_offline import tournament_command

EFFECTS = np.array([-0.3, -0.1, 0.1, 0.3])  # captioners' planted effects on a game's drift


def _planted_games(rng, games_per_cell=25, noise=0.3):
    captioners = np.repeat(np.arange(4), 3 * games_per_cell)
    painters = np.tile(np.repeat(np.arange(3), games_per_cell), 4)
    drift = EFFECTS[captioners] + rng.normal(0, noise, len(captioners))
    expected = EFFECTS.var() / (EFFECTS.var() + noise**2)
    return drift, captioners, painters, expected


def test_a_planted_captioner_effect_is_recovered_as_its_variance_share():
    drift, captioners, painters, expected = _planted_games(np.random.default_rng(1))
    shares = statistics.variance_shares(drift, captioners, painters)
    assert shares["a"] == pytest.approx(expected, abs=0.06)
    assert shares["b"] < 0.02 and shares["interaction"] < 0.03
    assert sum(shares[k] for k in ("a", "b", "interaction", "residual")) == pytest.approx(1)
    # Swapping the factors swaps the shares: nothing depends on the order they come in.
    swapped = statistics.variance_shares(drift, painters, captioners)
    assert swapped["b"] == pytest.approx(shares["a"])


def test_share_intervals_resolve_a_planted_role_and_not_two_equal_ones():
    drift, captioners, painters, expected = _planted_games(np.random.default_rng(6))
    intervals = statistics.variance_share_intervals(drift, captioners, painters)
    low, high = intervals["a"]
    assert low < expected < high
    assert intervals["a-b"][0] > 0  # the captioner matters more: resolved
    noise = np.random.default_rng(7).normal(size=len(drift))
    low, high = statistics.variance_share_intervals(noise, captioners, painters)["a-b"]
    assert low < 0 < high


def test_prompts_as_blocks_take_their_own_share_and_leave_the_roles_ratio_alone():
    drift, captioners, painters, _ = _planted_games(np.random.default_rng(1))
    prompts = np.arange(len(drift)) % 5  # every cell plays every prompt
    with_prompts = drift + np.array([-0.6, -0.3, 0.0, 0.3, 0.6])[prompts]
    plain = statistics.variance_shares(drift, captioners, painters)
    shares = statistics.variance_shares(with_prompts, captioners, painters, blocks=prompts)
    assert shares["blocks"] > 0.5
    assert shares["a"] / shares["residual"] == pytest.approx(
        plain["a"] / plain["residual"], rel=0.1
    )
    assert sum(v for k, v in shares.items() if k != "overlap") == pytest.approx(1, abs=0.01)


def test_an_unbalanced_design_keeps_the_share_where_naive_grouping_would_shift_it():
    rng = np.random.default_rng(2)
    drift, captioners, painters, _ = _planted_games(rng, games_per_cell=40)
    # Unbalanced and confounded: the best captioner mostly met painter 0, the worst painter 2.
    keep = ~(((captioners == 0) & (painters != 0)) | ((captioners == 3) & (painters != 2)))
    keep |= rng.random(len(keep)) < 0.1
    shares = statistics.variance_shares(drift[keep], captioners[keep], painters[keep])
    # Painter has no effect; Type II gives it (almost) none although painters alone seem to
    # explain a good share (their means differ because of whom they met).
    values = pd.Series(drift[keep])

    def naive_share(labels):
        means = values.groupby(labels).transform("mean")
        return ((means - values.mean()) ** 2).sum() / ((values - values.mean()) ** 2).sum()

    assert naive_share(painters[keep]) > 0.05
    assert shares["b"] < 0.02
    # What the captioners explain is theirs alone or, where they and the painters are
    # confounded, the overlap: none of it is credited to the painters.
    assert shares["a"] > 0.1 and shares["overlap"] > 0.05
    assert shares["a"] + shares["overlap"] == pytest.approx(naive_share(captioners[keep]), abs=0.05)


def test_bootstrap_intervals_cover_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    draws, games, turns = 200, 20, 10
    # Each game has its own level (turns inside a game are correlated), the true mean is 0.
    game_level = rng.normal(0, 1, (draws, games, 1))
    values = (game_level + rng.normal(0, 0.5, (draws, games, turns))).ravel()
    frame = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(draws), games * turns),
            "run_name": np.repeat(np.arange(draws * games), turns),
            "turn_row": np.arange(draws * games * turns),
            "value": values,
        }
    )
    clustered = statistics.interval_frame(
        statistics.grouped_bootstrap(frame, "value", ["draw"], n_boot=1000), ["draw"]
    )
    coverage = ((clustered["low"] <= 0) & (clustered["high"] >= 0)).mean()
    assert 0.90 <= coverage <= 0.99
    # Resampling turns as if independent gives intervals far too narrow.
    naive = statistics.interval_frame(
        statistics.grouped_bootstrap(frame, "value", ["draw"], unit="turn_row", n_boot=1000),
        ["draw"],
    )
    assert ((naive["low"] <= 0) & (naive["high"] >= 0)).mean() < 0.6


def test_a_clear_difference_is_resolved_and_equal_entries_are_tied():
    rng = np.random.default_rng(4)
    replicates = np.vstack(
        [rng.normal(0.2, 0.01, 2000), rng.normal(0.5, 0.01, 2000), rng.normal(0.5, 0.01, 2000)]
    )
    ranks, differences = statistics.rank_resolution(
        ["best", "twin_a", "twin_b"], [0.2, 0.5, 0.501], replicates
    )
    best = ranks.set_index("entry").loc["best"]
    assert (best["rank"], best["best_rank"], best["worst_rank"], best["tied_with"]) == (1, 1, 1, "")
    twin = ranks.set_index("entry").loc["twin_b"]
    assert (twin["best_rank"], twin["worst_rank"], twin["tied_with"]) == (2, 3, "twin_a")
    resolved = differences.set_index(["entry", "other"])["resolved"]
    assert resolved[("best", "twin_a")] and not resolved[("twin_a", "twin_b")]


def test_the_study_ranks_a_planted_best_captioner_first_per_level():
    turns = synthetic_turns(Plan(captioner_effects=(0.2, 0.0, 0.1), seeds=4))
    ranks, _ = rankings(turns)
    best = ranks[(ranks["role"] == "captioner") & (ranks["rank"] == 1)]
    assert set(best["entry"]) == {"cap1"}
    assert set(best["level"]) == {ALL, "easy", "medium", "hard", "impossible"}
    assert (best["worst_rank"] == 1).all()  # resolved at every level
    # The painters do not differ: the first painter overall is tied with the other.
    painters = ranks[(ranks["role"] == "painter") & (ranks["level"] == ALL)]
    assert (painters["tied_with"] != "").all()


def test_the_per_turn_shares_show_the_captioner_early_and_the_painter_late():
    plan = Plan(captioner_effects=(0.0, 0.15), painter_effects=(0.0, 0.3), seeds=4)
    shares = shares_by_turn(synthetic_turns(plan)).set_index("turn")
    assert shares.loc[0, "captioner"] > 0.5 > shares.loc[0, "painter"]
    assert shares.loc[9, "painter"] > shares.loc[9, "captioner"]
    assert shares["painter"].is_monotonic_increasing


def _final_games(turns):
    return turns.loc[turns.groupby("run_name")["turn"].idxmax()]


def test_a_planted_difficulty_ordering_is_detected_and_a_shuffled_one_is_not():
    plan = Plan(prompts_per_level=3, seeds=3, level_step=0.1)
    levels, check = difficulty_check(_final_games(synthetic_turns(plan)))
    assert check["ordered"] and check["low"] > 0.3
    assert list(levels["level"]) == ["easy", "medium", "hard", "impossible"]
    assert all(step["low"] > 0 for step in check["steps"])
    shuffled = dataclasses.replace(plan, shuffle_levels=True)
    _, check = difficulty_check(_final_games(synthetic_turns(shuffled, seed=5)))
    assert check["low"] < 0 < check["high"]


def test_a_planted_attractor_is_found_and_named_by_its_words():
    plan = Plan(
        painter_effects=(0.0, 0.0, 0.0),
        attractors=("lighthouse storm waves", "golden wheat field", "neon city rain"),
    )
    games = _final_games(synthetic_turns(plan))
    found = attractors(games)
    assert len(found) == 3
    for row in found.itertuples():
        assert row.size == len(games) // 3
        painter = {run.split("--")[1] for run in row.examples}
        assert len(painter) == 1  # one painter's games: its planted phrase
        phrase = plan.attractors[int(painter.pop().removeprefix("paint"))]
        assert set(row.name.split(" · ")) == set(phrase.split())


def test_convergence_is_a_game_reports_definition_and_is_shared_with_an_interval():
    turns = synthetic_turns(Plan(seeds=2))
    table = convergence(turns, threshold=0.05, k=2)
    one = turns[turns["run_name"] == table["run_name"][0]].sort_values("turn")
    expected = convergence_turn(one["distance_to_previous"].to_numpy(), 0.05, 2)
    assert table["convergence_turn"][0] == expected
    result = study(turns)
    share = result.converged_by
    assert share["low"] <= share["share"] <= share["high"] and share["games"] == len(table)


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    body = THREE_PROMPTS + "seeds = [0, 1]\n" + OFFLINE_PAIRS
    return folder, run_tournament(load_tournament(write_tournament(folder, body, turns=3)))


def test_a_tournament_writes_its_study_page_and_figures(played):
    folder, result = played
    results = folder / "out" / "results"
    page = (results / "study.html").read_text()
    assert "Best painter" in page and "Which matters more" in page
    assert "Captioner early, painter late? From turn 0 to turn 2" in page
    for name in ("sketch", "watercolor", "plain", "verbose"):
        assert name in page
    figures = sorted(p.name for p in results.glob("study_*.png"))
    assert len(figures) == 8
    assert all((results / name).stat().st_size > 5000 for name in figures)
    assert page.count("data:image/png;base64,") == 8  # the page carries its figures
    assert "data:image/jpeg;base64," in page  # and the attractors' example images
    assert 'href="study.html"' in (results / "summary.html").read_text()
    ranks = pd.read_csv(results / "study_ranks.csv")
    assert set(ranks["role"]) == {"painter", "captioner"}
    assert (ranks["low"] <= ranks["mean"]).all() and (ranks["mean"] <= ranks["high"]).all()
    if (results / "video_grid.gif").exists():
        assert 'src="video_grid.gif"' in page


def test_leaderboards_and_the_commands_pairs_table_carry_intervals(played, capsys):
    folder, result = played
    pairs = pd.read_csv(folder / "out" / "results" / "leaderboard_pairs.csv")
    assert (pairs["mean_low"] < pairs["mean_distance_to_start"]).all()
    assert (pairs["mean_distance_to_start"] < pairs["mean_high"]).all()
    levels = pd.read_csv(folder / "out" / "results" / "leaderboard_levels.csv")
    assert (levels["mean_low"] <= levels["mean_high"]).all()
    assert tournament_command(str(folder / "cup.toml")) == 0  # finished: rewrites the results
    best = pairs.iloc[0]
    shown = (
        f"{best['mean_distance_to_start']:.3f} [{best['mean_low']:.3f}, {best['mean_high']:.3f}]"
    )
    assert shown in capsys.readouterr().out


def test_seeds_that_replay_the_same_game_are_flagged():
    turns = synthetic_turns(Plan(seeds=2))
    assert identical_seeds(turns) == (32, 0)
    first_seed = turns[turns["seed"] == 0].set_index(["captioner", "painter", "prompt_id", "turn"])
    keys = pd.MultiIndex.from_frame(turns[["captioner", "painter", "prompt_id", "turn"]])
    replayed = turns.assign(distance_to_start=first_seed["distance_to_start"].reindex(keys).values)
    assert identical_seeds(replayed) == (32, 32)


def test_the_leaderboards_intervals_are_the_study_s_own():
    from image_telephone.tournament.leaderboard import level_leaderboard, pair_leaderboard
    from image_telephone.tournament.study import ALL, pair_intervals

    turns = synthetic_turns(Plan(captioner_effects=(0.2, 0.0, 0.1), seeds=4))
    games = turns.drop_duplicates("run_name").assign(status="complete")
    study = pair_intervals(turns).set_index(["captioner", "painter", "level"])
    levels = level_leaderboard(turns).set_index(["captioner", "painter", "level"])
    assert (
        levels[["mean_low", "mean_high"]].to_numpy()
        == study.loc[levels.index, ["low", "high"]].to_numpy()
    ).all()
    pairs = pair_leaderboard(turns, games).set_index(["captioner", "painter"])
    overall = study.xs(ALL, level="level").loc[pairs.index, ["low", "high"]].to_numpy()
    assert (pairs[["mean_low", "mean_high"]].to_numpy() == overall).all()
