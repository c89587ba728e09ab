"""Live progress bars: a game's turns (turn, caption snippet, elapsed) and counted items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # rich.progress loads with the first bar, the game with the first game
    from rich.console import Console
    from rich.progress import ProgressColumn

    from image_telephone.game.hooks import TurnEvent

SNIPPET_LENGTH = 60
_Bar = TypeVar("_Bar", bound="_LiveBar")


def snippet(text: str | None, length: int = SNIPPET_LENGTH) -> str:
    """The first length characters of text on one line, with an ellipsis when cut."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


class _LiveBar:
    """A rich bar that appears with the first update, so early errors print alone."""

    def __init__(self, console: Console, label: str, detail: ProgressColumn, **fields: Any):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn(label),
            MofNCompleteColumn(),
            BarColumn(),
            TimeElapsedColumn(),
            detail,
            console=console,
        )
        self.task = self.progress.add_task(label, total=None, **fields)

    def __enter__(self: _Bar) -> _Bar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def _show(self, **update: Any) -> None:
        self.progress.start()
        self.progress.update(self.task, **update)


class TurnProgress(_LiveBar):
    """A game's bar, fed by ProgressHook's TurnEvents."""

    def __init__(self, console: Console, turns: int):
        from rich.progress import TextColumn

        detail = TextColumn("{task.fields[step]:<10} {task.fields[caption]}")
        super().__init__(console, "turn", detail, step="start", caption="")
        self.progress.update(self.task, total=turns)

    def update(self, event: TurnEvent) -> None:
        """Moves the bar to the event's turn and shows the latest caption."""
        self._show(
            completed=event.turns_done,
            total=event.turns_planned,
            step=event.step,
            caption=snippet(event.caption),
        )


class CountProgress(_LiveBar):
    """A bar over counted items (e.g. images titled), showing the latest result."""

    def __init__(self, console: Console, label: str):
        from rich.progress import TextColumn

        super().__init__(console, label, TextColumn("{task.fields[latest]}"), latest="")

    def update(self, done: int, total: int, latest: str | None) -> None:
        """Shows done of total and the latest result."""
        self._show(completed=done, total=total, latest=snippet(latest or "—"))
