"""Lists the runs under a location (a folder or s3://bucket/prefix) from their manifests."""

from __future__ import annotations

import dataclasses

from image_telephone.errors import StorageError
from image_telephone.store.manifest import read_manifest
from image_telephone.store.run_lock import run_is_held
from image_telephone.store.storage import Store


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """One line of the runs listing."""

    name: str
    status: str
    turns_done: int
    turns_planned: int
    provider: str
    start: str
    updated_at: str
    failure: str | None = None  # why a failed run stopped, in one line


def list_runs(root: Store) -> list[RunSummary]:
    """Summaries of every run under root, newest update first; unreadable runs are marked."""
    summaries = []
    for name in root.children():
        try:
            manifest = read_manifest(root.child(name))
        except StorageError:
            summaries.append(RunSummary(name, "unreadable run.json", 0, 0, "?", "?", ""))
            continue
        if manifest is None:
            continue
        start = manifest["start"]
        status = manifest["status"]
        if status == "running" and not run_is_held(root.child(name)):
            status = "stopped"  # its process ended without a word: killed, or the machine died
        summaries.append(
            RunSummary(
                name=name,
                status=status,
                turns_done=manifest["turns_done"],
                turns_planned=manifest["turns_planned"],
                provider=manifest["settings"]["provider"],
                start=f"{start['kind']}: {start['value']}",
                updated_at=manifest["updated_at"],
                failure=manifest.get("failure"),
            )
        )
    return sorted(summaries, key=lambda summary: summary.updated_at, reverse=True)
