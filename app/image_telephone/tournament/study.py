"""The study's answers from a turn table: who is best (with intervals and resolved ranks), which
role matters more (variance shares), whether difficulty is as labelled, when chains converge,
where they end up (attractors), and meaning drift against style drift."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from image_telephone.analysis import statistics
from image_telephone.analysis.defaults import (
    DEFAULT_CONVERGENCE_THRESHOLD,
    DEFAULT_CONVERGENCE_TURNS,
)
from image_telephone.analysis.drift import convergence_turn

from .prompts import level_order

ALL = "all levels"
GAME, DRIFT, STEP = "run_name", "distance_to_start", "distance_to_previous"
PAIR = ["captioner", "painter"]
CONVERGED_BY = 6  # the study's claim: chains settle by turn 5–6
STYLE_MEASURES = ("image_distance_to_previous", "phash_distance_to_previous")
SHARES = ["captioner", "painter", "interaction", "prompt", "residual", "overlap"]
MAX_ATTRACTORS, EXAMPLES = 8, 3


@dataclasses.dataclass(frozen=True)
class Study:
    """The study's tables (pandas frames) and headline numbers."""

    ranks: pd.DataFrame  # role, level, rank, entry, mean, low, high, games, best/worst rank, ties
    differences: pd.DataFrame  # role, level, entry, other, difference, low, high, resolved
    pairs: pd.DataFrame  # level, captioner, painter, mean, low, high, games
    pair_turns: pd.DataFrame  # level, captioner, painter, turn, mean, low, high
    shares_by_level: pd.DataFrame  # level, games, one column per share
    shares_by_turn: pd.DataFrame  # turn, games, one column per share
    levels: pd.DataFrame  # level, mean, low, high, games, prompts
    difficulty: dict[str, Any]  # rho, low, high, tau, clusters, ordered, steps resolved
    convergence: pd.DataFrame  # per game: run_name, captioner, painter, level, turns, turn
    convergence_curve: pd.DataFrame  # turn, share converged by it, low, high, games
    converged_by: dict[str, Any]  # turn, share, low, high, games, threshold, k
    attractors: pd.DataFrame  # attractor, name, size, share, examples, images, pairs
    meaning_style: pd.DataFrame  # captioner, painter, meaning(+low/high), style(+low/high)
    style_measure: str | None  # which image distance measured style, if any
    # Pair × prompt cells with 2+ seeds, and how many of them played the same game every seed.
    replicated_cells: int = 0
    identical_cells: int = 0


def _games(turns: pd.DataFrame) -> pd.DataFrame:
    """One row per game: its labels and its last turn's drift, caption and image."""
    last = turns.loc[turns.groupby(GAME)["turn"].idxmax()]
    return last[[GAME, *PAIR, "level", "prompt_id", "turn", DRIFT, "caption", "image"]]


