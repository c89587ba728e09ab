"""image-telephone: the telephone game between image and text models, on Hamilton and Burr."""

from image_telephone.api import GameResult, play
from image_telephone.errors import (
    InputError,
    ProviderError,
    RunConflictError,
    RunLockedError,
    StorageError,
    TelephoneError,
)
from image_telephone.game.play import build_application, open_application
from image_telephone.game.settings import GameSettings
from image_telephone.store import materializers  # noqa: F401  (registers to.image_s3, to.json_s3, …)

__all__ = [
    "GameResult",
    "GameSettings",
    "InputError",
    "ProviderError",
    "RunConflictError",
    "RunLockedError",
    "StorageError",
    "TelephoneError",
    "build_application",
    "open_application",
    "play",
]
