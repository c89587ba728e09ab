"""A live progress bar for a game: the turn, a caption snippet and the elapsed time."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .hooks import TurnEvent

SNIPPET_LENGTH = 60


def snippet(text: str | None, length: int = SNIPPET_LENGTH) -> str:
    """The first length characters of text on one line, with an ellipsis when cut."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


class TurnProgress:
    """A rich progress bar fed by ProgressHook's TurnEvents."""

    def __init__(self, console: Console, turns: int):
        self.progress = Progress(
            TextColumn("turn"),
            MofNCompleteColumn(),
            BarColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[step]:<8} {task.fields[caption]}"),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task("game", total=turns, step="start", caption="")

    def __enter__(self) -> TurnProgress:
        # The bar appears with the first finished step, so input errors print alone.
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def update(self, event: TurnEvent) -> None:
        """Moves the bar to the event's turn and shows the latest caption."""
        self.progress.start()
        self.progress.update(
            self.task,
            completed=event.turns_done,
            total=event.turns_planned,
            step=event.step,
            caption=snippet(event.caption),
        )
