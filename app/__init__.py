"""image-telephone: the telephone game between image and text models, on Hamilton and Burr."""

from . import materializers  # noqa: F401  (registers to.image_s3, to.json_s3, …)
from .errors import (
    InputError,
    ProviderError,
    RunConflictError,
    RunLockedError,
    StorageError,
    TelephoneError,
)
from .play import GameResult, build_application, open_application, play
from .settings import GameSettings

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
