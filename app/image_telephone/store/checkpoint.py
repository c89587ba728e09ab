"""A Burr state persister that checkpoints state next to the run's artifacts, in its store."""

from __future__ import annotations

import datetime
from typing import Any

import orjson
from burr.core import State
from burr.core.persistence import BaseStatePersister, PersistedStateData

from image_telephone.errors import StorageError
from image_telephone.store.artifacts import HASHES, STATE_KEY
from image_telephone.store.storage import Store


class StoreStatePersister(BaseStatePersister):
    """Keeps the state after the last completed step in state.json; failed steps leave it be."""

    def __init__(self, store: Store):
        self.store = store

    def save(
        self,
        partition_key: str | None,
        app_id: str,
        sequence_id: int,
        position: str,
        state: State,
        status: str,
        **kwargs: Any,
    ) -> None:
        """Writes the checkpoint atomically, only for completed steps."""
        if status != "completed":
            return
        record = {
            "partition_key": partition_key,
            "app_id": app_id,
            "sequence_id": sequence_id,
            "position": position,
            "status": status,
            "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "state": state.serialize(),
        }
        self.store.write_bytes(STATE_KEY, orjson.dumps(record), "application/json")

    def load(
        self,
        partition_key: str | None,
        app_id: str | None,
        sequence_id: int | None = None,
        **kwargs: Any,
    ) -> PersistedStateData | None:
        """The last checkpoint of app_id, or None when the run has none."""
        if not self.store.exists(STATE_KEY):
            return None
        try:
            record = orjson.loads(self.store.read_bytes(STATE_KEY))
        except orjson.JSONDecodeError as error:
            raise StorageError(
                f"{self.store.uri(STATE_KEY)}: checkpoint is corrupt ({error}); "
                "run `image-telephone check RUN --repair` to rebuild it from the run's files"
            ) from error
        if app_id is not None and record["app_id"] != app_id:
            return None
        state = State.deserialize(record["state"])
        if HASHES not in state:  # a run from before hashes: its old files cannot be verified
            state = state.update(**{HASHES: {}})
        record["state"] = state
        return PersistedStateData(**record)

    def list_app_ids(self, partition_key: str | None, **kwargs: Any) -> list[str]:
        """The one app id this run folder holds, if it has a checkpoint."""
        loaded = self.load(partition_key, None)
        return [loaded["app_id"]] if loaded else []
