"""The options of every command: -q/--quiet and -v/--verbose (on the command or before it), and
the top level's --version."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable
from typing import Any

from image_telephone.cli.library_logs import keep_library_logs_off_terminal, show_library_logs
from image_telephone.cli.terminal import console

_LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _Version(argparse.Action):
    """--version: the installed version, read from the package's metadata only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        import image_telephone

        print(f"{parser.prog} {image_telephone.__version__}")
        parser.exit()


def _add_verbosity(parser: argparse.ArgumentParser, default: Any) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress bar and no messages on stderr; errors and results still print",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="show Burr's, Hamilton's and other libraries' logs (INFO and up) on stderr",
    )


def add_global_options(
    parser: argparse.ArgumentParser, subparsers: Iterable[argparse.ArgumentParser]
) -> None:
    """Adds --version to parser, and -q/-v to it and to every subcommand's parser."""
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    _add_verbosity(parser, default=False)
    for subparser in subparsers:
        _add_verbosity(subparser, default=argparse.SUPPRESS)  # keeps a -q given before it


def apply_global_options(args: argparse.Namespace) -> None:
    """Sets the console's quietness and where logs go, for this call of the command."""
    console.quiet = args.quiet
    if args.verbose:
        handler: logging.Handler = logging.StreamHandler()
        if console.is_terminal:  # through the console, so that a live progress bar stays whole
            from rich.logging import RichHandler

            handler = RichHandler(console=console, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        logging.basicConfig(level=logging.INFO, handlers=[handler])
        show_library_logs()
    else:
        logging.basicConfig(level=logging.WARNING, format=_LOG_FORMAT)
        keep_library_logs_off_terminal()  # Burr's and Hamilton's banners: errors are ours to say
