"""The tournament's study report: study.html (one self-contained page, figures inline), each
figure as its own PNG and each table as CSV, written beside summary.html."""

from __future__ import annotations

import base64
import html
import io
import logging
from collections.abc import Callable, Sequence

import pandas as pd

from image_telephone.store.storage import Store

from . import study_figures
from .plots import png
from .study import ALL, DRIFT, SHARES, Study, study

logger = logging.getLogger(__name__)

STUDY = "study.html"
THUMBNAIL = 144
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} img{max-width:100%} .muted{color:#777} .yes{color:#070} .no{color:#b00}
.gallery{display:flex;gap:.5rem;flex-wrap:wrap}
.gallery figure{margin:0;width:150px;font-size:.75rem}
"""


def _interval(mean: float, low: float, high: float) -> str:
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(
        index=False, escape=True, float_format=lambda v: f"{v:.3f}", na_rep="—", border=0
    )


def _figure(name: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<p><img src="data:image/png;base64,{encoded}" alt="{html.escape(name)}"></p>'


def _ranks_table(ranks: pd.DataFrame, role: str) -> str:
    rows = ranks[ranks["role"] == role]
    frame = pd.DataFrame(
        {
            "level": rows["level"],
            "rank": rows["rank"],
            role: rows["entry"],
            "mean distance [95% CI]": [
                _interval(m, lo, hi)
                for m, lo, hi in zip(rows["mean"], rows["low"], rows["high"], strict=True)
            ],
            "games": rows["games"],
            "possible ranks": [
                str(b) if b == w else f"{b}–{w}"
                for b, w in zip(rows["best_rank"], rows["worst_rank"], strict=True)
            ],
            "not resolved from": rows["tied_with"],
        }
    )
    return _table(frame)


def _best(ranks: pd.DataFrame, role: str) -> str:
    top = ranks[(ranks["role"] == role) & (ranks["level"] == ALL) & (ranks["rank"] == 1)]
    if top.empty:
        return f"no {role} measured"
    row = top.iloc[0]
    verdict = (
        "resolved: its interval of difference to every other excludes 0"
        if not row["tied_with"]
        else f"not resolved from {row['tied_with']}"
    )
    return (
        f"<b>{html.escape(row['entry'])}</b>, {_interval(row['mean'], row['low'], row['high'])} "
        f"({html.escape(verdict)})"
    )


def _pairs_table(pairs: pd.DataFrame) -> str:
    frame = pairs.assign(
        interval=[
            _interval(m, lo, hi)
            for m, lo, hi in zip(pairs["mean"], pairs["low"], pairs["high"], strict=True)
        ]
    )
    table = frame.pivot_table(
        index=["captioner", "painter"], columns="level", values="interval", aggfunc="first"
    )
    order = [ALL, *(level for level in pairs["level"].unique() if level != ALL)]
    table = table[order]
    table.columns.name = None
    return _table(table.reset_index())


def _shares_table(shares: pd.DataFrame) -> str:
    frame = shares[["level", "games", *SHARES]].copy()
    for name in ("captioner", "painter"):
        frame[name] = [
            _interval(m, lo, hi)
            for m, lo, hi in zip(
                shares[name], shares[f"{name}_low"], shares[f"{name}_high"], strict=True
            )
        ]
    frame["captioner − painter [95% CI]"] = [
        f"[{lo:.3f}, {hi:.3f}]"
        for lo, hi in zip(
            shares["captioner_minus_painter_low"],
            shares["captioner_minus_painter_high"],
            strict=True,
        )
    ]
    return _table(frame)


def _identical_note(result: Study) -> str:
    if not result.identical_cells:
        return ""
    return (
        f"<p class='no'>{result.identical_cells} of {result.replicated_cells} pair × prompt "
        "cells played the same game with every seed (a deterministic player): their seeds are "
        "no replicates, so the intervals are narrower than the uncertainty. Raise the players' "
        "temperature, or read the intervals as spread over prompts only.</p>"
    )


def _early_late(shares: pd.DataFrame) -> str:
    """The claim 'the captioner matters early, the painter late', first turn against last."""
    if len(shares) < 2:
        return ""
    first, last = shares.iloc[0], shares.iloc[-1]

    def share(row: pd.Series, role: str) -> str:
        return f"{row[role]:.0%} [{row[f'{role}_low']:.0%}, {row[f'{role}_high']:.0%}]"

    return (
        f"<li>Captioner early, painter late? From turn {int(first['turn'])} "
        f"to turn {int(last['turn'])} "
        f"the captioner's share goes {share(first, 'captioner')} → {share(last, 'captioner')}, "
        f"the painter's {share(first, 'painter')} → {share(last, 'painter')}.</li>"
    )


def _headline(result: Study) -> str:
    overall = result.shares_by_level[result.shares_by_level["level"] == ALL].iloc[0]
    more = "captioner" if overall["captioner"] >= overall["painter"] else "painter"
    low, high = overall["captioner_minus_painter_low"], overall["captioner_minus_painter_high"]
    resolved = "resolved" if low > 0 or high < 0 else "not resolved"
    check = result.difficulty
    ordered = "yes" if check["ordered"] else "no"
    converged = result.converged_by
    share = (
        f"{converged['share']:.0%} [{converged['low']:.0%}, {converged['high']:.0%}] of "
        f"{converged['games']} games"
        if converged["games"]
        else "not measurable (games too short)"
    )
    return f"""<ul>
<li>Best painter: {_best(result.ranks, "painter")}.</li>
<li>Best captioner: {_best(result.ranks, "captioner")}.</li>
<li>Which matters more: the <b>{more}</b> ({resolved}: captioner − painter share
[{low:.1%}, {high:.1%}]) — it explains {overall[more]:.0%} of the variance in final drift
(captioner {overall["captioner"]:.0%}, painter {overall["painter"]:.0%},
interaction {overall["interaction"]:.0%}, prompt {overall["prompt"]:.0%}, residual
{overall["residual"]:.0%}).</li>
{_early_late(result.shares_by_turn)}
<li>Levels ordered as labelled: <span class="{ordered}">{ordered}</span>; Spearman ρ of level and
final drift {check["rho"]:.2f} [{check["low"]:.2f}, {check["high"]:.2f}] over
{check["clusters"]} prompts.</li>
<li>Converged by turn {converged["turn"]}: {share}.</li>
</ul>"""


def _difficulty(result: Study) -> str:
    steps = pd.DataFrame(result.difficulty["steps"], columns=["from", "to", "low", "high"])
    steps["harder drifts further"] = [
        "yes (resolved)" if low > 0 else ("no (resolved)" if high < 0 else "not resolved")
        for low, high in zip(steps["low"], steps["high"], strict=True)
    ]
    steps = steps.rename(columns={"low": "difference low", "high": "difference high"})
    return _table(result.levels) + _table(steps)


def _thumbnail(location: str, read_image: Callable[[str], bytes] | None) -> str:
    if read_image is None:
        return "<span class='muted'>no image</span>"
    from PIL import Image

    try:
        with Image.open(io.BytesIO(read_image(location))) as image:
            image.thumbnail((THUMBNAIL, THUMBNAIL))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
    except Exception as error:  # an unreadable image leaves a note, not a broken page
        logger.warning("study report: %s: could not read (%s)", location, error)
        return "<span class='muted'>image unreadable</span>"
    encoded = base64.b64encode(out.getvalue()).decode("ascii")
    return f'<img src="data:image/jpeg;base64,{encoded}" alt="final image">'


def _gallery(result: Study, read_image: Callable[[str], bytes] | None) -> str:
    if result.attractors.empty:
        return "<p class='muted'>No final captions to cluster.</p>"
    parts = []
    for row in result.attractors.itertuples(index=False):
        examples = "".join(
            f"<figure>{_thumbnail(image, read_image)}<figcaption>"
            f'<a href="../{html.escape(run, quote=True)}/">{html.escape(run)}</a>'
            "</figcaption></figure>"
            for run, image in zip(row.examples, row.images, strict=True)
        )
        parts.append(
            f"<h3>{row.attractor}. {html.escape(row.name)}: "
            f"{row.size} games ({row.share:.0%})</h3>"
            f"<p class='muted'>Mostly: {html.escape(row.pairs)}</p>"
            f"<div class='gallery'>{examples}</div>"
        )
    return "\n".join(parts)


def _video(video: Sequence[str]) -> str:
    gif = next((key for key in video if key.endswith(".gif")), None)
    if gif is None:
        return "<p class='muted'>No video grid was written.</p>"
    links = " · ".join(f'<a href="{html.escape(k)}">{html.escape(k)}</a>' for k in video)
    return f'<p><img src="{html.escape(gif)}" alt="video grid"></p><p>{links}</p>'


def image_reader(root: Store) -> Callable[[str], bytes]:
    """Reads a turn's image by the URI the turn table holds: <root>/<run name>/<file>."""

    def read(uri: str) -> bytes:
        run, key = uri.rsplit("/", 2)[-2:]
        return root.child(run).read_bytes(key)

    return read


def study_page(
    name: str,
    result: Study,
    pictures: dict[str, bytes],
    read_image: Callable[[str], bytes] | None,
    video: Sequence[str],
) -> str:
    """The study page: the answers first, then each table with its figure."""
    convergence = result.converged_by
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Study {html.escape(name)}</title><style>{_STYLE}</style></head><body>
<h1>Study: {html.escape(name)}</h1>
<p class="muted">Distances are cosine distances of captions to the start prompt (lower keeps
closer). Every interval is a 95% bootstrap interval that resamples whole games (seeds are the
replicates), so a game's turns never count as independent. Two entries are <i>resolved</i> when
the interval of their difference excludes 0. <a href="summary.html">Back to the summary</a>.</p>
{_identical_note(result)}
<h2>The answers</h2>
{_headline(result)}
<h2>Best painter, per level</h2>
{_ranks_table(result.ranks, "painter")}
<h2>Best captioner, per level</h2>
{_ranks_table(result.ranks, "captioner")}
<details><summary>Every difference with its interval</summary>{_table(result.differences)}</details>
<h2>Pairs</h2>
<p class="muted">Mean distance to the start over all turns [95% CI], by level.</p>
{_pairs_table(result.pairs)}
{_figure("pair intervals", pictures["study_pair_intervals.png"])}
{_figure("pair bands", pictures["study_pair_bands.png"])}
<h2>Which matters more: captioner or painter</h2>
<p class="muted">Shares of the variance in the games' final drift: the prompts' share first
(every pair plays every prompt, so each prompt's mean is removed), then Type II sums of
squares on what is left: each role's share is what it explains beyond the other, the
interaction what a pair adds beyond its two roles, the residual what seeds leave within a pair
and prompt; <i>overlap</i> is non-zero only for an unbalanced design. Intervals resample games
within each pair; the role whose share is larger is resolved when the interval of captioner −
painter excludes 0.</p>
{_shares_table(result.shares_by_level)}
{_figure("shares by level", pictures["study_shares_by_level.png"])}
<p class="muted">The same, turn by turn (distance to the start at that turn).</p>
{_figure("shares by turn", pictures["study_shares_by_turn.png"])}
<h2>Difficulty check</h2>
<p class="muted">Are the levels ordered as labelled? Mean final drift per level [95% CI],
the step between neighbouring levels, and the rank correlation of level and drift (its
interval resamples prompts, which carry the labels).</p>
{_difficulty(result)}
{_figure("difficulty", pictures["study_difficulty.png"])}
<h2>Convergence</h2>
<p class="muted">A game converges at the first turn from which {convergence["k"]} captions in a
row each stay within {convergence["threshold"]} of the one before (a game report's definition).
The share converged by each turn counts the games long enough to tell (Wilson interval).</p>
{_figure("convergence", pictures["study_convergence.png"])}
<h2>Attractors</h2>
<p class="muted">The games' final captions clustered (TF-IDF, k-means, k by silhouette), each
named by its heaviest words, with the games closest to its centre.</p>
{_gallery(result, read_image)}
{_figure("attractors", pictures["study_attractors.png"])}
<h2>Meaning drift against style drift</h2>
<p class="muted">Per pair, caption-to-caption text distance against image-to-image distance
({html.escape(result.style_measure or "not measured")}), turns 1 on.</p>
{_table(result.meaning_style)}
{_figure("meaning and style", pictures["study_meaning_style.png"])}
<h2>Video grid</h2>
{_video(video)}
</body></html>
"""


def study_files(
    name: str,
    turns: pd.DataFrame,
    read_image: Callable[[str], bytes] | None = None,
    video: Sequence[str] = (),
) -> dict[str, tuple[bytes, str]]:
    """The study's files by key (study.html, its PNGs and CSVs); none without a measured
    distance to the start."""
    if DRIFT not in turns or not turns[DRIFT].notna().any():
        return {}
    result = study(turns)
    pictures = {key: png(figure) for key, figure in study_figures.figures(result).items()}
    tables = {
        "study_ranks.csv": result.ranks,
        "study_pairs.csv": result.pairs,
        "study_shares_by_level.csv": result.shares_by_level,
        "study_shares_by_turn.csv": result.shares_by_turn,
        "study_convergence.csv": result.convergence,
        "study_attractors.csv": result.attractors,
        "study_meaning_style.csv": result.meaning_style,
    }
    files = {key: (data, "image/png") for key, data in pictures.items()}
    files |= {key: (t.to_csv(index=False).encode("utf-8"), "text/csv") for key, t in tables.items()}
    page = study_page(name, result, pictures, read_image, video)
    files[STUDY] = (page.encode("utf-8"), "text/html")
    return files
