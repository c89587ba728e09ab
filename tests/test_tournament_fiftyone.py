"""FiftyOne export: one group per game, one slice per turn, the turn table's fields."""

import pytest

from image_telephone.tournament import load_tournament, run_tournament
from image_telephone.tournament.fiftyone_export import export_to_fiftyone, fiftyone_samples

from .test_tournament_config import OFFLINE_PAIRS, write_tournament


@pytest.fixture
def played(tmp_path):
    body = 'prompt_ids = ["red-circle", "sun-over-sea"]\n' + OFFLINE_PAIRS
    return run_tournament(load_tournament(write_tournament(tmp_path, body, turns=2)))


def test_samples_are_grouped_by_game_and_ordered_by_turn(played):
    samples = fiftyone_samples(played.turns)
    assert len(samples) == 8 * 2
    by_game: dict[str, list[dict]] = {}
    for sample in samples:
        by_game.setdefault(sample["group"], []).append(sample)
    assert set(by_game) == set(played.games["run_name"])
    for run, game in by_game.items():
        assert [s["slice"] for s in game] == ["turn_000", "turn_001"]
        assert [s["fields"]["turn"] for s in game] == [0, 1]
        assert all(s["filepath"].endswith(f"{run}/image_00{s['fields']['turn']}.png") for s in game)
    fields = samples[0]["fields"]
    assert {"captioner", "painter", "level", "caption", "distance_to_start", "cost_usd"} <= set(
        fields
    )
    assert "created_at" not in fields and "played_at" in fields  # FiftyOne owns created_at
    assert all(
        type(v) in (str, int, float, type(None)) for s in samples for v in s["fields"].values()
    )


def test_export_creates_a_grouped_dataset(played):
    fo = pytest.importorskip("fiftyone", reason="FiftyOne is an optional extra")
    dataset = export_to_fiftyone(played.turns, "image-telephone-test")
    try:
        assert dataset.media_type == "group"
        assert sorted(dataset.group_slices) == ["turn_000", "turn_001"]
        assert len(dataset.distinct("group.id")) == 8
        dataset.group_slice = "turn_001"
        assert len(dataset) == 8 and set(dataset.distinct("turn")) == {1}
    finally:
        fo.delete_dataset("image-telephone-test")
