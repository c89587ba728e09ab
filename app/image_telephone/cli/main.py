"""The image-telephone command: parse arguments, call the Python API, print."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from image_telephone import __doc__ as package_doc
from image_telephone.cli.analysis import add_analysis_commands
from image_telephone.cli.check import add_check_commands
from image_telephone.cli.child_process import run_until_signalled
from image_telephone.cli.completion import add_completion_commands
from image_telephone.cli.epilog import EPILOG
from image_telephone.cli.global_options import add_global_options, apply_global_options
from image_telephone.cli.models import add_models_commands
from image_telephone.cli.progress import CountProgress, TurnProgress
from image_telephone.cli.runs import add_run_listing_commands
from image_telephone.cli.terminal import console, data_console
from image_telephone.cli.tournament import add_tournament_commands
from image_telephone.errors import InputError, ProviderError, TelephoneError
from image_telephone.extras import require_extra
from image_telephone.game.defaults import DEFAULT_PROJECT
from image_telephone.game.settings import (
    MODES,
    PROVIDERS,
    default_provider,
    knobs,
    mixed_prompt,
)
from image_telephone.interrupts import exit_code
from image_telephone.providers.registry import parse_model_id
from image_telephone.store.storage import DEFAULT_OUT

if TYPE_CHECKING:
    from image_telephone.api import GameResult

DEFAULT_TURNS = 5
_RESUME_HINT = "; finished turns are saved: run the same command again to resume"
# What Ctrl-C (or SIGTERM, SIGHUP) means for each command; any other says "interrupted".
_INTERRUPTED = {
    "run": "interrupted: finished turns are saved; run the same command to resume",
    "tournament": "interrupted: finished games are saved; run the same command to resume",
    "title": "interrupted: the titles written so far are kept; run the same command to go on",
    "report": "interrupted: the report is not finished; run the same command again",
    "ui": "interrupted: the Burr UI is stopped",
    "explore": "interrupted: the explorer is stopped",
}
# The command line's Hamilton dataflows use none of Hamilton's extensions (pandas, matplotlib,
# polars…), which it would otherwise import as soon as it loads: seconds on a full install.
_HAMILTON_AUTOLOAD = "HAMILTON_AUTOLOAD_EXTENSIONS"


def _turns(value: str) -> int:
    try:
        turns = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if turns < 1:
        raise argparse.ArgumentTypeError(f"{turns} turns: must be at least 1")
    return turns


def _add_location_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        help=f"where the runs live, a folder or s3://bucket/prefix (default {DEFAULT_OUT}/); "
        "report and explore take it as --runs and RUNS",
    )
    parser.add_argument("--s3-endpoint", help="S3-compatible endpoint URL (or $AWS_ENDPOINT_URL)")


def _add_run_parser(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="play (or resume) a game")
    run.add_argument(
        "image", nargs="?", help="start image: path, file://, http(s)://, s3://, data:"
    )
    run.add_argument("--text", help="start from a text prompt instead of an image")
    run.add_argument(
        "--mix", nargs=2, metavar=("PROMPT_A", "PROMPT_B"), help="start from two prompts mixed"
    )
    run.add_argument("--start-image", help="with --text: paint the text onto this image first")
    run.add_argument("--mode", choices=MODES, help="the game's graph (default telephone)")
    run.add_argument(
        "--panels", type=_turns, help="story mode with this many comic panels (sets -n)"
    )
    run.add_argument("-n", "--turns", type=_turns, help="captions to make (default 5)")
    run.add_argument(
        "--provider",
        help="every role's provider: offline, openai or another registered one (`models`); "
        "default: openai if OPENAI_API_KEY is set",
    )
    for flag, role in (("--captioner", "vision"), ("--painter", "image"), ("--embedder", "")):
        run.add_argument(
            flag,
            metavar="PROVIDER[:MODEL]",
            help=f"this role's provider and {role + ' ' if role else ''}model, e.g. "
            "openai:gpt-4.1-mini or offline (default: --provider's; see `image-telephone models`)",
        )
    run.add_argument("--caption-model", help="vision model (openai)")
    run.add_argument("--image-model", help="image model (openai)")
    run.add_argument("--embeddings-model", help="embeddings model (openai)")
    for knob in knobs():  # GameSettings declares each knob once: flag, help, type
        meta = knob.metadata
        repeatable = isinstance(knob.default, tuple)
        run.add_argument(
            meta["flag"],
            dest=knob.name,
            type=meta["kind"],
            action="append" if repeatable else "store",
            help=meta["help"],
        )
    run.add_argument("--base-url", help="OpenAI-compatible server URL (or $OPENAI_BASE_URL)")
    run.add_argument(
        "--run-name",
        help="name of the run folder (default: the start's words, the providers and a hash of "
        "the start and settings, so the same command resumes the same run)",
    )
    _add_location_arguments(run)
    run.add_argument("--fork", action="store_true", help="continue a saved run with new settings")
    run.add_argument(
        "--project",
        default=DEFAULT_PROJECT,
        help=f"Burr tracker project name (default {DEFAULT_PROJECT})",
    )
    tracking = run.add_mutually_exclusive_group()
    tracking.add_argument(
        "--no-tracker", action="store_true", help="do not log to the Burr tracker"
    )
    tracking.add_argument("--track-to", metavar="s3://BUCKET", help="log to Burr's S3 tracker")


def _add_title_parser(commands: argparse._SubParsersAction) -> None:
    title = commands.add_parser(
        "title",
        help="title a collection of artworks",
        description="Titles every image in a folder; run it again to resume (titled images "
        "in --out are kept and skipped).",
    )
    title.add_argument("folder", help="a folder or s3://bucket/prefix of images")
    title.add_argument("--out", default="titles.csv", help="CSV, or .jsonl (default titles.csv)")
    title.add_argument("--context", help="who the titles are for, e.g. 'crypto art, NFT'")
    title.add_argument("--genre", dest="genre_hint", help="an art genre or subculture to tie to")
    title.add_argument("--candidates", type=int, default=3, help="titles asked per image (K)")
    title.add_argument("--temperature", type=float, help="0..2; higher is wilder")
    title.add_argument("--max-tokens", type=int, default=16, help="completion limit (default 16)")
    title.add_argument(
        "--max-words",
        dest="max_title_words",
        type=int,
        default=8,
        help="candidates longer than this many words are dropped (default 8)",
    )
    title.add_argument(
        "--stop", action="append", help="stop sequence (repeatable; default: line break)"
    )
    title.add_argument(
        "--provider", choices=PROVIDERS, help="default: openai if OPENAI_API_KEY is set"
    )
    title.add_argument("--model", help="vision model (openai)")
    title.add_argument("--base-url", help="OpenAI-compatible server URL (or $OPENAI_BASE_URL)")
    title.add_argument(
        "--seed", type=int, default=0, help="seed of the model's sampling, plus each image's index"
    )
    title.add_argument("--concurrency", type=int, default=8, help="images in flight (default 8)")
    title.add_argument("--s3-endpoint", help="S3-compatible endpoint URL (or $AWS_ENDPOINT_URL)")


def _title(args: argparse.Namespace) -> int:
    from image_telephone.titling import DEFAULT_STOPS, TitleSettings, title_folder

    settings = TitleSettings(
        provider=_chosen_provider(args.provider),
        model=args.model,
        context=args.context,
        genre_hint=args.genre_hint,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        stop=tuple(args.stop) if args.stop is not None else DEFAULT_STOPS,
        candidates=args.candidates,
        max_title_words=args.max_title_words,
        seed=args.seed,
        base_url=args.base_url,
    )
    with CountProgress(console, "titled") as progress:
        report = title_folder(
            args.folder,
            args.out,
            settings,
            args.concurrency,
            args.s3_endpoint,
            on_done=progress.update,
        )
    console.print(f"{report.titled} titled now, {report.already_titled} titled before → {args.out}")
    if report.skipped:
        console.print(
            f"skipped {len(report.skipped)} files that are not images: " + ", ".join(report.skipped)
        )
    for key, reason in report.failed.items():
        console.print(f"[red]failed[/] {key}: {reason}", highlight=False)
    return 3 if report.failed else 0


def _chosen_provider(provider: str | None) -> str:
    if provider is None:
        provider, reason = default_provider()
        console.print(f"provider: [bold]{provider}[/] ({reason}; choose with --provider)")
    return provider


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    parser = argparse.ArgumentParser(
        prog="image-telephone",
        description=package_doc,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run_parser(commands)
    handlers = add_run_listing_commands(commands, _add_location_arguments)
    _add_title_parser(commands)
    ui = commands.add_parser(
        "ui",
        help="start the Burr tracker UI (the ui extra) on 127.0.0.1",
        description="Serves Burr's UI over the local tracker (~/.burr) until Ctrl-C, each "
        "image a step made one click away from the step; runs played with --track-to s3://… "
        "are read with `burr --backend s3` instead.",
    )
    ui.add_argument("--port", type=int, default=7241, help="the UI's port (default 7241)")
    ui.add_argument(
        "--host", default="127.0.0.1", help="default 127.0.0.1; 0.0.0.0 exposes it to your network"
    )
    pictures = commands.add_parser(
        "pictures",
        help="draw the state machine and both DAGs (the report extra, and Graphviz's dot)",
    )
    pictures.add_argument(
        "folder", nargs="?", default="docs/images", help="where the PNGs go (default docs/images)"
    )
    handlers.update(
        {
            **add_analysis_commands(commands),
            **add_tournament_commands(commands),
            **add_check_commands(commands, _add_location_arguments),
            **add_models_commands(commands),
            **add_completion_commands(commands, parser),
        }
    )
    add_global_options(parser, commands.choices.values())
    return parser, handlers


# --captioner/--painter/--embedder: the settings fields they set, and the model flag they replace.
_ROLE_FLAGS = (
    ("captioner", "caption_provider", "caption_model"),
    ("painter", "image_provider", "image_model"),
    ("embedder", "embeddings_provider", "embeddings_model"),
)


def _role_options(args: argparse.Namespace) -> dict[str, str | None]:
    """Settings fields from PROVIDER[:MODEL] per role; a model named twice is refused."""
    options: dict[str, str | None] = {}
    for role, provider_field, model_field in _ROLE_FLAGS:
        value = getattr(args, role)
        if value is None:
            continue
        name, model = parse_model_id(value)
        if model and getattr(args, model_field):
            flag = "--" + model_field.replace("_", "-")
            raise InputError(f"--{role} {value}: names the model already; drop {flag}")
        options[provider_field] = name
        if model:
            options[model_field] = model
    return options


def _run(args: argparse.Namespace) -> int:
    every_role_named = all(getattr(args, role) for role, _, _ in _ROLE_FLAGS)
    provider = args.provider if every_role_named else _chosen_provider(args.provider)
    named = ("caption_model", "image_model", "embeddings_model", "base_url")
    options = {name: getattr(args, name) for name in named}
    for knob in knobs():
        value = getattr(args, knob.name)
        if value is not None:
            options[knob.name] = tuple(value) if isinstance(knob.default, tuple) else value
    options.update(_role_options(args))
    mode, turns = args.mode or "telephone", args.turns or DEFAULT_TURNS
    if args.panels is not None:
        if args.mode not in (None, "story") or args.turns not in (None, args.panels):
            raise InputError("--panels: it sets story mode and the turns; drop --mode and -n")
        mode, turns = "story", args.panels
    text = mixed_prompt(*args.mix) if args.mix else args.text
    if args.start_image is not None and (text is None or args.image is not None):
        raise InputError("--start-image: use it with --text (or --mix) and no positional image")
    with TurnProgress(console, turns) as progress:
        result = play(
            args.image or args.start_image,
            text=text,
            turns=turns,
            provider=provider,
            mode=mode,
            run_name=args.run_name,
            out=args.out,
            s3_endpoint=args.s3_endpoint,
            fork=args.fork,
            tracker=args.track_to or not args.no_tracker,
            project=args.project,
            on_step=progress.update,
            **options,
        )
    _print_summary(result)
    runs = "" if args.out == DEFAULT_OUT else f" --runs {args.out}"
    console.print(f"see the drift: image-telephone report {result.run_name}{runs}", highlight=False)
    return 0


def play(image: str | None = None, **kwargs: Any) -> GameResult:
    """image_telephone.play, loaded with the first game: the other commands never load the game."""
    from image_telephone.api import play as play_game

    return play_game(image, **kwargs)


def _print_summary(result: GameResult) -> None:
    from rich.table import Table

    table = Table(title=f"run {result.run_name} — {result.location}")
    table.add_column("turn", justify="right")
    table.add_column("image")
    table.add_column("caption", overflow="fold")
    for turn in result.manifest["turns"]:
        table.add_row(str(turn["turn"]), turn["image"], turn["caption"] or "—")
    data_console().print(table)


def _ui(args: argparse.Namespace) -> int:
    require_extra("ui", "ui")
    console.print(
        f"Burr UI: http://{args.host}:{args.port} (project {DEFAULT_PROJECT}); Ctrl-C stops"
    )
    # Burr's UI app, wrapped so each image a step names opens from its step (ui_server.py).
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "image_telephone.cli.ui_server:create_app",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    return run_until_signalled(command, name="the Burr UI")


def _pictures(args: argparse.Namespace) -> int:
    require_extra("report", "pictures", ["graphviz"])
    from image_telephone.analysis.diagrams import draw_pictures

    for path in draw_pictures(args.folder):
        console.print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the image-telephone command; returns the exit code."""
    if argv is None:  # the command itself, not a caller in its own process
        os.environ.setdefault(_HAMILTON_AUTOLOAD, "0")
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    apply_global_options(args)
    handlers.update(run=_run, title=_title, ui=_ui, pictures=_pictures)
    try:
        return handlers[args.command](args)
    except TelephoneError as error:
        hint = _RESUME_HINT if isinstance(error, ProviderError) and args.command == "run" else ""
        console.quiet = False  # -q keeps errors
        console.print(f"[red]error:[/] {escape(str(error))}{hint}", highlight=False, soft_wrap=True)
        return error.exit_code
    except KeyboardInterrupt as interrupt:
        console.quiet = False
        console.print(_INTERRUPTED.get(args.command, "interrupted"), highlight=False)
        return exit_code(interrupt)
    except BrokenPipeError:  # the reader went away (| head): no traceback, nothing more to write
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # as if killed by SIGPIPE, like other commands in a pipeline


if __name__ == "__main__":
    sys.exit(main())
