"""The live view of a tournament: one progress bar over all turns, and a line per endpoint."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


def endpoint_line(endpoint: str, counts: dict[str, int]) -> str:
    """'openai@…: 120 calls, 3 errors, 3 retries, 2 × 429, 8 in flight'."""
    parts = [
        f"{counts['calls']} calls",
        f"{counts['errors']} errors",
        f"{counts['retries']} retries",
    ]
    if counts["rate_limited"]:
        parts.append(f"{counts['rate_limited']} × 429")
    if "in_flight" in counts:
        parts.append(f"{counts['in_flight']} in flight")
    return f"{endpoint}: {', '.join(parts)}"


class TournamentProgress:
    """A rich Live display fed with the coordinator's snapshots and finished games."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("turns"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.live = Live(console=console, refresh_per_second=4, transient=False)
        self.games = 0
        self.task: Any = None

    def begin(self, games: int, turns: int, turns_done: int) -> None:
        """Shows the bar: games and turns planned, turns already played before this run."""
        self.games = games
        self.task = self.progress.add_task("games 0/0", total=turns, completed=turns_done)
        self.live.update(self.progress)
        self.live.start()

    def update(self, snapshot: dict[str, Any]) -> None:
        """Advances the bar and rewrites the endpoint lines."""
        statuses = snapshot["games"]
        done = sum(statuses.values())
        detail = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        self.progress.update(
            self.task,
            completed=snapshot["turns_done"],
            description=f"games {done}/{self.games}" + (f" ({detail})" if detail else ""),
        )
        limit = snapshot["max_cost_usd"]
        lines = [endpoint_line(name, c) for name, c in snapshot["endpoints"].items()]
        lines.append(
            f"estimated cost ${snapshot['spent_usd']:.4f}"
            + (f" of ${limit:g}" if limit is not None else "")
            + (f" — stopping: {snapshot['stop_reason']}" if snapshot["stop_reason"] else "")
        )
        self.live.update(Group(self.progress, Text("\n".join(lines), style="dim")))

    def end(self) -> None:
        """Leaves the last view on screen."""
        self.live.stop()
        if not self.console.is_terminal:  # rich ends a non-terminal Live without a newline
            self.console.line()
