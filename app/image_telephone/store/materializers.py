"""Hamilton data savers for images and JSON, to files or S3, through the game's own stores.

Importing image_telephone registers them, so any Hamilton driver can materialize a node:
``to.image_s3(id=..., dependencies=["generated_image_png"], uri="s3://bucket/key.png")``, and
likewise ``to.image_file``, ``to.json_s3`` and ``to.json_file`` (writes are atomic).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection
from typing import Any, ClassVar

from hamilton import registry
from hamilton.io.data_adapters import DataSaver

from image_telephone.errors import InputError
from image_telephone.store.storage import open_store


@dataclasses.dataclass
class _StoreSaver(DataSaver):
    """Writes one object at uri (a path, file:// or s3://) through a Store."""

    uri: str
    s3_endpoint: str | None = None

    kind: ClassVar[str]
    content_type: ClassVar[str]
    scheme: ClassVar[str]

    @classmethod
    def name(cls) -> str:
        """The saver's name in Hamilton's registry: to.<kind>_<scheme>(...)."""
        return f"{cls.kind}_{cls.scheme}"

    def _encode(self, data: Any) -> bytes:
        raise NotImplementedError

    def save_data(self, data: Any) -> dict[str, Any]:
        is_s3 = self.uri.startswith("s3://")
        if is_s3 != (self.scheme == "s3"):
            raise InputError(f"{self.name()} uri {self.uri!r}: expected a {self.scheme} location")
        location, _, key = self.uri.rstrip("/").rpartition("/")
        if not key:
            raise InputError(f"{self.name()} uri {self.uri!r}: name the object, e.g. .../out.png")
        payload = self._encode(data)
        written = open_store(location or ".", self.s3_endpoint).write_bytes(
            key, payload, self.content_type
        )
        return {"uri": written, "bytes": len(payload), "content_type": self.content_type}


class _ImageSaver(_StoreSaver):
    kind = "image"
    content_type = "image/png"

    @classmethod
    def applicable_types(cls) -> Collection[type]:
        return [bytes]

    def _encode(self, data: bytes) -> bytes:
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise InputError(f"{self.name()}: the data is not PNG bytes")
        return data


class _JSONSaver(_StoreSaver):
    kind = "json"
    content_type = "application/json"

    @classmethod
    def applicable_types(cls) -> Collection[type]:
        return [dict, list]

    def _encode(self, data: Any) -> bytes:
        return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


@dataclasses.dataclass
class ImageFileSaver(_ImageSaver):
    """Saves PNG bytes to a file, atomically."""

    scheme = "file"


@dataclasses.dataclass
class ImageS3Saver(_ImageSaver):
    """Saves PNG bytes to s3://bucket/key with ContentType image/png."""

    scheme = "s3"


@dataclasses.dataclass
class JSONFileSaver(_JSONSaver):
    """Saves a dict or list as JSON to a file, atomically."""

    scheme = "file"


@dataclasses.dataclass
class JSONS3Saver(_JSONSaver):
    """Saves a dict or list as JSON to s3://bucket/key with ContentType application/json."""

    scheme = "s3"


for _saver in (ImageFileSaver, ImageS3Saver, JSONFileSaver, JSONS3Saver):
    registry.register_adapter(_saver)