def _ranking(turns: pd.DataFrame, role: str, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    boot = statistics.grouped_bootstrap(turns, DRIFT, [role])
    names = [str(key) for key in boot.keys]
    ranks, differences = statistics.rank_resolution(
        names, boot.estimates[:, 0], boot.replicates[:, :, 0]
    )
    low, high = boot.intervals()
    by_name = dict(zip(names, zip(low[:, 0], high[:, 0], boot.units, strict=True), strict=True))
    ranks.insert(3, "low", [by_name[n][0] for n in ranks["entry"]])
    ranks.insert(4, "high", [by_name[n][1] for n in ranks["entry"]])
    ranks.insert(5, "games", [by_name[n][2] for n in ranks["entry"]])
    for frame in (ranks, differences):
        frame.insert(0, "level", level)
        frame.insert(0, "role", role)
    return ranks, differences


def _by_level(turns: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    levels = level_order(set(turns["level"]))
    return [(ALL, turns)] + [(level, turns[turns["level"] == level]) for level in levels]


def rankings(turns: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Best painter and best captioner overall and per level: mean distance to the start with
    its interval, each entry's possible ranks, and every difference with its interval."""
    parts = [
        _ranking(subset, role, level)
        for level, subset in _by_level(turns)
        for role in ("painter", "captioner")
    ]
    return (
        pd.concat([p[0] for p in parts], ignore_index=True),
        pd.concat([p[1] for p in parts], ignore_index=True),
    )


def pair_intervals(turns: pd.DataFrame) -> pd.DataFrame:
    """Each pair's mean distance to the start with its interval, overall and per level."""
    frames = []
    for level, subset in _by_level(turns):
        frame = statistics.interval_frame(statistics.grouped_bootstrap(subset, DRIFT, PAIR), PAIR)
        frame.insert(0, "level", level)
        frames.append(frame.sort_values("mean"))
    return pd.concat(frames, ignore_index=True)


def pair_turn_bands(turns: pd.DataFrame) -> pd.DataFrame:
    """Mean distance to the start by turn for each pair and level, with its interval."""
    by = ["level", *PAIR]
    boot = statistics.grouped_bootstrap(turns, DRIFT, by, columns="turn")
    columns = statistics.column_values(turns, DRIFT, "turn")
    low, high = boot.intervals()
    rows = [
        (*key, turn, boot.estimates[e, c], low[e, c], high[e, c])
        for e, key in enumerate(boot.keys)
        for c, turn in enumerate(columns)
        if not np.isnan(boot.estimates[e, c])
    ]
    return pd.DataFrame(rows, columns=[*by, "turn", "mean", "low", "high"])


def _shares(values: pd.Series, frame: pd.DataFrame) -> dict[str, float]:
    design = (
        values.to_numpy(),
        frame["captioner"].to_numpy(),
        frame["painter"].to_numpy(),
        frame["prompt_id"].to_numpy(),  # every pair plays every prompt: a block
    )
    shares = statistics.variance_shares(*design)
    intervals = statistics.variance_share_intervals(*design)
    named = {"captioner": "a", "painter": "b", "captioner_minus_painter": "a-b"}
    return {
        "games": int(values.notna().sum()),
        "captioner": shares["a"],
        "painter": shares["b"],
        "prompt": shares["blocks"],
        **{name: shares[name] for name in ("interaction", "residual", "overlap")},
        **{f"{name}_low": intervals[key][0] for name, key in named.items()},
        **{f"{name}_high": intervals[key][1] for name, key in named.items()},
    }


def shares_by_level(games: pd.DataFrame) -> pd.DataFrame:
    """Which matters more per level: shares of the variance of the games' final drift."""
    return pd.DataFrame(
        [{"level": level, **_shares(subset[DRIFT], subset)} for level, subset in _by_level(games)]
    )


def shares_by_turn(turns: pd.DataFrame) -> pd.DataFrame:
    """Which matters more turn by turn: shares of the variance of distance to the start."""
    return pd.DataFrame(
        [
            {"turn": turn, **_shares(subset[DRIFT], subset)}
            for turn, subset in turns.groupby("turn", sort=True)
        ]
    )


def difficulty_check(games: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Are the levels ordered as labelled? Each level's mean final drift with its interval
    (resampling games), and the rank correlation of level and drift with an interval that
    resamples prompts (the labels belong to prompts, not to games)."""
    order = level_order(set(games["level"]))
    boot = statistics.grouped_bootstrap(games, DRIFT, ["level"])
    frame = statistics.interval_frame(boot, ["level"])
    frame["prompts"] = frame["level"].map(games.groupby("level")["prompt_id"].nunique())
    frame = frame.set_index("level").loc[order].reset_index()
    position = {level: rank for rank, level in enumerate(order)}
    replicates = {str(key): boot.replicates[i, :, 0] for i, key in enumerate(boot.keys)}
    steps = []
    for easier, harder in zip(order, order[1:], strict=False):
        gap = replicates[harder] - replicates[easier]
        low, high = statistics.percentile_interval(gap)
        steps.append({"from": easier, "to": harder, "low": float(low), "high": float(high)})
    correlation = statistics.rank_correlation(
        games["level"].map(position).to_numpy(), games[DRIFT].to_numpy(), games["prompt_id"]
    )
    check = {
        **correlation,
        "ordered": bool(frame["mean"].is_monotonic_increasing) and len(frame) > 1,
        "steps": steps,
    }
    return frame, check


def convergence(
    turns: pd.DataFrame,
    threshold: float = DEFAULT_CONVERGENCE_THRESHOLD,
    k: int = DEFAULT_CONVERGENCE_TURNS,
) -> pd.DataFrame:
    """Each game's convergence turn, as a game's report defines it: the first turn from which
    k captions in a row each stay within `threshold` (cosine distance) of the one before."""
    steps = turns.pivot_table(index=GAME, columns="turn", values=STEP, dropna=False)
    steps = steps.reindex(columns=range(int(turns["turn"].max()) + 1))
    labels = turns.groupby(GAME)[[*PAIR, "level"]].first()
    found = [convergence_turn(row, threshold, k) for row in steps.to_numpy()]
    return pd.DataFrame(
        {
            GAME: steps.index,
            **{column: labels.loc[steps.index, column].to_numpy() for column in labels},
            "turns": turns.groupby(GAME)["turn"].max().loc[steps.index].to_numpy() + 1,
            "convergence_turn": pd.array(found, dtype="Int64"),
        }
    )


def converged_share(games: pd.DataFrame, by_turn: int, k: int) -> dict[str, Any]:
    """Share of games converged by a turn, among games long enough to tell, with its interval."""
    turn = games["convergence_turn"]
    converged = (turn <= by_turn).fillna(False).to_numpy(dtype=bool)
    decided = converged | (games["turns"] >= by_turn + k).to_numpy()
    low, high = statistics.proportion_interval(int(converged.sum()), int(decided.sum()))
    share = converged.sum() / decided.sum() if decided.any() else np.nan
    return {"turn": by_turn, "share": share, "low": low, "high": high, "games": int(decided.sum())}


def convergence_curve(games: pd.DataFrame, k: int) -> pd.DataFrame:
    """Share of games converged by each turn, with its interval."""
    last = int(games["turns"].max()) if len(games) else 0
    return pd.DataFrame([converged_share(games, turn, k) for turn in range(1, last)])


def _varied(ranked: pd.DataFrame, positions: np.ndarray) -> list[int]:
    """The first EXAMPLES positions, preferring games of a pair and prompt not shown yet (a
    pair's seeds often end alike)."""
    cells = list(zip(ranked["captioner"], ranked["painter"], ranked["prompt_id"], strict=True))
    first = {cell: i for i, cell in reversed(list(enumerate(cells)))}
    fresh = sorted(first.values())
    rest = [i for i in range(len(cells)) if i not in set(fresh)]
    return [int(positions[i]) for i in (fresh + rest)[:EXAMPLES]]


def attractors(games: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Where chains end up: the games' final captions clustered (TF-IDF, k-means, k chosen by
    silhouette), each cluster named by its heaviest words, with its closest games as examples."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score

    captions = games["caption"].fillna("").to_numpy()
    columns = ["attractor", "name", "size", "share", "examples", "images", "pairs"]
    vectorizer = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z]{3,}\b")
    try:
        vectors = vectorizer.fit_transform(captions)
    except ValueError:  # no words left: every caption empty or only stop words
        return pd.DataFrame(columns=columns)
    distinct = len({row.tobytes() for row in vectors.toarray().round(9)})
    labels, centres = np.zeros(len(captions), dtype=int), np.asarray(vectors.mean(axis=0))
    best = -1.0
    for count in range(2, min(MAX_ATTRACTORS, distinct - 1) + 1):
        model = KMeans(count, n_init=3, random_state=seed).fit(vectors)
        score = silhouette_score(
            vectors,
            model.labels_,
            metric="cosine",
            sample_size=min(len(captions), 1000),
            random_state=seed,
        )
        if score > best:
            best, labels, centres = score, model.labels_, model.cluster_centers_
    words = np.asarray(vectorizer.get_feature_names_out())
    rows = []
    for cluster in range(len(centres)):
        members = np.flatnonzero(labels == cluster)
        centre = centres[cluster]
        closest = members[np.argsort(-(vectors[members] @ centre).ravel())]
        chosen = games.iloc[_varied(games.iloc[closest], closest)]
        pairs = games.iloc[members].groupby(PAIR).size().sort_values(ascending=False)
        rows.append(
            {
                "name": " · ".join(words[np.argsort(-centre)[:3]]),
                "size": len(members),
                "share": len(members) / len(captions),
                "examples": list(chosen[GAME]),
                "images": list(chosen["image"]),
                "pairs": ", ".join(f"{c} × {p} ({n})" for (c, p), n in pairs.head(3).items()),
            }
        )
    frame = pd.DataFrame(rows).sort_values("size", ascending=False, kind="stable")
    frame.insert(0, "attractor", range(1, len(frame) + 1))
    return frame.reset_index(drop=True)[columns]


def style_measure(turns: pd.DataFrame) -> str | None:
    """The image distance that measures style: the judge's, else the perceptual hash's."""
    return next(
        (c for c in STYLE_MEASURES if c in turns and turns[c].notna().any()),
        None,
    )


def meaning_and_style(turns: pd.DataFrame, measure: str | None) -> pd.DataFrame:
    """Per pair: meaning drift (caption to caption, text) and style drift (image to image)."""
    later = turns[turns["turn"] > 0]
    frame = statistics.interval_frame(statistics.grouped_bootstrap(later, STEP, PAIR), PAIR)
    frame = frame.rename(columns={"mean": "meaning", "low": "meaning_low", "high": "meaning_high"})
    if measure is None:
        frame[["style", "style_low", "style_high"]] = np.nan
        return frame
    style = statistics.interval_frame(statistics.grouped_bootstrap(later, measure, PAIR), PAIR)
    style = style.drop(columns="games").rename(
        columns={"mean": "style", "low": "style_low", "high": "style_high"}
    )
    return frame.merge(style, on=PAIR, how="left")


def identical_seeds(turns: pd.DataFrame) -> tuple[int, int]:
    """Pair × prompt cells with two or more seeds, and those whose seeds all gave the same
    distances turn by turn (a deterministic player: seeds are then no replicates)."""
    cell = [*PAIR, "prompt_id"]
    seeds = turns.groupby(cell)[GAME].nunique()
    replicated = seeds[seeds > 1].index
    spread = turns.groupby([*cell, "turn"])[DRIFT].agg(lambda v: v.max() - v.min())
    same = (spread.groupby(level=cell).max() < 1e-12).reindex(replicated)
    return len(replicated), int(same.sum())


def study(
    turns: pd.DataFrame,
    threshold: float = DEFAULT_CONVERGENCE_THRESHOLD,
    k: int = DEFAULT_CONVERGENCE_TURNS,
) -> Study:
    """Every table of the study from a tournament's turn table (rows without a measured
    distance to the start are left out)."""
    measured = turns[turns[DRIFT].notna()]
    games = _games(measured)
    ranks, differences = rankings(measured)
    levels, difficulty = difficulty_check(games)
    converging = convergence(measured, threshold, k)
    measure = style_measure(measured)
    return Study(
        ranks=ranks,
        differences=differences,
        pairs=pair_intervals(measured),
        pair_turns=pair_turn_bands(measured),
        shares_by_level=shares_by_level(games),
        shares_by_turn=shares_by_turn(measured),
        levels=levels,
        difficulty=difficulty,
        convergence=converging,
        convergence_curve=convergence_curve(converging, k),
        converged_by={
            **converged_share(converging, CONVERGED_BY, k),
            "threshold": threshold,
            "k": k,
        },
        attractors=attractors(games),
        meaning_style=meaning_and_style(measured, measure),
        style_measure=measure,
        **dict(
            zip(("replicated_cells", "identical_cells"), identical_seeds(measured), strict=True)
        ),
    )
