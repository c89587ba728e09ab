"""The `tournament` subcommand: every captioner against every painter, from a TOML file."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from image_telephone.cli.terminal import console, data_console
from image_telephone.extras import require_extra

if TYPE_CHECKING:
    import pandas as pd

_SHOWN_PAIRS = 10


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """An argparse type: a number of kind, more than 0."""

    def convert(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a {kind.__name__}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{number:g}: must be more than 0")
        return number

    return convert


def add_tournament_commands(
    subparsers: argparse._SubParsersAction,
) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Adds `tournament` to the command's subparsers and returns its handler."""
    parser = subparsers.add_parser(
        "tournament",
        help="play every captioner against every painter on many prompts (resumable)",
        description="Plays (or resumes) a tournament file's games in parallel and writes the "
        "turn table, leaderboards with intervals, plots, the study (study.html) and "
        "summary.html under <out>/results/.",
    )
    parser.add_argument("file", help="the tournament file (TOML); see docs/tournaments.md")
    parser.add_argument("--out", help="a folder or s3://bucket/prefix (default: the file's out)")
    parser.add_argument(
        "--concurrency", type=_positive(int), help="games at once (default: the file's)"
    )
    parser.add_argument(
        "--max-cost",
        type=_positive(float),
        metavar="USD",
        help="stop starting calls once the estimated cost would pass this",
    )
    parser.add_argument(
        "--executor",
        choices=("thread", "processes", "ray"),
        default="thread",
        help="thread: one process (default); processes: one per CPU, for many fast games; "
        "ray: Ray tasks on a new local Ray instance, or on the cluster --ray-address names",
    )
    parser.add_argument(
        "--processes", type=_positive(int), help="worker processes (default: twice the CPU count)"
    )
    parser.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="the Ray cluster to join: auto (the one in $RAY_ADDRESS, else the one `ray start` "
        "started on this machine), its head's host:port, or ray://host:10001 (Ray Client). "
        "Without it: a new local Ray instance, stopped at the end, even when a cluster runs "
        "here or RAY_ADDRESS is set. No cluster there: exit 2",
    )
    parser.add_argument(
        "--ray-forward-env",
        action="append",
        default=[],
        metavar="NAME",
        help="hand this variable (an API key such as OPENAI_API_KEY) from here to the Ray "
        "workers, for a cluster that lacks it; repeatable; its value is never written to "
        "results, tracker data or logs (docs/tournaments.md)",
    )
    parser.add_argument(
        "--ray-cpus-per-game",
        type=_positive(float),
        default=1.0,
        help="CPUs each Ray game task asks for (default 1; lower for API-bound games)",
    )
    parser.add_argument(
        "--fiftyone", metavar="DATASET", help="also export to this FiftyOne dataset"
    )
    parser.add_argument(
        "--judge",
        metavar="SPEC",
        help="who measures the games' distances (finished games are re-measured, not replayed): "
        "minilm, players (the games' own embedder), offline, sentence-transformers:MODEL, "
        "openai:MODEL[@BASE_URL] or clip:MODEL (default: the file's judge, else minilm when "
        "the judge extra is installed, else players)",
    )
    return {"tournament": _tournament}


def _tournament(args: argparse.Namespace) -> int:
    require_extra("report", "tournament")  # its results: tables, plots; before any game is paid
    if args.fiftyone:
        require_extra("fiftyone", "tournament --fiftyone")
    from image_telephone.errors import InputError
    from image_telephone.tournament import (
        ProcessExecutor,
        RayExecutor,
        ThreadExecutor,
        load_tournament,
        run_tournament,
    )
    from image_telephone.tournament.coordinator import INTERRUPTED
    from image_telephone.tournament.display import TournamentProgress
    from image_telephone.tournament.runner import tournament_judge

    if args.executor != "ray" and (args.ray_address or args.ray_forward_env):
        raise InputError("--ray-address and --ray-forward-env need --executor ray")
    tournament = load_tournament(args.file).with_options(args.out, args.concurrency, args.max_cost)
    judge = tournament_judge(tournament, args.judge)  # a bad spec or missing extra: before games
    if args.executor == "ray":
        executor = RayExecutor(
            tournament.concurrency,
            args.ray_address,
            args.ray_cpus_per_game,
            forward_env=args.ray_forward_env,
        )
    elif args.executor == "processes":
        executor = ProcessExecutor(tournament.concurrency, args.processes)
    else:
        executor = ThreadExecutor(tournament.concurrency)
    result = run_tournament(tournament, executor, TournamentProgress(console), judge)
    console.print(f"judged by {judge.describe()}", highlight=False)
    if result.unmeasured:  # the games' results are written, without distances to the prompts
        console.print(
            f"[red]error:[/] {'; '.join(result.unmeasured)}; the finished games' results are in "
            f"{result.summary}: run the same command again to measure them",
            highlight=False,
            soft_wrap=True,
        )
        return 3
    _print_pairs(result.pairs)
    totals = result.totals
    console.print(
        f"{totals['turns']} turns, {totals['images']} images, estimated cost "
        f"${totals['cost_usd']:.4f}; summary: {result.summary}",
        highlight=False,
    )
    if args.fiftyone:
        from image_telephone.tournament.fiftyone_export import export_to_fiftyone

        export_to_fiftyone(result.turns, args.fiftyone)
        console.print(f"FiftyOne dataset {args.fiftyone!r}: {len(result.turns)} samples")
    stop_reason = result.snapshot["stop_reason"]
    if stop_reason:
        console.print(f"[yellow]stopped:[/] {stop_reason}; run the same command to resume")
    if result.failed:
        console.print(f"[red]{result.failed} games failed[/]: see {result.summary}")
        return 3
    return 130 if stop_reason == INTERRUPTED else 0


def _print_pairs(pairs: pd.DataFrame) -> None:
    from rich.table import Table

    table = Table(title="pairs, closest to the start first (mean cosine distance, 95% interval)")
    for column in ("rank", "captioner", "painter", "mean [95% CI]", "final", "cost $"):
        table.add_column(column)
    for row in pairs.head(_SHOWN_PAIRS).itertuples(index=False):
        table.add_row(
            str(row.rank),
            row.captioner,
            row.painter,
            f"{row.mean_distance_to_start:.3f} [{row.mean_low:.3f}, {row.mean_high:.3f}]",
            f"{row.final_distance_to_start:.3f}",
            f"{row.cost_usd:.4f}",
        )
    data_console().print(table)
