"""The line-ups in docs/lineups/ are tournament files that load as they are, name only
registered providers, and are each described in docs/lineups.md."""

from pathlib import Path

import pytest

from image_telephone.providers.registry import providers
from image_telephone.tournament.config import load_tournament

DOCS = Path(__file__).resolve().parent.parent / "docs"
LINEUPS = sorted((DOCS / "lineups").glob("*.toml"))


def test_there_are_the_four_lineups():
    stems = [path.stem for path in LINEUPS]
    assert stems == ["cpu-smallest", "local-gpu", "offline-study", "study-replicate"]


@pytest.mark.parametrize("path", LINEUPS, ids=lambda path: path.stem)
def test_a_lineup_loads_names_registered_providers_and_is_documented(path):
    tournament = load_tournament(path)
    entries = (*tournament.captioners, *tournament.painters, tournament.embedder)
    assert {entry.endpoint.provider for entry in entries} <= set(providers())
    assert f"lineups/{path.name}" in (DOCS / "lineups.md").read_text()
