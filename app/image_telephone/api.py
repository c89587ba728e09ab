"""The Python API: play a game and get a result that can show its drift."""

from __future__ import annotations

import dataclasses
from typing import Any

from image_telephone.extras import require_extra
from image_telephone.game import play as game_play


@dataclasses.dataclass(frozen=True)
class GameResult(game_play.GameResult):
    """A played game, its chain of captions, and its drift as a table or a picture."""

    def metrics(self, **options: Any) -> Any:
        """Drift metrics, one row per turn, as a pandas DataFrame (docs/analysis.md)."""
        from image_telephone.analysis import metrics_frame

        return metrics_frame(self, **options)

    def plot(self, kind: str = "drift", **options: Any) -> Any:
        """The drift curves ('drift') or the caption path ('path') as a matplotlib Figure."""
        require_extra("report", "GameResult.plot()", ["matplotlib"])
        from image_telephone.analysis import plot as plot_result

        return plot_result(self, kind, **options)


def play(image: str | None = None, **kwargs: Any) -> GameResult:
    """Plays (or resumes) a game to its last turn; see image_telephone.game.play.play."""
    played = game_play.play(image, **kwargs)
    return GameResult(**{f.name: getattr(played, f.name) for f in dataclasses.fields(played)})
