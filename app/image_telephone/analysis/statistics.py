"""The study's statistics, as pure functions on arrays and frames: clustered bootstrap intervals,
rank resolution, a two-way variance decomposition and a rank correlation with its interval.

Games are the replicates: a bootstrap resamples whole games (every turn of a drawn game comes
with it), never single turns, because a game's turns are not independent of each other.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVEL = 0.95
N_BOOT = 2000


def percentile_interval(
    draws: np.ndarray, axis: int | None = None, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """The central `level` percentile interval of bootstrap draws along axis, NaN draws left
    out (an all-NaN slice gives NaN, quietly)."""
    tail = 100 * (1 - level) / 2
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(draws, [tail, 100 - tail], axis=axis)
    return low, high


@dataclasses.dataclass(frozen=True)
class Bootstrap:
    """Estimates and bootstrap replicates of a mean for each of several entries."""

    keys: list  # the entries' labels (a value or a tuple per entry)
    estimates: np.ndarray  # (entries, columns)
    replicates: np.ndarray  # (entries, n_boot, columns)
    units: np.ndarray  # (entries,) how many games each entry has

    def intervals(self, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
        """The percentile interval's lower and upper bounds, (entries, columns) each."""
        if not len(self.keys):
            return self.estimates.copy(), self.estimates.copy()
        return percentile_interval(self.replicates, axis=1, level=level)


def _weights(rng: np.random.Generator, units: int, n_boot: int) -> np.ndarray:
    """How many times each unit is drawn in each resample, (n_boot, units)."""
    draws = rng.integers(0, units, (n_boot, units)) + units * np.arange(n_boot)[:, None]
    return np.bincount(draws.ravel(), minlength=n_boot * units).reshape(n_boot, units) * 1.0


