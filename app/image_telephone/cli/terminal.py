"""The command line's consoles: messages and progress on stderr, data (tables, chains) on stdout.

soft_wrap: a long message (a command to copy, a path, a URI) is left for the terminal to wrap,
never broken with a newline of ours. Data sent to a pipe or a file is never wrapped at all.
"""

from rich.console import Console

console = Console(stderr=True, soft_wrap=True)

_UNWRAPPED = 100_000  # columns: wide enough that no name or caption is ever folded


def data_console() -> Console:
    """A console on stdout: a terminal's own width, or unwrapped lines when piped."""
    out = Console()
    return out if out.is_terminal else Console(width=_UNWRAPPED, soft_wrap=True)
