"""Tournaments: every captioner against every painter on graded prompts, played as resumable
Burr games in parallel (threads, or Ray), with a turn table, leaderboards, plots and cost."""

from .config import Tournament, load_tournament
from .executors import ThreadExecutor
from .ray_executor import RayExecutor
from .runner import TournamentResult, run_tournament

__all__ = [
    "RayExecutor",
    "ThreadExecutor",
    "Tournament",
    "TournamentResult",
    "load_tournament",
    "run_tournament",
]
