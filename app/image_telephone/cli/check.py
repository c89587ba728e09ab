"""The check command: verify a run's chain from its files, or truncate it to its intact turns."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from image_telephone.cli.terminal import console
from image_telephone.errors import InputError, StorageError


def add_check_commands(
    commands: argparse._SubParsersAction, add_location: Callable[[argparse.ArgumentParser], None]
) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Adds `check` to the command's subparsers; returns its handler by name."""
    check = commands.add_parser(
        "check",
        help="verify a run's chain (exit 0 intact, 4 broken); --repair truncates it",
        description="Verifies from the files alone that caption k belongs to image k, that image "
        "k+1 was painted from caption k, and that every file is the one that was written. "
        "Makes no model call.",
    )
    check.add_argument("run_name", help="the run's name (see `runs`)")
    add_location(check)
    check.add_argument(
        "--repair",
        action="store_true",
        help="truncate the run to its last intact turn (later files move to .discarded/)",
    )
    return {"check": _check}


def _check(args: argparse.Namespace) -> int:
    from image_telephone.store.chain import check_run, repair_run
    from image_telephone.store.manifest import read_manifest
    from image_telephone.store.run_lock import acquire_run_lock
    from image_telephone.store.storage import open_store, validate_run_name

    store = open_store(args.out, args.s3_endpoint).child(validate_run_name(args.run_name))
    if read_manifest(store) is None:
        raise InputError(
            f"run {args.run_name!r}: not found in {args.out}; check the name and --out"
        )
    if not args.repair:
        report = check_run(store)
        if report.intact:
            console.print(report.line(), highlight=False, soft_wrap=True)
            return 0
        raise StorageError(
            f"{report.line()}; `image-telephone check {args.run_name} --repair` truncates it there"
        )
    with acquire_run_lock(store):
        before = check_run(store)
        if before.intact and not before.uncommitted:
            console.print(f"{before.line()}; nothing to repair", highlight=False, soft_wrap=True)
            return 0
        after = repair_run(store, args.run_name)
    console.print(
        f"repaired: kept {after.committed_turns} turn(s); {after.line()}",
        highlight=False,
        soft_wrap=True,
    )
    return 0
