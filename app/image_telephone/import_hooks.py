"""Run a callback right after a module is imported (PEP 369's post-import hooks, for one name).

Registering with Hamilton's savers or Burr's serializers then costs nothing until that library is
loaded, wherever it is loaded from: `import image_telephone` stays fast for the command line.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

Callback = Callable[[ModuleType], None]

_pending: dict[str, list[Callback]] = {}
_lock = threading.RLock()


def after_import(name: str, callback: Callback) -> None:
    """Calls callback(module) now if module name is imported, else as soon as its import ends."""
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            _pending.setdefault(name, []).append(callback)
            if _FINDER not in sys.meta_path:
                sys.meta_path.insert(0, _FINDER)
            return
    callback(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds a watched module with the other finders and wraps its loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _pending:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _ThenCall(spec.loader, fullname)
                return spec
        return None


class _ThenCall(importlib.abc.Loader):
    """A module's own loader, followed by the callbacks waiting for it."""

    def __init__(self, loader: Any, name: str):
        self.loader, self.name = loader, name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        module.__loader__ = self.loader  # the module keeps its real loader (resources, reload)
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        with _lock:
            callbacks = _pending.pop(self.name, [])
            if not _pending and _FINDER in sys.meta_path:
                sys.meta_path.remove(_FINDER)
        for callback in callbacks:
            callback(module)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.loader, attribute)


_FINDER = _Finder()
