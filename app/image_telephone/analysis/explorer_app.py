"""The Streamlit explorer: pick a run, walk its turns, see where each caption sits on the path.

Served by `image-telephone explore`; reads runs from $IMAGE_TELEPHONE_RUNS (default 'runs').
The run and turn are bound to the URL (?run=...&turn=...), so any view can be linked to.
"""

from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import urlencode

import streamlit as st

from image_telephone.analysis.explorer import RUNS_ENV
from image_telephone.analysis.pictures import drift_figure, path_figure, png_bytes
from image_telephone.analysis.pipeline import Analysis, analyse
from image_telephone.errors import TelephoneError
from image_telephone.store.listing import list_runs
from image_telephone.store.storage import DEFAULT_OUT, open_store

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


@st.cache_resource(max_entries=8, show_spinner="measuring the run…")
def _analysis(location: str, run_name: str, manifest_digest: str) -> Analysis:
    """The run's analysis, kept while its manifest stays the same (a running game moves on)."""
    return analyse(open_store(location).child(run_name))


def _plain(text: str) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _number(value: object, digits: int = 3) -> str:
    return "—" if value is None or value != value else f"{value:.{digits}f}"


st.set_page_config(page_title="image-telephone explorer", layout="wide")
location = os.environ.get(RUNS_ENV, DEFAULT_OUT)
runs_store = open_store(location)
names = [summary.name for summary in list_runs(runs_store)]  # newest first
if not names:
    st.info(f"No runs in {location}. Play one with `image-telephone run`.")
    st.stop()
run_name = st.sidebar.selectbox("run", names, key="run", bind="query-params")
manifest_bytes = runs_store.child(run_name).read_bytes("run.json")
try:
    analysis = _analysis(location, run_name, hashlib.sha256(manifest_bytes).hexdigest())
except TelephoneError as error:
    st.error(str(error))
    st.stop()
run, metrics = analysis.run, analysis.metrics
if not run.turns:
    st.info(f"Run {run_name} has no turns yet.")
    st.stop()

start = run.manifest.get("start") or {}
st.title(run_name)
st.caption(
    f"{run.manifest.get('status')}: {run.manifest.get('turns_done')} of "
    f"{run.manifest.get('turns_planned')} turns · start {start.get('kind')}: {start.get('value')}"
)
last = len(run.turns) - 1
turn_number = st.slider("turn", 0, last, 0, key="turn", bind="query-params") if last > 0 else 0
turn, row = run.turns[turn_number], metrics.turns.iloc[turn_number]
link = "?" + urlencode({"run": run_name, "turn": turn_number})
st.markdown(f"[Link to this run and turn]({link})")

picture, path = st.columns(2)
with picture:
    st.subheader(f"turn {turn_number}")
    for problem in turn.problems:
        st.warning(problem)
    if turn.image is not None:
        st.image(run.store.read_bytes(turn.image_key), caption=turn.image_key)
    st.markdown(_plain(turn.caption) if turn.caption else "*no caption*")
    to_start, to_previous, colour = st.columns(3)
    to_start.metric(
        "to start", _number(row.distance_to_start), help=f"distance to {metrics.reference.label}"
    )
    to_previous.metric("to previous", _number(row.distance_to_previous))
    colour.metric("colour change", _number(row.histogram_change))
with path:
    st.image(png_bytes(path_figure(analysis.path, run_name, highlight=turn_number)))

game = metrics.game
converged, half_life, drift = st.columns(3)
converged.metric(
    "converged at turn", game["convergence_turn"] if game["convergence_turn"] is not None else "—"
)
half_life.metric("half-life (turn)", game["half_life"] if game["half_life"] is not None else "—")
drift.metric("total drift", _number(game["total_drift"]))
if metrics.reference.note:
    st.caption(metrics.reference.note)
st.image(png_bytes(drift_figure(metrics, highlight=turn_number)))
with st.expander("metrics table"):
    st.dataframe(metrics.turns, hide_index=True)
with st.expander("settings"):
    st.json(run.manifest.get("settings") or {})
