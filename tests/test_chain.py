"""The chain invariant: every resume verifies it, `check` reports the first broken turn in one
line, `--repair` truncates the run to its intact turns, nothing is silently replayed."""

import json
import shutil

import pytest

from image_telephone.cli import main
from image_telephone.store.chain import TURN_FILE, check_run
from image_telephone.store.storage import LocalStore

RUN = "chain"


def _play(out, turns, *extra):
    return main(
        [
            "run",
            "--text",
            "a yellow sun over a green field",
            "-n",
            str(turns),
            "--provider",
            "offline",
            "--out",
            str(out),
            "--run-name",
            RUN,
            "--no-tracker",
            *extra,
        ]
    )


def _said(capsys):
    captured = capsys.readouterr()
    return captured.out + captured.err


def _files(run):
    return {p.name: p.read_bytes() for p in run.iterdir() if p.is_file() and p.name[0] != "."}


def _turn_of(name):
    match = TURN_FILE.match(name)
    return int(match.group(2)) if match else None


def _assert_intact(run, turns):
    report = check_run(LocalStore(run))
    assert report.intact and report.committed_turns == turns and not report.uncommitted
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["turns_done"] == turns
    for turn in manifest["turns"]:  # the manifest lists every file with its hash
        assert (run / turn["image"]).is_file() and len(turn["image_sha256"]) == 64
        assert (run / turn["metadata"]).is_file() and len(turn["metadata_sha256"]) == 64
    return manifest


@pytest.fixture
def played(tmp_path):
    """A finished five-turn offline run and its folder."""
    assert _play(tmp_path, 5) == 0
    return tmp_path / RUN


def test_each_turn_names_its_image_and_what_it_was_painted_from(played):
    manifest = _assert_intact(played, 5)
    for k in range(1, 5):
        metadata = json.loads((played / f"metadata_{k:03d}.json").read_text())
        previous = json.loads((played / f"metadata_{k - 1:03d}.json").read_text())
        assert metadata["image_sha256"] == manifest["turns"][k]["image_sha256"]
        painted_from = metadata["image_origin"]["painted_from"]
        assert painted_from["image"] == f"image_{k - 1:03d}.png"
        assert painted_from["image_sha256"] == manifest["turns"][k - 1]["image_sha256"]
        assert painted_from["prompt"] == previous["next_prompt"] == previous["generated_caption"]


@pytest.mark.parametrize(
    ("damage", "turn", "reason"),
    [
        (lambda run: (run / "metadata_002.json").unlink(), 2, "metadata_002.json is missing"),
        (lambda run: (run / "image_004.png").unlink(), 4, "image_004.png is missing"),
        (
            lambda run: (run / "image_003.png").write_bytes((run / "image_001.png").read_bytes()),
            3,
            "image_003.png is not the file that was written",
        ),
        (
            lambda run: (run / "metadata_001.json").write_bytes(
                (run / "metadata_003.json").read_bytes()
            ),
            1,
            "metadata_001.json",
        ),
    ],
    ids=["missing-metadata", "missing-image", "replaced-image", "swapped-metadata"],
)
def test_a_damaged_run_is_refused_then_repaired(played, tmp_path, capsys, damage, turn, reason):
    damage(played)
    capsys.readouterr()
    assert main(["check", RUN, "--out", str(tmp_path)]) == 4
    line = _said(capsys).strip()
    assert f"broken at turn {turn}" in line and reason in line and "\n" not in line

    before = _files(played)
    assert _play(tmp_path, 8) == 4  # extending a damaged run calls no model, writes nothing
    error = _said(capsys)
    assert f"turn {turn} is broken" in error and f"check {RUN} --repair" in error
    assert _files(played) == before

    assert main(["check", RUN, "--out", str(tmp_path), "--repair"]) == 0
    assert f"kept {turn} turn(s)" in _said(capsys)
    kept = {name: data for name, data in before.items() if _turn_of(name) in range(turn)}
    manifest = _assert_intact(played, turn)
    assert manifest["status"] == "repaired" and manifest["repair"]["kept_turns"] == turn
    assert (played / ".discarded").is_dir()  # what was taken out is kept aside, not deleted

    assert _play(tmp_path, 8) == 0
    _assert_intact(played, 8)
    for name, data in kept.items():  # the intact turns were not replayed
        assert (played / name).read_bytes() == data


def test_a_lost_checkpoint_is_rebuilt_from_the_files_not_replayed(played, tmp_path, capsys):
    (played / "state.json").unlink()
    before = _files(played)
    assert _play(tmp_path, 7) == 4
    assert "state.json is missing" in _said(capsys)
    assert _files(played) == before  # nothing overwritten

    assert main(["check", RUN, "--out", str(tmp_path), "--repair"]) == 0
    assert _play(tmp_path, 7) == 0
    _assert_intact(played, 7)
    for name, data in before.items():
        if name.startswith(("image_", "metadata_")):
            assert (played / name).read_bytes() == data


def test_an_interrupted_steps_leftovers_are_discarded_on_resume(tmp_path):
    assert _play(tmp_path, 3) == 0
    run = tmp_path / RUN
    # What a kill between a step's writes and its checkpoint leaves: a file no checkpoint
    # names, and a temporary file of a write that never finished.
    (run / "image_003.png").write_bytes((run / "image_000.png").read_bytes())
    (run / ".image_004.png.4242.1.tmp").write_bytes(b"half an image")
    assert check_run(LocalStore(run)).uncommitted == ("image_003.png",)
    assert _play(tmp_path, 5) == 0
    _assert_intact(run, 5)
    assert not list(run.glob("*.tmp")) and not list(run.glob(".*.tmp"))


def test_check_of_an_intact_run_says_so(played, tmp_path, capsys):
    capsys.readouterr()
    assert main(["check", RUN, "--out", str(tmp_path)]) == 0
    assert "intact, 5 turn(s)" in _said(capsys)
    assert main(["check", "no-such-run", "--out", str(tmp_path)]) == 2


def test_a_legacy_run_without_hashes_still_resumes(played, tmp_path):
    state = json.loads((played / "state.json").read_text())
    del state["state"]["artifact_hashes"]
    (played / "state.json").write_text(json.dumps(state))
    assert check_run(LocalStore(played)).intact
    assert _play(tmp_path, 6) == 0
    assert check_run(LocalStore(played)).intact


def test_a_fork_verifies_its_source_first(played, tmp_path):
    shutil.copy(played / "image_001.png", played / "image_002.png")
    assert _play(tmp_path, 5, "--seed", "3", "--fork") == 4
    assert not (tmp_path / f"{RUN}-fork-1").exists()
