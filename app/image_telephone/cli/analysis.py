"""The `report` and `explore` subcommands: see a run's drift as files, a page, or a live app."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from image_telephone.cli.child_process import run_until_signalled
from image_telephone.cli.terminal import console
from image_telephone.extras import require_extra
from image_telephone.store.storage import DEFAULT_OUT


def add_analysis_commands(
    subparsers: argparse._SubParsersAction,
) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Adds `report` and `explore` to the command's subparsers and returns their handlers."""
    from image_telephone.analysis.defaults import (
        DEFAULT_CONVERGENCE_THRESHOLD,
        DEFAULT_CONVERGENCE_TURNS,
        DEFAULT_EXPLORER_PORT,
    )

    report = subparsers.add_parser(
        "report", help="measure a run's drift; write metrics, pictures and an HTML report"
    )
    report.add_argument("run", help="run name (under --runs), or the run's folder")
    report.add_argument(
        "--runs",
        help="where the runs are: the --out the run was played with, a folder or "
        f"s3://bucket/prefix (default {DEFAULT_OUT}/)",
    )
    report.add_argument(
        "--out",
        help="where the report and its files go, a folder or s3://bucket/prefix "
        "(default: the run's own folder)",
    )
    report.add_argument(
        "--convergence-threshold",
        type=float,
        default=DEFAULT_CONVERGENCE_THRESHOLD,
        help="largest caption-to-caption cosine distance that counts as settled "
        f"(default {DEFAULT_CONVERGENCE_THRESHOLD})",
    )
    report.add_argument(
        "--convergence-turns",
        type=int,
        default=DEFAULT_CONVERGENCE_TURNS,
        help=f"settled turns in a row that make convergence (default {DEFAULT_CONVERGENCE_TURNS})",
    )
    report.add_argument(
        "--judge",
        metavar="SPEC",
        help="who measures the distances (the run is not replayed; vectors are cached beside "
        "the report): minilm, players (the run's own embeddings), offline, "
        "sentence-transformers:MODEL, openai:MODEL[@BASE_URL] or clip:MODEL (default: minilm "
        "when the judge extra is installed, else players)",
    )
    explore = subparsers.add_parser("explore", help="browse runs in a Streamlit app on 127.0.0.1")
    explore.add_argument(
        "runs",
        nargs="?",
        default=DEFAULT_OUT,
        help=f"where the runs are: a folder or s3://bucket/prefix (default {DEFAULT_OUT}/)",
    )
    explore.add_argument(
        "--port", type=int, default=DEFAULT_EXPLORER_PORT, help="port on 127.0.0.1"
    )
    for parser in (report, explore):
        parser.add_argument(
            "--s3-endpoint", help="S3-compatible endpoint URL (or $AWS_ENDPOINT_URL)"
        )
    return {"report": _report, "explore": _explore}


def _report(args: argparse.Namespace) -> int:
    require_extra("report", "report")
    from image_telephone.analysis.judges import default_spec, judge_from_spec
    from image_telephone.analysis.report import write_report
    from image_telephone.analysis.run_data import run_store
    from image_telephone.store.storage import open_store

    judge = judge_from_spec(args.judge or default_spec())
    written = write_report(
        run_store(args.run, args.runs, args.s3_endpoint),
        open_store(args.out, args.s3_endpoint) if args.out else None,
        on_progress=lambda step: console.print(f"[dim]{step}…[/]", highlight=False),
        convergence_threshold=args.convergence_threshold,
        convergence_turns=args.convergence_turns,
        judge=judge,
    )
    console.print(f"judged by {judge.describe()}", highlight=False)
    for uri in written:
        console.print(f"wrote {uri}", highlight=False)
    return 0


def _explore(args: argparse.Namespace) -> int:
    require_extra("explorer", "explore")
    from image_telephone.analysis.explorer import explorer_command

    command, environment = explorer_command(args.runs, args.port, args.s3_endpoint)
    console.print(f"explorer on http://127.0.0.1:{args.port} (Ctrl-C stops it)")
    return run_until_signalled(command, env=environment, name="the explorer")
