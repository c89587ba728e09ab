"""The command's habits: --version, --json, -q/-v, shell completion, whole lines when piped, the
environment and exit codes in --help, and messages that fit the command that was stopped."""

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import image_telephone
from image_telephone import errors
from image_telephone.cli import main
from image_telephone.cli.completion import SHELLS
from image_telephone.dataflows import caption_images, generate_images
from image_telephone.extras import EXTRA_MODULES
from image_telephone.providers.openai_client import MAX_RETRIES_ENV

LONG_NAME = "a-lighthouse-on-a-rocky-coast-at-sunset-with-seagulls-and-a-storm-rolling-in-" + (
    "from-the-west-over-the-grey-sea"
)
TEXT = "a lighthouse on a rocky coast at sunset, with seagulls and a storm rolling in from the west"


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command in a process of its own, its output piped."""
    command = [sys.executable, "-m", "image_telephone.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def _play(runs: Path, *options: str) -> int:
    return main(["run", "--text", TEXT, "-n", "2", "--provider", "offline", "--no-tracker"] + [
        "--out", str(runs), *options
    ])  # fmt: skip


@pytest.fixture
def runs(tmp_path) -> Path:
    """A folder holding one finished two-turn offline game with a long name."""
    folder = tmp_path / "runs"
    assert _play(folder, "--run-name", LONG_NAME) == 0
    return folder


def _manifest(runs: Path) -> dict:
    return json.loads((runs / LONG_NAME / "run.json").read_text())


def test_version_prints_the_installed_version():
    done = _cli("--version")
    assert done.returncode == 0
    assert done.stdout == f"image-telephone {metadata.version('image-telephone')}\n"
    assert image_telephone.__version__ == metadata.version("image-telephone")


def test_runs_json_lists_every_run_with_stable_keys(runs, capsys):
    assert main(["runs", "--json", "--check", "--out", str(runs)]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["location"] == str(runs)
    (run,) = listing["runs"]
    assert set(run) == {
        "run", "status", "failure", "turns_done", "turns_planned", "provider", "start",
        "updated_at", "chain",
    }  # fmt: skip
    assert run["run"] == LONG_NAME and run["status"] == "complete" and run["failure"] is None
    assert (run["turns_done"], run["turns_planned"], run["provider"]) == (2, 2, "offline")
    assert run["start"] == {"kind": "text", "value": TEXT}
    assert run["chain"] == {"intact": True, "broken_turn": None}


def test_runs_json_without_runs_is_an_empty_list(tmp_path, capsys):
    assert main(["runs", "--json", "--out", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == []


def test_show_json_gives_the_chain_with_its_files(runs, capsys):
    assert main(["show", LONG_NAME, "--json", "--out", str(runs)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == {
        "run", "status", "failure", "created_at", "updated_at", "turns_done", "turns_planned",
        "start", "turns",
    }  # fmt: skip
    manifest = _manifest(runs)
    assert [turn["caption"] for turn in shown["turns"]] == [
        turn["caption"] for turn in manifest["turns"]
    ]
    for turn in shown["turns"]:
        assert set(turn) == {"turn", "image", "image_uri", "caption"}
        assert Path(urlsplit(turn["image_uri"]).path).read_bytes()[:4] == b"\x89PNG"


def test_piped_output_keeps_names_and_captions_on_one_line(runs):
    narrow = {"COLUMNS": "40"}
    listing = _cli("runs", "--out", str(runs), env=narrow)
    assert listing.returncode == 0
    assert any(LONG_NAME in line for line in listing.stdout.splitlines())
    shown = _cli("show", LONG_NAME, "--out", str(runs), env=narrow)
    lines = shown.stdout.splitlines()
    assert LONG_NAME in lines[0] and TEXT in lines[0]
    for turn in _manifest(runs)["turns"]:
        assert any(line.endswith(turn["caption"]) for line in lines[1:]), turn["caption"]


def test_quiet_prints_the_result_and_nothing_else(tmp_path):
    done = _cli(
        "-q", "run", "--text", "a red kite", "-n", "1", "--no-tracker", "--out", str(tmp_path)
    )
    assert done.returncode == 0
    assert done.stderr == ""  # no provider notice, no progress bar, no report hint
    assert "image_000.png" in done.stdout


def test_quiet_still_prints_errors(tmp_path, capsys):
    assert main(["show", "no-such-run", "--out", str(tmp_path), "-q"]) == 2
    assert "error: run 'no-such-run': not found" in capsys.readouterr().err


def test_verbose_shows_the_libraries_logs(openai_server, tmp_path):
    game = ["run", "--text", "a red kite", "-n", "1", "--provider", "openai", "--no-tracker"]
    game += ["--base-url", openai_server.base_url]
    key = {"OPENAI_API_KEY": "test-key"}
    verbose = _cli(*game, "--out", str(tmp_path / "a"), "-v", env=key)
    plain = _cli(*game, "--out", str(tmp_path / "b"), env=key)
    assert verbose.returncode == plain.returncode == 0
    assert "INFO httpx2: HTTP Request: POST" in verbose.stderr
    assert "INFO" not in plain.stderr


def _section(text: str, title: str) -> list[str]:
    lines = text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.strip() for line in lines]


def test_help_names_the_environment_variables_and_exit_codes(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    environment = " ".join(_section(text, "environment"))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        caption_images.CAPTION_MODEL_ENV,
        caption_images.EMBEDDINGS_MODEL_ENV,
        generate_images.IMAGE_MODEL_ENV,
        MAX_RETRIES_ENV,
        "AWS_ENDPOINT_URL",
        "HAMILTON_TELEMETRY_ENABLED",
        "BURR_TELEMETRY_ENABLED",
    ):
        assert name in environment, name
    codes = " ".join(line.split("    ")[0] for line in _section(text, "exit codes"))
    raised = {error.exit_code for error in vars(errors).values() if isinstance(error, type)}
    for code in raised | {0, 2, 129, 130, 143}:
        assert str(code) in codes.replace(",", " ").split(), code


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = importlib.import_module("image_telephone.cli.main")._parser()[0]
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return commands.choices


def test_every_option_and_argument_says_what_it_does():
    undocumented = [
        f"{name} {action.option_strings or action.dest}"
        for name, command in _subcommands().items()
        for action in command._actions
        if not action.help
    ]
    assert undocumented == []


def test_the_report_hint_after_a_game_runs_as_printed(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    runs = tmp_path / "elsewhere"
    assert _play(runs) == 0
    hint = capsys.readouterr().err.split("see the drift: image-telephone ", 1)[1].split()
    assert hint[0] == "report" and hint[2:] == ["--runs", str(runs)]
    assert main(hint) == 0
    assert (runs / hint[1] / "report.html").is_file()


def test_stopping_the_ui_speaks_of_the_ui_not_of_turns(monkeypatch, capsys):
    if not all(importlib.util.find_spec(module) for module in EXTRA_MODULES["ui"]):
        pytest.skip("the ui extra is not installed")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    cli_module = importlib.import_module("image_telephone.cli.main")
    monkeypatch.setattr(cli_module, "run_until_signalled", interrupted)
    assert main(["ui", "--port", "1"]) == 130
    message = capsys.readouterr().err.splitlines()[-1]
    assert "Burr UI" in message and "turn" not in message and "resume" not in message


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_prints_a_script_for_each_shell(shell, capsys):
    assert main(["completion", shell]) == 0
    assert "image-telephone" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_and_options(capsys):
    assert main(["completion", "bash"]) == 0
    script = capsys.readouterr().out
    completions = {}
    for line in ("image-telephone ru", "image-telephone runs --j"):
        words = line.split()
        probe = (
            f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
            f"_shtab_image_telephone image-telephone {words[-1]} {words[-2]}; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
        completions[line] = set(done.stdout.split())
    assert completions == {
        "image-telephone ru": {"run", "runs"},
        "image-telephone runs --j": {"--json"},
    }
