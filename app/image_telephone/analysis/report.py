"""The report of a run: metrics files, pictures, and one self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from importlib import resources
from string import Template
from typing import Any

import pandas as pd
from PIL import Image

from image_telephone.errors import InputError
from image_telephone.store.manifest import utc_now
from image_telephone.store.storage import Store

from .frames import captioned_tile, contact_sheet, gif_bytes, mp4_bytes
from .metrics import source_store, write_metrics
from .pictures import drift_figure, path_figure, png_bytes
from .pipeline import Analysis, analyse
from .run_data import Turn

REPORT_HTML = "report.html"
DRIFT_PNG, PATH_PNG, CONTACT_SHEET_PNG = "drift.png", "path.png", "contact_sheet.png"
CHAIN_GIF, CHAIN_MP4 = "chain.gif", "chain.mp4"
FRAME_WIDTH, SHEET_TILE_WIDTH = 256, 176


def write_report(
    source: Any,
    out: Store | None = None,
    *,
    on_progress: Callable[[str], None] = lambda step: None,
    **options: Any,
) -> list[str]:
    """Writes metrics, pictures and report.html for a run (to out, default the run itself).

    source: a GameResult, a Store or a run folder; options go to compute_metrics (judge=…: the
    judge's vectors are cached beside the report). Replays nothing; a judge other than the
    players' may call its own model. Returns the URIs written, report.html last.
    """
    store = source_store(source)
    target = out or store
    on_progress("reading the run and measuring drift")
    target.check_writable()  # the judge's cache is written there too
    analysis = analyse(store, cache=target, **options)
    run = analysis.run
    if not run.turns:
        raise InputError(f"run {run.name!r}: has no turns yet; play at least one, then report")
    written = [target.uri(key) for key in write_metrics(target, analysis.metrics)]
    on_progress("drawing the drift curve and the caption path")
    figures = {
        DRIFT_PNG: png_bytes(drift_figure(analysis.metrics)),
        PATH_PNG: png_bytes(path_figure(analysis.path, run.name)),
    }
    on_progress("composing the contact sheet, the GIF and the video")
    figures[CONTACT_SHEET_PNG] = _png(
        contact_sheet([_tile(t, SHEET_TILE_WIDTH) for t in run.turns])
    )
    frames = [_tile(turn, FRAME_WIDTH) for turn in run.turns]
    figures[CHAIN_GIF] = gif_bytes(frames)
    video = mp4_bytes(frames)
    if video is not None:
        figures[CHAIN_MP4] = video
    for key, data in figures.items():
        written.append(target.write_bytes(key, data, _content_type(key)))
    on_progress("writing the HTML page")
    page = render_html(analysis, figures, link_images=target.location == run.store.location)
    written.append(target.write_bytes(REPORT_HTML, page.encode("utf-8"), "text/html"))
    return written


_CONTENT_TYPES = {"png": "image/png", "gif": "image/gif", "mp4": "video/mp4"}


def _content_type(key: str) -> str:
    return _CONTENT_TYPES[key.rsplit(".", 1)[1]]


def _tile(turn: Turn, width: int) -> Image.Image:
    return captioned_tile(turn.image, turn.turn, turn.caption, width, "; ".join(turn.problems))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(analysis: Analysis, figures: dict[str, bytes], link_images: bool) -> str:
    """The report page: settings, drift numbers, the figures and the timeline, images inline."""
    run, manifest = analysis.run, analysis.run.manifest
    start = manifest.get("start") or {}
    template = Template(resources.files(__package__).joinpath(REPORT_HTML).read_text("utf-8"))
    return template.substitute(
        version=html.escape(str(manifest.get("versions", {}).get("image-telephone", ""))),
        title=html.escape(f"image-telephone — {run.name}"),
        lede=html.escape(
            f"{manifest.get('status', 'unknown')}: {manifest.get('turns_done', '?')} of "
            f"{manifest.get('turns_planned', '?')} turns, started from "
            f"{start.get('kind', '?')} {start.get('value', '')!r}"
        ),
        settings=_settings_table(manifest),
        summary=_summary(analysis.metrics.game),
        figures=_figures(figures),
        timeline="\n".join(
            _timeline_entry(turn, row, link_images)
            for turn, row in zip(run.turns, analysis.metrics.turns.itertuples(), strict=True)
        ),
        footer=html.escape(
            f"Written {utc_now()} from {run.store.location}. Distances are cosine distances "
            f"measured by the judge {analysis.metrics.game['judge_description']}."
        ),
    )


def _settings_table(manifest: dict[str, Any]) -> str:
    settings = {k: v for k, v in (manifest.get("settings") or {}).items() if v not in (None, [])}
    rows = {
        "run": manifest.get("run_name"),
        "models": manifest.get("models"),
        "seed": manifest.get("seed"),
        "settings": settings,
        "created": manifest.get("created_at"),
        "updated": manifest.get("updated_at"),
        "versions": manifest.get("versions"),
    }
    cells = "\n".join(
        f"<tr><th>{html.escape(name)}</th><td>{_value(value)}</td></tr>"
        for name, value in rows.items()
    )
    return f'<table class="settings" id="settings">\n{cells}\n</table>'


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{html.escape(str(k))}: {_value(v)}" for k, v in value.items())
    return html.escape(json.dumps(value) if isinstance(value, (list, bool)) else str(value))


_SUMMARY_LABELS = {
    "judge_description": "judge",
    "reference": "distances measured from",
    "convergence_turn": "converged at turn",
    "half_life": "half-life (first turn below similarity 0.5)",
    "total_drift": "total drift (last caption to start)",
    "path_length": "path length (sum of steps)",
    "convergence_threshold": "convergence threshold",
    "convergence_turns": "convergence turns (k)",
    "missing_turns": "missing turns",
}


def _summary(game: dict[str, Any]) -> str:
    items = "\n".join(
        f"<dt>{label}</dt><dd>{_display(game[key])}</dd>" for key, label in _SUMMARY_LABELS.items()
    )
    note = (
        f'<p class="note">{html.escape(game["reference_note"])}</p>'
        if game["reference_note"]
        else ""
    )
    return f'<dl class="summary" id="drift-numbers">\n{items}\n</dl>{note}'


_FIGURE_CAPTIONS = {
    DRIFT_PNG: "Caption drift and image change per turn",
    PATH_PNG: "The captions' path through embedding space",
    CHAIN_GIF: "The chain, one turn a second",
}


def _figures(figures: dict[str, bytes]) -> str:
    return "\n".join(
        f'<figure id="{key.split(".")[0]}">'
        f'<img src="{_data_uri(figures[key], _content_type(key))}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for key, caption in _FIGURE_CAPTIONS.items()
    )


def _timeline_entry(turn: Turn, row: Any, link_images: bool) -> str:
    if turn.image is None:
        picture = '<div class="placeholder">image missing</div>'
    else:
        buffer = io.BytesIO()
        turn.image.save(buffer, format="JPEG", quality=85)
        picture = f'<img src="{_data_uri(buffer.getvalue(), "image/jpeg")}" alt="turn {turn.turn}">'
        if link_images:
            picture = f'<a href="{html.escape(turn.image_key)}">{picture}</a>'
    caption = turn.caption if turn.caption is not None else "(no caption)"
    numbers = {
        "to start": row.distance_to_start,
        "to previous": row.distance_to_previous,
        "colour change": row.histogram_change,
        "dHash bits": row.hash_change,
        "pHash change": row.phash_distance_to_previous,
        "words": row.caption_words,
    }
    details = "".join(
        f"<dt>{name}</dt><dd>{_display(value)}</dd>" for name, value in numbers.items()
    )
    problems = "".join(f'<p class="problem">{html.escape(p)}</p>' for p in turn.problems)
    state = " missing" if turn.missing else ""
    return (
        f'<li class="turn{state}" id="turn-{turn.turn}" data-turn="{turn.turn}">{picture}'
        f"<h3>turn {turn.turn}</h3>{problems}"
        f'<p class="caption">{html.escape(caption)}</p><dl>{details}</dl></li>'
    )


def _display(value: Any) -> str:
    """A number or list as the page shows it: 3 decimals, '—' for nothing, 'none' for []."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if value is None or pd.isna(value):
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else html.escape(str(value))
