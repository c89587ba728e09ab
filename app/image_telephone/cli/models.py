"""The models command: every registered provider, the roles it serves, its models and key."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from rich.table import Table

from image_telephone.cli.terminal import data_console
from image_telephone.providers.registry import ENTRY_POINT_GROUP, providers


def add_models_commands(
    commands: argparse._SubParsersAction,
) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Adds `models` to the command's subparsers; returns its handler by name."""
    commands.add_parser(
        "models",
        help="list providers, the roles they serve, their models and which need a key",
        description=f"Providers register through the {ENTRY_POINT_GROUP!r} entry-point group; "
        "the built-ins do too. A role's default model is overridden by its environment variable "
        "(shown in brackets), which a model named on the command line overrides in turn.",
    )
    return {"models": _models}


def _models(args: argparse.Namespace) -> int:
    table = Table(title="providers")
    for column in ("provider", "role", "default model", "other known models", "options", "key"):
        table.add_column(column, overflow="fold")
    for name, spec in providers().items():
        if spec.key_env is None:
            key = "none needed"
        else:
            key = f"${spec.key_env} ({'set' if os.environ.get(spec.key_env) else 'not set'})"
        for role, models in spec.roles.items():
            default = models.default + (f" [${models.env}]" if models.env else "")
            others = ", ".join(m for m in models.known if m != models.default)
            options = "; ".join(
                f"{option}: {declared.help}"
                for option, declared in spec.options.items()
                if declared.role == role
            )
            table.add_row(name, role, default, others, options, key)
    data_console().print(table)  # piped: one unwrapped line per role
    return 0
