"""Export to FiftyOne (the optional `image-telephone[fiftyone]` extra): a grouped dataset, one
group per game, one slice per turn ("turn_000", …), with the turn table's fields."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from image_telephone.errors import InputError
from image_telephone.extras import require_extra

DEFAULT_SLICE = "turn_000"
# Table columns whose names FiftyOne keeps for its own fields.
_RENAMED = {"created_at": "played_at"}


def _plain(value: Any) -> Any:
    """A value FiftyOne stores as is: no NaN, no numpy scalars."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def fiftyone_samples(turns: pd.DataFrame) -> list[dict[str, Any]]:
    """What the export creates: per turn its image, its game (group) and slice, and fields."""
    samples = []
    for row in turns.sort_values(["run_name", "turn"], kind="stable").to_dict("records"):
        samples.append(
            {
                "filepath": row["image"],
                "group": row["run_name"],
                "slice": f"turn_{int(row['turn']):03d}",
                "fields": {_RENAMED.get(k, k): _plain(v) for k, v in row.items() if k != "image"},
            }
        )
    return samples


def export_to_fiftyone(turns: pd.DataFrame, dataset_name: str, overwrite: bool = True) -> Any:
    """Creates (or replaces) the persistent FiftyOne dataset dataset_name and returns it."""
    require_extra("fiftyone", "--fiftyone")
    import fiftyone as fo

    if fo.dataset_exists(dataset_name):
        if not overwrite:
            raise InputError(f"FiftyOne dataset {dataset_name!r} exists; choose another name")
        fo.delete_dataset(dataset_name)
    dataset = fo.Dataset(dataset_name, persistent=True)
    dataset.add_group_field("group", default=DEFAULT_SLICE)
    groups: dict[str, Any] = {}
    samples = []
    for sample in fiftyone_samples(turns):
        group = groups.setdefault(sample["group"], fo.Group())
        samples.append(
            fo.Sample(
                filepath=sample["filepath"],
                group=group.element(sample["slice"]),
                **sample["fields"],
            )
        )
    dataset.add_samples(samples, progress=False)
    return dataset
