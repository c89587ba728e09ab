"""A run, measured and projected: what the report, the explorer and notebooks start from."""

from __future__ import annotations

import dataclasses
from typing import Any

from .metrics import Metrics, compute_metrics, source_store
from .projection import ChainPath, chain_path
from .run_data import Run, load_run


@dataclasses.dataclass(frozen=True)
class Analysis:
    """A loaded run, its metrics and the 2-D path of its captions."""

    run: Run
    metrics: Metrics
    path: ChainPath


def analyse(source: Any, **options: Any) -> Analysis:
    """Loads a run (GameResult, Store or folder), measures its drift and projects its path.

    Options go to compute_metrics: judge, cache, convergence_threshold, convergence_turns,
    start_embedding.
    """
    run = load_run(source_store(source))
    metrics = compute_metrics(run, **options)
    return Analysis(run, metrics, chain_path(metrics.vectors, metrics.reference))
