"""Where a run's artifacts live: a local folder or s3://bucket/prefix, behind one interface."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Protocol

from image_telephone.errors import InputError, StorageError

DEFAULT_OUT = "runs"  # where runs go when no --out is given
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
    remote: bool  # whether each write is a network round trip (then games pipeline them)

    def uri(self, key: str) -> str:
        """The address a reader (e.g. the caption dataflow) opens for key."""

    def write_bytes(self, key: str, data: bytes, content_type: str) -> str:
        """Writes data under key atomically and returns its URI."""

    def read_bytes(self, key: str) -> bytes:
        """Returns the bytes under key; raises StorageError when missing."""

    def exists(self, key: str) -> bool:
        """Whether key exists."""

    def delete(self, key: str) -> None:
        """Removes key; a missing key is not an error."""

    def clean_temporaries(self) -> None:
        """Removes the temporary files of writes a killed process never finished."""

    def child(self, name: str) -> Store:
        """The store one level down, e.g. a run's own folder."""

    def children(self) -> list[str]:
        """Names of the sub-stores one level down (e.g. runs)."""

    def files(self) -> list[str]:
        """Keys of every object below this location, recursively, hidden ones left out."""

    def check_writable(self) -> None:
        """Raises StorageError now if writes will fail later (before any model is called)."""


class LocalStore:
    """A folder on disk; writes go to a temporary file first and are renamed into place."""

    remote = False

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser().resolve()
        self.location = str(self.root)

    def _path(self, key: str) -> Path:
        return Path(self.uri(key))

    def uri(self, key: str) -> str:
        return os.path.join(self.location, key)

    def write_bytes(self, key: str, data: bytes, content_type: str) -> str:
        path = self.uri(key)
        folder, name = os.path.split(path)
        # One writer per process and thread at a time, so this temporary name is its own.
        temporary = os.path.join(folder, f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            try:
                handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            except FileNotFoundError:  # the first write into a new folder
                os.makedirs(folder, exist_ok=True)
                handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
            finally:
                os.close(handle)
            os.replace(temporary, path)
        except OSError as error:
            raise StorageError(
                f"{path}: could not write ({error.strerror}); check free space and permissions"
            ) from error
        return path

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as error:
            raise StorageError(f"{self._path(key)}: could not read ({error.strerror})") from error

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(
                f"{self._path(key)}: could not delete ({error.strerror}); check permissions"
            ) from error

    def clean_temporaries(self) -> None:
        for path in self.root.glob(".*.tmp") if self.root.is_dir() else ():
            path.unlink(missing_ok=True)

    def child(self, name: str) -> LocalStore:
        return LocalStore(self.root / name)

    def children(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir() if entry.is_dir())

    def files(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file()
            and not any(p.startswith(".") for p in path.relative_to(self.root).parts)
        )

    def check_writable(self) -> None:
        existing = next(p for p in (self.root, *self.root.parents) if p.exists())
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise StorageError(f"{self.root}: cannot write under {existing}; choose another --out")


def open_store(location: str | os.PathLike[str], s3_endpoint: str | None = None) -> Store:
    """The store for a location: a folder path, file:// URL or s3://bucket/prefix."""
    text = str(location)
    if text.startswith("s3://"):
        from image_telephone.store.s3_store import S3Store, make_s3_client, parse_s3_uri

        bucket, prefix = parse_s3_uri(text)
        return S3Store(bucket, prefix, make_s3_client(s3_endpoint))
    if "://" in text and not text.startswith("file://"):
        raise InputError(f"output {text!r}: give a folder path or s3://bucket/prefix")
    return LocalStore(text.removeprefix("file://"))
