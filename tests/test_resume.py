"""Resume: an interrupted run continues where it stopped; changed settings need --fork."""

import json

import pytest

from image_telephone import RunConflictError, play
from image_telephone.cli import main


def _cli_openai(server, out, *extra):
    return main(
        [
            "run",
            "--text",
            "a blue boat on a calm sea",
            "-n",
            "5",
            "--provider",
            "openai",
            "--base-url",
            server.base_url,
            "--image-model",
            "gpt-image-1",
            "--out",
            str(out),
            "--run-name",
            "flaky",
            *extra,
        ]
    )


def test_interrupted_run_resumes_to_exactly_n_turns(openai_server, tmp_path, capsys):
    openai_server.fail_after = 7  # paint, caption, embed per turn: dies during the third turn
    openai_server.fail_status = 403  # refused, not retried: keeps the test fast
    assert _cli_openai(openai_server, tmp_path) == 3
    err = capsys.readouterr().err
    assert "run the same command again to resume" in err
    run = tmp_path / "flaky"
    before = {p.name: p.read_bytes() for p in run.glob("image_*.png")}
    assert 1 <= len(before) < 5
    calls_before = len(openai_server.requests)

    openai_server.fail_after = None
    assert _cli_openai(openai_server, tmp_path) == 0
    images = sorted(p.name for p in run.glob("image_*.png"))
    assert images == [f"image_{i:03d}.png" for i in range(5)]
    assert sorted(p.name for p in run.glob("metadata_*.json")) == [
        f"metadata_{i:03d}.json" for i in range(5)
    ]
    for name, data in before.items():  # finished turns are kept, not redone
        assert (run / name).read_bytes() == data
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["status"] == "complete" and manifest["turns_done"] == 5
    assert len({t["caption"] for t in manifest["turns"]}) >= 1
    paints = [r for r in openai_server.requests[calls_before:] if r.path.endswith("generations")]
    assert len(paints) == 5 - len(before)


def test_rerunning_a_complete_run_makes_no_calls(openai_server, tmp_path):
    assert _cli_openai(openai_server, tmp_path) == 0
    calls = len(openai_server.requests)
    assert _cli_openai(openai_server, tmp_path) == 0
    assert len(openai_server.requests) == calls


def test_more_turns_extend_a_finished_run(tmp_path):
    common = dict(
        text="a green circle", provider="offline", out=str(tmp_path), run_name="grow", tracker=False
    )
    assert len(play(turns=2, **common).captions) == 2
    result = play(turns=4, **common)
    assert len(result.captions) == 4 and len(result.images) == 4
    assert result.manifest["turns_planned"] == 4 and result.manifest["status"] == "complete"


def test_changed_settings_are_refused_unless_forked(tmp_path, capsys):
    common = dict(
        text="an orange square",
        provider="offline",
        out=str(tmp_path),
        run_name="base",
        turns=3,
        tracker=False,
    )
    play(**common)
    with pytest.raises(RunConflictError, match=r"seed: 0 -> 5"):
        play(seed=5, **common)
    args = [
        "run",
        "--text",
        "an orange square",
        "-n",
        "3",
        "--provider",
        "offline",
        "--out",
        str(tmp_path),
        "--run-name",
        "base",
        "--seed",
        "5",
        "--no-tracker",
    ]
    assert main(args) == 5
    assert "--fork" in capsys.readouterr().err
    assert main([*args, "--fork", "-n", "5"]) == 0
    fork = json.loads((tmp_path / "base-fork-1" / "run.json").read_text())
    original = json.loads((tmp_path / "base" / "run.json").read_text())
    assert fork["forked_from"] == "base" and fork["settings"]["seed"] == 5
    assert fork["turns"][:3] == original["turns"]
    assert fork["turns_done"] == 5 and original["turns_done"] == 3


def test_fork_cannot_change_the_mode(tmp_path):
    common = dict(
        text="a pink star",
        provider="offline",
        out=str(tmp_path),
        run_name="moded",
        turns=2,
        tracker=False,
    )
    play(**common)
    with pytest.raises(RunConflictError, match="cannot change the mode"):
        play(mode="story", fork=True, **common)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moded"]


def test_the_same_command_names_the_same_run(tmp_path, capsys):
    args = [
        "run",
        "--text",
        "A Lighthouse, at dusk!",
        "-n",
        "2",
        "--provider",
        "offline",
        "--out",
        str(tmp_path),
        "--no-tracker",
    ]
    assert main(args) == 0 and main([*args, "-n", "3"]) == 0
    assert main([*args, "--seed", "4"]) == 0
    runs = sorted(p.name for p in tmp_path.iterdir())
    assert len(runs) == 2 and all(r.startswith("a-lighthouse-at-dusk-offline-") for r in runs)
    extended = [json.loads((tmp_path / r / "run.json").read_text()) for r in runs]
    assert sorted(m["turns_done"] for m in extended) == [2, 3]
