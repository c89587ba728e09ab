"""image-telephone: the telephone game between image and text models, on Hamilton and Burr."""

from __future__ import annotations

import importlib
from typing import Any

from image_telephone.errors import (
    InputError,
    ProviderError,
    RunConflictError,
    RunLockedError,
    StorageError,
    TelephoneError,
)
from image_telephone.import_hooks import after_import

# Loaded on first use, so that `import image_telephone` (and the command) start fast.
_LAZY = {
    "GameResult": "image_telephone.api",
    "play": "image_telephone.api",
    "GameSettings": "image_telephone.game.settings",
    "build_application": "image_telephone.game.play",
    "open_application": "image_telephone.game.play",
}

__all__ = [
    "GameResult",
    "GameSettings",
    "InputError",
    "ProviderError",
    "RunConflictError",
    "RunLockedError",
    "StorageError",
    "TelephoneError",
    "__version__",
    "build_application",
    "open_application",
    "play",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("image-telephone")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# The Hamilton savers to.image_s3, to.json_s3, to.image_file, to.json_file: registered as soon as
# Hamilton's IO loads (at once if it already has), without loading Hamilton here.
def _register_savers(_: Any) -> None:
    importlib.import_module("image_telephone.store.materializers")


after_import("hamilton.io", _register_savers)
