"""The command line's console for messages and progress, on stderr (stdout stays for data).

soft_wrap: a long message (a command to copy, a path, a URI) is left for the terminal to wrap,
never broken with a newline of ours.
"""

from rich.console import Console

console = Console(stderr=True, soft_wrap=True)
