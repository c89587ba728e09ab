"""Tournaments: every captioner against every painter on graded prompts, played as resumable
Burr games in parallel (threads, processes or Ray); a turn table, leaderboards, plots, cost."""

from .config import Tournament, load_tournament
from .executors import ThreadExecutor
from .process_executor import ProcessExecutor
from .ray_executor import RayExecutor
from .runner import TournamentResult, run_tournament

__all__ = [
    "ProcessExecutor",
    "RayExecutor",
    "ThreadExecutor",
    "Tournament",
    "TournamentResult",
    "load_tournament",
    "run_tournament",
]
