"""The `completion` command: a shell's tab-completion script, generated from the parser by shtab.

The script is static: pressing Tab never starts Python, so completion costs nothing at the prompt.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

from image_telephone.errors import InputError

SHELLS = ("bash", "zsh", "fish", "tcsh", "powershell")
_FILES = {"image", "start_image", "file"}  # arguments that name a file
_FOLDERS = {"folder"}  # arguments that name a folder

_INSTALL = """\
bash:  image-telephone completion bash > ~/.local/share/bash-completion/completions/image-telephone
zsh:   image-telephone completion zsh > ~/.zfunc/_image-telephone  (fpath+=(~/.zfunc) in .zshrc)
fish:  image-telephone completion fish > ~/.config/fish/completions/image-telephone.fish
"""


def add_completion_commands(
    commands: argparse._SubParsersAction, parser: argparse.ArgumentParser
) -> dict[str, Callable[[argparse.Namespace], int]]:
    """Adds `completion` (which completes parser, once built) and returns its handler."""
    completion = commands.add_parser(
        "completion",
        help="print a shell's tab-completion script (bash, zsh, fish, tcsh, powershell)",
        description="Prints the script that makes the shell complete image-telephone's "
        "commands, options and paths. Install it once, e.g.:",
        epilog=_INSTALL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell the script is for")
    return {"completion": lambda args: _completion(parser, args.shell)}


def _actions(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                yield from _actions(subparser)


def _completion(parser: argparse.ArgumentParser, shell: str) -> int:
    import shtab

    if shell not in shtab.SUPPORTED_SHELLS:
        raise InputError(f"completion {shell}: needs a newer shtab: pip install -U shtab")
    for action in _actions(parser):
        if action.dest in _FILES:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.dest in _FOLDERS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    print(shtab.complete(parser, shell=shell))
    return 0
