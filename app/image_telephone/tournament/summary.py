"""The tournament's HTML summary: totals and cost, leaderboards, plots, every game linked."""

from __future__ import annotations

import html
from importlib.util import find_spec
from typing import Any

import pandas as pd

from image_telephone.store.manifest import utc_now

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
th{background:#f3f3f3} img{max-width:100%} .failed{color:#b00} .muted{color:#777}
"""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(
        index=False, escape=True, float_format=lambda v: f"{v:.4g}", na_rep="—", border=0
    )


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def _report_hint(location: str) -> str:
    if find_spec("image_telephone.analysis") is None:
        return ""
    command = f"image-telephone report RUN --runs {location}"
    return f"<p class='muted'>A game's report: <code>{html.escape(command)}</code>.</p>"


def _study_link(files: list[str]) -> str:
    if "study.html" not in files:
        return ""
    return (
        f"<p><b>{_link('study.html', 'The study')}</b>: best painter and captioner with 95% "
        "intervals, which role matters more, the difficulty check, convergence, attractors and "
        "the video grid.</p>"
    )


def _embedder(embedder: dict[str, str]) -> str:
    where = embedder["endpoint"]
    at = f" at {html.escape(where)}" if where != embedder["provider"] else ""
    return f"<b>{html.escape(embedder['model'])}</b> ({html.escape(embedder['provider'])}{at})"


def _judge(judge: dict[str, Any] | None) -> str:
    if not judge:
        return ""
    where = f" at {html.escape(judge['endpoint'])}" if judge.get("endpoint") else ""
    spec = html.escape(judge["judge"])
    return (
        f"<p>Distances measured by the judge <b>{html.escape(judge['model'])}</b> "
        f"({html.escape(judge['kind'])}{where}; <code>--judge {spec}</code>).</p>"
    )


def _games_rows(games: pd.DataFrame, reports: set[str]) -> str:
    rows = []
    for game in games.itertuples(index=False):
        run = game.run_name
        report = _link(f"../{run}/report.html", "report") if run in reports else ""
        cells = [
            _link(f"../{run}/", run) + " · " + _link(f"../{run}/run.json", "run.json"),
            html.escape(game.captioner),
            html.escape(game.painter),
            html.escape(f"{game.prompt_id} ({game.level})"),
            str(game.seed),
            f'<span class="{html.escape(game.status)}">{html.escape(game.status)}</span>',
            str(game.turns_done),
            html.escape(game.reason),
            report,
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return "\n".join(rows)


def summary_html(
    name: str,
    location: str,
    games: pd.DataFrame,
    totals: dict[str, Any],
    endpoints: dict[str, dict[str, int]],
    pairs: pd.DataFrame,
    levels: pd.DataFrame,
    plots: list[str],
    files: list[str],
    reports: set[str],
    stop_reason: str | None,
) -> str:
    """The page, linking (relatively) each game's run folder and report, plots and tables."""
    counts = games["status"].value_counts().to_dict()
    status = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    stop = f"<p class='failed'>Stopped: {html.escape(stop_reason)}.</p>" if stop_reason else ""
    unpriced = totals["unpriced_models"]
    http = pd.DataFrame.from_dict(endpoints, orient="index").rename_axis("endpoint").reset_index()
    header = "".join(
        f"<th>{column}</th>"
        for column in (
            "run",
            "captioner",
            "painter",
            "prompt",
            "seed",
            "status",
            "turns",
            "reason",
            "report",
        )
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Tournament {html.escape(name)}</title><style>{_STYLE}</style></head><body>
<h1>Tournament {html.escape(name)}</h1>
<p class="muted">{html.escape(location)} · written {html.escape(utc_now()[:19])} UTC</p>
<p>{len(games)} games: {html.escape(status)}.</p>{stop}
<h2>Calls and cost</h2>
<p>{totals["turns"]} turns, {totals["model_calls"]} model calls, {totals["images"]} images;
tokens: {totals["caption_tokens"]} caption, {totals["image_tokens"]} image,
~{totals["embedding_tokens_estimated"]} embedding (estimated).
Estimated cost: <b>${totals["cost_usd"]:.4f}</b>{
        f" (no price for: {html.escape(', '.join(unpriced))})" if unpriced else ""
    }.</p>
<p>HTTP requests in this run, per endpoint (retries and errors included):</p>
{_table(http) if len(http) else "<p class='muted'>none</p>"}
<h2>Distance to the start</h2>
{_study_link(files)}
<p>Every caption and start prompt embedded by one embedder: {_embedder(totals["embedder"])}.</p>
{_judge(totals.get("judge"))}
{"".join(f'<p><img src="{html.escape(p)}" alt="{html.escape(p)}"></p>' for p in plots)}
<h2>Leaderboard: pairs</h2>
<p class="muted">Cosine distance of each caption to the start prompt; lower keeps closer.</p>
{_table(pairs)}
<h2>Leaderboard: levels</h2>
{_table(levels) if len(levels) else "<p class='muted'>no turns yet</p>"}
<h2>Games</h2>
{_report_hint(location)}
<table><tr>{header}</tr>
{_games_rows(games, reports)}
</table>
<h2>Files</h2>
<p>{" · ".join(_link(f, f) for f in files)}</p>
</body></html>
"""
