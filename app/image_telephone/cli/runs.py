"""The `show` and `runs` commands: a run's chain of captions, and every run's progress; as tables
for people or, with --json, as JSON with stable keys for programs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from image_telephone.cli.progress import snippet
from image_telephone.cli.terminal import console, data_console
from image_telephone.errors import InputError

SHOW_KEYS = "run, status, failure, created_at, updated_at, turns_done, turns_planned, start, turns"
RUNS_KEYS = "location, runs: [{run, status, failure, turns_done, turns_planned, provider, start, "
RUNS_KEYS += "updated_at, chain}]"


def add_run_listing_commands(
    commands: argparse._SubParsersAction, add_location: Callable[[argparse.ArgumentParser], None]
) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Adds `show` and `runs` to the command's subparsers; returns their handlers by name."""
    show = commands.add_parser("show", help="print the chain of captions of a run")
    show.add_argument("run_name", help="the run's name (see `runs`)")
    add_location(show)
    show.add_argument(
        "--json",
        action="store_true",
        help=f"print JSON: {{{SHOW_KEYS}}}; each turn {{turn, image, image_uri, caption}}",
    )
    runs = commands.add_parser("runs", help="list runs with their progress, newest first")
    add_location(runs)
    runs.add_argument(
        "--check", action="store_true", help="verify each run's chain too (see `check`)"
    )
    runs.add_argument("--json", action="store_true", help=f"print JSON: {{{RUNS_KEYS}}}")
    return {"show": _show, "runs": _runs}


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _show(args: argparse.Namespace) -> int:
    from image_telephone.store.artifacts import artifact_uri
    from image_telephone.store.manifest import read_manifest
    from image_telephone.store.storage import open_store, validate_run_name

    store = open_store(args.out, args.s3_endpoint).child(validate_run_name(args.run_name))
    manifest = read_manifest(store)
    if manifest is None:
        raise InputError(
            f"run {args.run_name!r}: not found in {args.out}; check the name and --out"
        )
    start = manifest["start"]
    if args.json:
        _print_json(
            {
                "run": manifest["run_name"],
                "status": manifest["status"],
                "failure": manifest.get("failure"),
                "created_at": manifest["created_at"],
                "updated_at": manifest["updated_at"],
                "turns_done": manifest["turns_done"],
                "turns_planned": manifest["turns_planned"],
                "start": {"kind": start["kind"], "value": start["value"]},
                "turns": [
                    {
                        "turn": turn["turn"],
                        "image": turn["image"],
                        "image_uri": artifact_uri(store.uri(turn["image"])),
                        "caption": turn["caption"],
                    }
                    for turn in manifest["turns"]
                ],
            }
        )
        return 0
    from rich.markup import escape

    out = data_console()
    out.print(
        f"[bold]{escape(manifest['run_name'])}[/] — {manifest['status']}, "
        f"{manifest['turns_done']}/{manifest['turns_planned']} turns, start {start['kind']}: "
        f"{escape(start['value'])}",
        highlight=False,
    )
    for turn in manifest["turns"]:
        if turn["caption"] is not None:
            out.print(f"{turn['turn']:>3}  {turn['caption']}", highlight=False, markup=False)
    return 0


def _runs(args: argparse.Namespace) -> int:
    from image_telephone.store.listing import list_runs
    from image_telephone.store.storage import open_store

    root = open_store(args.out, args.s3_endpoint)
    summaries = list_runs(root)
    chains = {run.name: _chain(root, run.name) for run in summaries} if args.check else {}
    if args.json:
        _print_json(
            {"location": root.location, "runs": [_run_record(run, chains) for run in summaries]}
        )
        return 0
    if not summaries:
        console.print(f"no runs in {args.out}", highlight=False)
        return 0
    from rich.table import Table

    table = Table(title=f"runs in {args.out}")
    columns = ["run", "status", "turns", "provider", "start", "updated (UTC)"]
    for column in columns + (["chain"] if args.check else []):
        table.add_column(column, overflow="fold")
    for run in summaries:
        row = [
            run.name,
            f"{run.status}: {run.failure}" if run.failure else run.status,
            f"{run.turns_done}/{run.turns_planned}",
            run.provider,
            snippet(run.start, 50),
            run.updated_at[:19].replace("T", " "),
        ]
        if args.check:
            chain = chains[run.name]
            row.append("intact" if chain["intact"] else f"broken at turn {chain['broken_turn']}")
        table.add_row(*row)
    data_console().print(table)
    return 0


def _chain(root: Any, name: str) -> dict[str, Any]:
    from image_telephone.store.chain import check_run

    report = check_run(root.child(name))
    return {"intact": report.intact, "broken_turn": None if report.intact else report.broken_turn}


def _run_record(run: Any, chains: dict[str, dict[str, Any]]) -> dict[str, Any]:
    kind, _, value = run.start.partition(": ")
    return {
        "run": run.name,
        "status": run.status,
        "failure": run.failure,
        "turns_done": run.turns_done,
        "turns_planned": run.turns_planned,
        "provider": run.provider,
        "start": {"kind": kind, "value": value},
        "updated_at": run.updated_at,
        "chain": chains.get(run.name),
    }
