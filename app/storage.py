"""Where a run's artifacts live: a local folder (S3 joins later) behind one small interface."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from .errors import InputError, StorageError

_RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def validate_run_name(name: str) -> str:
    """Returns name if it is a safe single path segment, else raises InputError."""
    if not _RUN_NAME.match(name or "") or ".." in name:
        raise InputError(
            f"run name {name!r}: use letters, digits, '.', '_' or '-' only "
            "(no path separators, no '..', at most 128 characters)"
        )
    return name


class Store(Protocol):
    """A flat namespace of artifacts: keys like 'image_001.png' under one location."""

    location: str

    def uri(self, key: str) -> str:
        """The address a reader (e.g. the caption dataflow) opens for key."""

    def write_bytes(self, key: str, data: bytes, content_type: str) -> str:
        """Writes data under key atomically and returns its URI."""

    def read_bytes(self, key: str) -> bytes:
        """Returns the bytes under key; raises StorageError when missing."""

    def exists(self, key: str) -> bool:
        """Whether key exists."""

    def child(self, name: str) -> Store:
        """The store one level down, e.g. a run's own folder."""

    def children(self) -> list[str]:
        """Names of the sub-stores one level down (e.g. runs)."""


class LocalStore:
    """A folder on disk; writes go to a temporary file first and are renamed into place."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser().resolve()
        self.location = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def write_bytes(self, key: str, data: bytes, content_type: str) -> str:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
            ) as handle:
                handle.write(data)
            os.replace(handle.name, path)
        except OSError as error:
            raise StorageError(
                f"{path}: could not write ({error.strerror}); check free space and permissions"
            ) from error
        return str(path)

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as error:
            raise StorageError(f"{self._path(key)}: could not read ({error.strerror})") from error

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def child(self, name: str) -> LocalStore:
        return LocalStore(self.root / name)

    def children(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir() if entry.is_dir())


def open_store(location: str | os.PathLike[str]) -> Store:
    """The store for a location: a folder path (s3:// arrives with the S3 store)."""
    text = str(location)
    if "://" in text and not text.startswith("file://"):
        raise InputError(f"output {text!r}: only local folders are supported; give a folder path")
    return LocalStore(text.removeprefix("file://"))
