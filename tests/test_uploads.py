"""Ordered background uploads: order kept, reads served, a failure stops what follows."""

import threading

import pytest

from image_telephone.errors import StorageError
from image_telephone.store.uploads import OrderedUploader


def test_puts_land_in_order_and_pending_objects_read_back():
    landed: list[str] = []
    gate = threading.Event()

    def put(key, data, content_type):
        gate.wait(5)
        landed.append(key)

    uploader = OrderedUploader(put)
    for index in range(5):
        uploader.submit(f"k{index}", f"v{index}".encode(), "text/plain")
    assert uploader.cached("k3") == b"v3"  # not written yet, already readable
    gate.set()
    uploader.flush()
    assert landed == [f"k{index}" for index in range(5)]


def test_a_failed_put_stops_later_ones_and_is_raised():
    landed: list[str] = []

    def put(key, data, content_type):
        if key == "image_002.png":
            raise StorageError("s3://b/image_002.png: could not write (AccessDenied)")
        landed.append(key)

    uploader = OrderedUploader(put)
    for key in ("image_001.png", "image_002.png", "state.json"):
        uploader.submit(key, b"x", "application/octet-stream")
    with pytest.raises(StorageError, match="image_002.png"):
        uploader.flush()
    assert landed == ["image_001.png"]  # the checkpoint never lands without its image
    with pytest.raises(StorageError):
        uploader.submit("later.json", b"{}", "application/json")
