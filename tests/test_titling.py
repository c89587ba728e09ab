"""Titling art collections: post-processing, the OpenAI request, resume, and bad input."""

import csv
import json

import pytest

from image_telephone.cli import main
from image_telephone.dataflows.title_images import clean_titles, title
from image_telephone.providers.offline import sketch

SCENES = (
    "a red circle on a blue background",
    "a yellow square in the top left",
    "a purple triangle at night",
    "orange and pink stripes at sunset",
    "a busy white blob on black",
    "a green band along the bottom under a blue sky",
)


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """30 generated artworks."""
    folder = tmp_path_factory.mktemp("art")
    for index in range(30):
        scene = SCENES[index % len(SCENES)]
        (folder / f"art_{index:02d}.png").write_bytes(sketch(scene, size=(128, 128), seed=index))
    return folder


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Green Goddess.", ["The Green Goddess"]),
        ('"Ember Protocol"', ["Ember Protocol"]),
        ("Title: Night Mint!", ["Night Mint"]),
        ("A portrait of <PERSON> at dusk", []),
        ("one two three four five six seven eight nine", []),
        ("   ", []),
        ("First line\nsecond line", ["First line"]),
    ],
)
def test_post_processing(raw, expected):
    assert clean_titles([raw], max_title_words=8) == expected


def test_titles_prefer_ones_the_collection_has_not_used():
    assert title(["Blue Hour", "Tide"], taken_titles=["blue hour"]) == "Tide"
    assert title(["Blue Hour"], taken_titles=["Blue Hour", "Blue Hour II"]) == "Blue Hour III"
    assert title([], taken_titles=[]) is None


def test_thirty_images_offline_then_resume(collection, tmp_path):
    out = tmp_path / "titles.csv"
    args = [
        "title",
        str(collection),
        "--provider",
        "offline",
        "--context",
        "crypto art, NFT",
        "--candidates",
        "4",
        "--max-words",
        "6",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    rows = _rows(out)
    assert len(rows) == 30 and len({r["file"] for r in rows}) == 30
    titles = [r["title"] for r in rows]
    assert all(t.strip() for t in titles)
    assert len({t.lower() for t in titles}) == 30
    assert all(len(t.split()) <= 6 for t in titles)
    assert all(isinstance(json.loads(r["alternates"]), list) for r in rows)

    # An interruption leaves the rows written so far: keep 18, as if killed after them.
    kept = rows[:18]
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    assert main(args) == 0
    resumed = _rows(out)
    assert resumed[:18] == kept  # titled files are not titled again
    assert sorted(r["file"] for r in resumed) == sorted(r["file"] for r in rows)
    assert len({r["title"].lower() for r in resumed}) == 30
    assert main(args) == 0 and _rows(out) == resumed


def test_openai_request_carries_stops_candidates_and_limits(collection, openai_server, tmp_path):
    out = tmp_path / "titles.jsonl"
    assert (
        main(
            [
                "title",
                str(collection),
                "--provider",
                "openai",
                "--base-url",
                openai_server.base_url,
                "--model",
                "gpt-4.1-mini",
                "--candidates",
                "3",
                "--temperature",
                "0.9",
                "--max-tokens",
                "12",
                "--stop",
                "\n",
                "--stop",
                ".",
                "--max-words",
                "12",
                "--context",
                "crypto art",
                "--out",
                str(out),
                "--concurrency",
                "4",
            ]
        )
        == 0
    )
    bodies = [r.body for r in openai_server.requests if r.path.endswith("chat/completions")]
    assert len(bodies) == 30
    for body in bodies:
        assert body["stop"] == ["\n", "."] and body["n"] == 3
        assert body["max_tokens"] == 12 and body["temperature"] == 0.9
        assert "crypto art" in body["messages"][0]["content"][0]["text"]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 30 and all("." not in line["title"] for line in lines)


def test_empty_folder_and_non_images(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (
        main(["title", str(empty), "--provider", "offline", "--out", str(tmp_path / "t.csv")]) == 2
    )
    assert "no files to title" in capsys.readouterr().err
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("not art")
    (junk / "fake.png").write_text("still not art")
    assert (
        main(["title", str(junk), "--provider", "offline", "--out", str(tmp_path / "t.csv")]) == 0
    )
    err = capsys.readouterr().err
    assert "skipped 2 files that are not images" in err and "fake.png" in err


@pytest.mark.parametrize("bad", [["--temperature", "-0.5"], ["--candidates", "0"]])
def test_bad_titling_options(bad, collection, tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["title", str(collection), "--provider", "offline", "--out", str(out), *bad]) == 2
    assert capsys.readouterr().err.startswith("error:") and not out.exists()