def cluster_bootstrap(
    sums: np.ndarray,
    counts: np.ndarray,
    n_boot: int = N_BOOT,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The pooled mean (Σ sums / Σ counts) of units × columns and its replicates (n_boot,
    columns), resampling units (rows) with replacement: one matrix product per table."""
    rng = rng if rng is not None else np.random.default_rng(0)
    sums, counts = np.atleast_2d(sums), np.atleast_2d(counts)
    with np.errstate(all="ignore"):
        estimate = sums.sum(axis=0) / counts.sum(axis=0)
        weights = _weights(rng, len(sums), n_boot)
        replicates = (weights @ sums) / (weights @ counts)
    return estimate, replicates


def grouped_bootstrap(
    frame: pd.DataFrame,
    value: str,
    by: Sequence[str],
    unit: str = "run_name",
    columns: str | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> Bootstrap:
    """Bootstrap of the mean of `value` for each group of `by`, resampling `unit`s (games)
    within the group; with `columns` (e.g. "turn") one mean per column value, the same draws
    for every column. NaN values are left out of the means."""
    rng = np.random.default_rng(seed)
    measured = frame[frame[value].notna()]
    spread = [*by, unit] + ([columns] if columns else [])
    grid = measured.groupby(spread, sort=True, observed=True)[value].agg(["sum", "count"])
    if columns:
        grid = grid.unstack(columns, fill_value=0)
    keys, estimates, replicates, units = [], [], [], []
    level = list(range(len(by)))
    for key, block in grid.groupby(level=level if len(by) > 1 else 0, sort=True):
        sums = block["sum"].to_numpy(dtype=float)
        counts = block["count"].to_numpy(dtype=float)
        if not columns:
            sums, counts = sums[:, None], counts[:, None]
        estimate, replicate = cluster_bootstrap(sums, counts, n_boot, rng)
        keys.append(key)
        estimates.append(estimate)
        replicates.append(replicate)
        units.append(len(block))
    width = grid["sum"].shape[1] if columns else 1
    return Bootstrap(
        keys,
        np.array(estimates).reshape(len(keys), width),
        np.array(replicates).reshape(len(keys), n_boot, width),
        np.array(units),
    )


def column_values(frame: pd.DataFrame, value: str, columns: str) -> list:
    """The column values grouped_bootstrap(…, columns=columns) lays out, in its order."""
    return sorted(frame.loc[frame[value].notna(), columns].unique())


def interval_frame(boot: Bootstrap, by: Sequence[str], level: float = LEVEL) -> pd.DataFrame:
    """One row per entry: its keys, mean, low, high and games (a one-column bootstrap)."""
    low, high = boot.intervals(level)
    keys = [key if isinstance(key, tuple) else (key,) for key in boot.keys]
    frame = pd.DataFrame(keys, columns=list(by))
    frame["mean"], frame["low"], frame["high"] = boot.estimates[:, 0], low[:, 0], high[:, 0]
    frame["games"] = boot.units
    return frame


def rank_resolution(
    names: Sequence[str], estimates: np.ndarray, replicates: np.ndarray, level: float = LEVEL
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which entries' differences are resolved (lower is better). From per-entry estimates and
    independent bootstrap replicates (entries, n_boot): the ranking, each entry's possible
    ranks (1 + entries resolved below it … entries not resolved above it) and the entries it
    is tied with; and every pair's difference with its interval and whether it excludes 0."""
    estimates = np.asarray(estimates, dtype=float)
    replicates = np.asarray(replicates, dtype=float)
    order = np.argsort(estimates, kind="stable")
    differences = replicates[:, None, :] - replicates[None, :, :]  # i − j
    low, high = percentile_interval(differences, axis=2, level=level)
    better = high < 0  # i resolved below (better than) j
    pairs = [
        {
            "entry": names[i],
            "other": names[j],
            "difference": estimates[i] - estimates[j],
            "low": low[i, j],
            "high": high[i, j],
            "resolved": bool(better[i, j] or better[j, i]),
        }
        for a, i in enumerate(order)
        for j in order[a + 1 :]
    ]
    count = len(names)
    rows = []
    for rank, i in enumerate(order, start=1):
        ties = [names[j] for j in order if j != i and not (better[i, j] or better[j, i])]
        rows.append(
            {
                "rank": rank,
                "entry": names[i],
                "mean": estimates[i],
                "best_rank": 1 + int(better[:, i].sum()),
                "worst_rank": count - int(better[i, :].sum()),
                "tied_with": ", ".join(ties),
            }
        )
    columns = ["entry", "other", "difference", "low", "high", "resolved"]
    return pd.DataFrame(rows), pd.DataFrame(pairs, columns=columns)


SHARE_NAMES = ("a", "b", "interaction", "residual", "blocks")


@dataclasses.dataclass(frozen=True)
class _Design:
    """A two-way design as integer codes (and the additive model's dummy matrix), built once."""

    values: np.ndarray
    a: np.ndarray
    b: np.ndarray
    cells: np.ndarray
    blocks: np.ndarray | None
    dummies: np.ndarray

    @classmethod
    def of(cls, values, a, b, blocks) -> _Design:
        """The design of the measured (non-NaN) values."""
        values = np.asarray(values, dtype=float)
        keep = ~np.isnan(values)
        codes = [np.unique(np.asarray(f)[keep], return_inverse=True)[1] for f in (a, b)]
        ca, cb = codes
        dummies = np.zeros((int(keep.sum()), (ca.max() + cb.max() + 2) if keep.any() else 0))
        rows = np.arange(len(ca))
        if len(ca):
            dummies[rows, ca] = 1.0
            dummies[rows, ca.max() + 1 + cb] = 1.0
        cells = ca * (cb.max() + 1 if len(cb) else 1) + cb
        blocks_code = (
            None if blocks is None else np.unique(np.asarray(blocks)[keep], return_inverse=True)[1]
        )
        return cls(values[keep], ca, cb, cells, blocks_code, dummies)


def _centred(values: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Values less their group's weighted mean (a group with no weight keeps its values)."""
    counts = np.bincount(codes, weights)
    sums = np.bincount(codes, weights * values)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return values - means[codes]


def _within(values: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> float:
    """The weighted sum of squares left around each group's mean."""
    return float((weights * _centred(values, codes, weights) ** 2).sum())


def _shares(design: _Design, weights: np.ndarray) -> np.ndarray:
    """Type II shares (a, b, interaction, residual, blocks) of the weighted total."""
    values = design.values
    total = _within(values, np.zeros(len(values), dtype=int), weights)
    if total <= 1e-300:
        return np.full(len(SHARE_NAMES), np.nan)
    blocks = 0.0
    if design.blocks is not None:
        values = _centred(values, design.blocks, weights)
        blocks = 1.0 - float((weights * values**2).sum()) / total
    root = np.sqrt(weights)
    coefficients, *_ = np.linalg.lstsq(design.dummies * root[:, None], values * root, rcond=None)
    additive = float((weights * (values - design.dummies @ coefficients) ** 2).sum())
    within_a, within_b = _within(values, design.a, weights), _within(values, design.b, weights)
    within_cells = _within(values, design.cells, weights)
    shares = np.array(
        [within_b - additive, within_a - additive, additive - within_cells, within_cells]
    )
    return np.maximum(np.append(shares / total, blocks), 0.0)  # rounding: -1e-17


def variance_shares(
    values: np.ndarray, a: np.ndarray, b: np.ndarray, blocks: np.ndarray | None = None
) -> dict[str, float]:
    """Two-way decomposition of the variance of values by factors a and b (e.g. captioner and
    painter) with Type II sums of squares, so an unbalanced design (games missing in some
    cells) is handled: each factor's share is what it explains beyond the other, the
    interaction's what the cells explain beyond both, the residual what is left within cells.
    With blocks (e.g. prompts, which every pair plays), each block's mean is removed first and
    its share is `blocks`. Shares of the total sum of squares; they add up to 1 when the design
    is balanced, and the part correlated factors explain together (in no share) is `overlap`."""
    design = _Design.of(values, a, b, blocks)
    shares = {
        name: float(share)
        for name, share in zip(
            SHARE_NAMES, _shares(design, np.ones(len(design.values))), strict=True
        )
    }
    shares["overlap"] = 1.0 - sum(shares.values())
    return shares


def variance_share_intervals(
    values: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    blocks: np.ndarray | None = None,
    n_boot: int = 200,
    seed: int = 0,
    level: float = LEVEL,
) -> dict[str, tuple[float, float]]:
    """Bootstrap intervals of variance_shares' shares, and of a − b (which factor explains
    more): games are resampled within each a × b cell, so every cell keeps its game count."""
    design = _Design.of(values, a, b, blocks)
    count = len(design.values)
    names = (*SHARE_NAMES, "a-b")
    if count == 0:
        return dict.fromkeys(names, (np.nan, np.nan))
    rng = np.random.default_rng(seed)
    order = np.argsort(design.cells, kind="stable")
    sizes = np.bincount(design.cells)[design.cells[order]]
    starts = np.flatnonzero(np.r_[True, np.diff(design.cells[order]) != 0])
    first = np.repeat(starts, np.diff(np.r_[starts, count]))  # each position's cell start
    draws = np.empty((n_boot, len(SHARE_NAMES)))
    for row in range(n_boot):
        picked = order[first + (rng.random(count) * sizes).astype(int)]
        draws[row] = _shares(design, np.bincount(picked, minlength=count).astype(float))
    draws = np.column_stack([draws, draws[:, 0] - draws[:, 1]])
    low, high = percentile_interval(draws, axis=0, level=level)
    return {name: (float(lo), float(hi)) for name, lo, hi in zip(names, low, high, strict=True)}


def _weighted_midranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each observation's midrank in the sample that repeats it weights[b] times, (n_boot, n)."""
    _, inverse = np.unique(values, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
    per_value = weights[:, order]
    if len(starts) < len(values):  # ties: one column per distinct value
        per_value = np.add.reduceat(per_value, starts, axis=1)
    below = np.cumsum(per_value, axis=1) - per_value
    return (below + (per_value + 1) / 2)[:, inverse]


def _weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pearson's r of each row of x and y (n_boot, n) with frequency weights, (n_boot,)."""
    total = weights.sum(axis=1, keepdims=True)
    dx = x - (weights * x).sum(axis=1, keepdims=True) / total
    dy = y - (weights * y).sum(axis=1, keepdims=True) / total
    with np.errstate(all="ignore"):
        return (weights * dx * dy).sum(axis=1) / np.sqrt(
            (weights * dx**2).sum(axis=1) * (weights * dy**2).sum(axis=1)
        )


def rank_correlation(
    x: np.ndarray,
    y: np.ndarray,
    clusters: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    level: float = LEVEL,
) -> dict[str, float]:
    """Spearman's rho and Kendall's tau-b of x and y, with a bootstrap interval for rho that
    resamples clusters (e.g. prompts, which carry the labels) when given, else observations;
    vectorised: each resample is a vector of counts, and ranks are weighted midranks."""
    from scipy import stats

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    clusters = np.arange(len(x)) if clusters is None else np.asarray(clusters)[keep]
    _, index = np.unique(clusters, return_inverse=True)
    groups = int(index.max()) + 1 if len(x) else 0
    if groups < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"rho": np.nan, "low": np.nan, "high": np.nan, "tau": np.nan, "clusters": groups}
    weights = _weights(np.random.default_rng(seed), groups, n_boot)[:, index]
    draws = _weighted_pearson(
        _weighted_midranks(x, weights), _weighted_midranks(y, weights), weights
    )
    low, high = percentile_interval(draws, level=level)
    return {
        "rho": float(stats.spearmanr(x, y).statistic),
        "low": float(low),
        "high": float(high),
        "tau": float(stats.kendalltau(x, y).statistic),
        "clusters": groups,
    }


def proportion_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion (NaN, NaN with no trials)."""
    from scipy import stats

    if trials == 0:
        return (np.nan, np.nan)
    interval = stats.binomtest(successes, trials).proportion_ci(level, method="wilson")
    return (float(interval.low), float(interval.high))
