"""See the drift of a game: per-turn metrics, pictures, an HTML report and a Streamlit explorer.

Everything reads what a run stored (captions, embeddings, images) through its Store and makes
no provider calls. Names load on first use, so the CLI can read defaults without matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Analysis": "pipeline",
    "analyse": "pipeline",
    "Metrics": "metrics",
    "compute_metrics": "metrics",
    "metrics_frame": "metrics",
    "plot": "pictures",
    "write_report": "report",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
