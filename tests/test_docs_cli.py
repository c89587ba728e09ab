"""The docs name only commands and options that the image-telephone command has."""

# What counts, in README.md and docs/*.md: every `image-telephone …` (or `python -m
# image_telephone.cli …`) in a shell block or a code span is walked like argparse would: each
# subcommand must exist and each option must belong to its (sub)command. A code span that starts
# with a command name (`runs --check`) is such an invocation too. Any other option in a code span
# of prose (`--fork`) belongs to the commands its sentence names, and must be accepted by one of
# them; when the sentence names none, by any command. Options shown on other programs' command
# lines (`burr --backend s3`, `python -m hub_contrib.build --check`) are theirs, not ours.

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from image_telephone.cli.main import _parser

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# `image-telephone <args>` (also .venv/bin/image-telephone), `python -m image_telephone.cli <args>`;
# not `pip install image-telephone`, `image-telephone[ray]` or `version="image-telephone-local"`.
_LONG_OPTION = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")
_INVOCATION = re.compile(
    r"(?<![\w.-])(?<!install )"
    r"(?:image-telephone|python3?\s+-m\s+image_telephone\.cli)[ \t]+(?P<args>[^\n]*)"
)
_FENCE = re.compile(r"^```(?P<language>[^\n]*)\n(?P<body>.*?)^```", re.M | re.S)
_CODE_SPAN = re.compile(r"`(?P<code>[^`]+)`")
_QUOTED = re.compile(r"\$?'[^']*'|\"[^\"]*\"")
_SHELL_END = re.compile(r"\s(?:&&|\|\|?|;)\s")
_OPTION = re.compile(r"^--?[A-Za-z][\w-]*")
# A paragraph ends at a blank line; a list item, table row or heading starts a new one.
_PARAGRAPH_START = re.compile(r"^(?:\s*(?:[-*+]|\d+\.)\s|\||#)")
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z`*(\"])")
_ELIDED = {"…", "...", "[…]"}


@dataclass(frozen=True)
class Mention:
    """A command or option a doc names, where, and the command paths it may belong to."""

    where: str
    commands: tuple[tuple[str, ...], ...]  # empty: prose that names no command, so any
    option: str | None = None
    unknown_command: str | None = None


@dataclass
class _Parsers:
    """The command's parsers by subcommand path, and every option any of them accepts."""

    by_path: dict[tuple[str, ...], argparse.ArgumentParser] = field(default_factory=dict)
    all_options: set[str] = field(default_factory=set)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subparsers of a parser by name (aliases included); empty when it has none."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _collect(parser: argparse.ArgumentParser, path: tuple[str, ...], into: _Parsers) -> None:
    """Records parser under path, its options, and those of every nested subcommand."""
    into.by_path[path] = parser
    into.all_options.update(parser._option_string_actions)
    for name, child in _subcommands(parser).items():
        _collect(child, (*path, name), into)


def _values_taken(action: argparse.Action | None) -> int:
    """How many following words an option consumes (0 when unknown or optional)."""
    if action is None:
        return 0
    if action.nargs is None:
        return 1
    return action.nargs if isinstance(action.nargs, int) else 0


def _words(args: str) -> list[str]:
    """The shell words of an invocation's arguments, quoted strings as one placeholder word."""
    args = _SHELL_END.split(f" {args} ", maxsplit=1)[0]
    return _QUOTED.sub("STRING", args.replace("#", " ")).split()


def _invocation_mentions(args: str, where: str, parsers: _Parsers) -> list[Mention]:
    """The command path and options of one invocation, walked as argparse would."""
    path: tuple[str, ...] = ()
    mentions: list[Mention] = []
    words = iter(_words(args))
    for word in words:
        option = _OPTION.match(word)
        parser = parsers.by_path[path]
        if option:
            mentions.append(Mention(where, (path,), option.group()))
            if "=" not in word:
                for _ in range(_values_taken(parser._option_string_actions.get(option.group()))):
                    next(words, None)
            continue
        subcommands = _subcommands(parser)
        if not subcommands or word.startswith("$"):
            continue  # a positional argument, or a shell variable
        if word in _ELIDED:
            break
        if word not in subcommands:
            mentions.append(Mention(where, (path,), unknown_command=word))
            break
        path = (*path, word)
        mentions.append(Mention(where, (path,)))
    return mentions


def _line(text: str, offset: int) -> int:
    """The 1-based line number of offset in text."""
    return text.count("\n", 0, offset) + 1


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """The prose of a markdown text (code blocks left out) as (offset, paragraph) pairs."""
    prose = _FENCE.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), text)
    paragraphs: list[tuple[int, str]] = []
    start, offset = None, 0
    for line in prose.splitlines(keepends=True):
        if not line.strip() or _PARAGRAPH_START.match(line):
            if start is not None:
                paragraphs.append((start, prose[start:offset]))
            start = offset if line.strip() else None
        elif start is None:
            start = offset
        offset += len(line)
    if start is not None:
        paragraphs.append((start, prose[start:]))
    return paragraphs


def _sentences(paragraph: str) -> list[tuple[int, str]]:
    """A paragraph's sentences as (offset, sentence); a code span never splits one."""
    masked = _CODE_SPAN.sub(lambda match: "`" + "x" * (len(match.group()) - 2) + "`", paragraph)
    cuts = [0, *(match.end() for match in _SENTENCE_END.finditer(masked)), len(paragraph)]
    return [(begin, paragraph[begin:end]) for begin, end in pairwise(cuts) if begin < end]


def _sentence_mentions(
    sentence: str, where: str, parsers: _Parsers, foreign: set[str]
) -> list[Mention]:
    """Invocations in a sentence's code spans; its other options belong to the commands it names."""
    commands = set(_subcommands(parsers.by_path[()]))
    mentions: list[Mention] = []
    loose_options: list[str] = []
    for span in _CODE_SPAN.finditer(sentence):
        code = " ".join(span.group("code").split())
        invocation = _INVOCATION.search(code)
        first = code.split()[0] if code else ""
        if invocation:
            mentions += _invocation_mentions(invocation.group("args"), where, parsers)
        elif first in commands:  # `runs --check`, or a bare `show`
            mentions += _invocation_mentions(code, where, parsers)
        elif _OPTION.match(first):  # `--mode more --more-of "hard-working"`
            loose_options += _options(code)
        # else another program's command line (`burr --backend s3`, `pip install …`): not ours
    named = tuple(sorted({path for mention in mentions for path in mention.commands if path}))
    return mentions + [
        Mention(where, named, option)
        for option in loose_options
        if named or option not in foreign  # `--check` under `python -m hub_contrib.build --check`
    ]


def _options(code: str) -> list[str]:
    """The options among a command line's words."""
    return [match.group() for match in map(_OPTION.match, _words(code)) if match]


def _joined(code: str) -> str:
    """Shell code with backslash-continued lines joined, every offset kept."""
    return re.sub(r"\\\n", "  ", code)


def _foreign_options(text: str, commands: set[str]) -> set[str]:
    """Options that a doc shows on other programs' command lines, in shell blocks or code spans."""
    foreign: set[str] = set()
    for block in _FENCE.finditer(text):
        if block.group("language") in ("", "bash", "sh", "shell", "console"):
            for line in _joined(block.group("body")).splitlines():
                if not _INVOCATION.search(line):
                    foreign.update(_options(line))
    for span in _CODE_SPAN.finditer(_FENCE.sub("", text)):
        code = span.group("code").split()
        ours = not code or code[0] in commands or _INVOCATION.search(" ".join(code))
        if not ours and not _OPTION.match(code[0]):
            foreign.update(_options(" ".join(code[1:])))
    return foreign


def doc_mentions(path: Path, parser: argparse.ArgumentParser) -> list[Mention]:
    """Every command and option a markdown file names for the image-telephone command."""
    parsers = _Parsers()
    _collect(parser, (), parsers)
    text = path.read_text()
    foreign = _foreign_options(text, set(_subcommands(parser)))
    mentions: list[Mention] = []
    for block in _FENCE.finditer(text):
        for line_match in re.finditer(r"[^\n]+", _joined(block.group("body"))):
            where = f"{path.name}:{_line(text, block.start('body') + line_match.start())}"
            for invocation in _INVOCATION.finditer(line_match.group()):
                mentions += _invocation_mentions(invocation.group("args"), where, parsers)
    for start, paragraph in _paragraphs(text):
        for offset, sentence in _sentences(paragraph):
            where = f"{path.name}:{_line(text, start + offset)}"
            mentions += _sentence_mentions(sentence, where, parsers, foreign)
    return mentions


def check_docs(paths: Iterable[Path], parser: argparse.ArgumentParser) -> list[str]:
    """One line for each command or option the docs name that parser does not accept."""
    parsers = _Parsers()
    _collect(parser, (), parsers)
    problems = []
    for path in paths:
        for mention in doc_mentions(path, parser):
            names = " or ".join(f"`{_command_line(parser, path)}`" for path in mention.commands)
            if mention.unknown_command is not None:
                words = _command_line(parser, (*mention.commands[0], mention.unknown_command))
                problems.append(f"{mention.where}: no command `{words}`")
            elif mention.option is None:
                continue
            elif not mention.commands:
                if mention.option not in parsers.all_options:
                    problems.append(f"{mention.where}: no command has {mention.option}")
            elif not any(
                mention.option in parsers.by_path[command]._option_string_actions
                for command in mention.commands
            ):
                problems.append(f"{mention.where}: {names} has no {mention.option}")
    return problems


def _command_line(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> str:
    """The program and subcommand names of path, as a user types them."""
    return " ".join((parser.prog, *path))


def _cli_parser() -> argparse.ArgumentParser:
    """The image-telephone command's own parser, as cli/main.py builds it."""
    built = _parser()
    return built[0] if isinstance(built, tuple) else built


def test_docs_name_only_commands_and_options_the_cli_has():
    problems = check_docs(DOC_FILES, _cli_parser())
    assert not problems, "the docs name what the command does not have:\n" + "\n".join(problems)


def test_the_scan_finds_the_documented_commands_and_options():
    parser = _cli_parser()
    mentions = [mention for path in DOC_FILES for mention in doc_mentions(path, parser)]
    commands = {command for mention in mentions for command in mention.commands}
    assert {("run",), ("runs",), ("check",), ("report",), ("tournament",), ("title",)} <= commands
    options = {(mention.commands, mention.option) for mention in mentions if mention.option}
    assert ((("run",),), "--descriptiveness") in options  # an invocation in a code block
    assert ((("title",),), "--stop") in options  # …continued over a backslash line break
    assert ((("runs",),), "--check") in options  # `runs --check` in prose
    assert ((("ui",),), "--port") in options  # prose next to `image-telephone ui`
    assert ((), "--fork") in options  # prose that names no command
    assert not any(mention.option == "--backend" for mention in mentions)  # `burr --backend s3`


def test_the_check_fails_on_every_option_renamed_in_copies_of_the_docs(tmp_path):
    parser = _cli_parser()
    copies = []
    for path in DOC_FILES:
        copies.append(tmp_path / path.name)
        copies[-1].write_text(_LONG_OPTION.sub(r"\g<0>-renamed", path.read_text()))
    expected = []
    for path in DOC_FILES:
        for mention in doc_mentions(path, parser):
            if mention.option and mention.option.startswith("--"):
                commands = " or ".join(f"`{_command_line(parser, c)}`" for c in mention.commands)
                owner = f"{commands} has no" if commands else "no command has"
                expected.append(f"{mention.where}: {owner} {mention.option}-renamed")
    assert len(expected) > 50
    assert check_docs(copies, parser) == expected


def _doc_with(tmp_path: Path, addition: str) -> Path:
    """A copy of the README with addition appended as its last paragraph."""
    copy = tmp_path / "README.md"
    copy.write_text((ROOT / "README.md").read_text() + "\n" + addition + "\n")
    return copy


def test_the_check_fails_on_an_option_a_command_lacks(tmp_path):
    parser = _cli_parser()
    assert check_docs([_doc_with(tmp_path, "")], parser) == []
    block = "```bash\nimage-telephone run photo.jpg -n 3 \\\n    --no-such-option 2\n```"
    assert check_docs([_doc_with(tmp_path, block)], parser) == [
        f"README.md:{_last_line(tmp_path) - 2}: `image-telephone run` has no --no-such-option"
    ]
    inline = "Stop early with `image-telephone tournament cup.toml --no-such-option`."
    assert check_docs([_doc_with(tmp_path, inline)], parser) == [
        f"README.md:{_last_line(tmp_path)}: `image-telephone tournament` has no --no-such-option"
    ]
    short = "Or `python -m image_telephone.cli title art/ -Z`."
    assert check_docs([_doc_with(tmp_path, short)], parser) == [
        f"README.md:{_last_line(tmp_path)}: `image-telephone title` has no -Z"
    ]


def test_the_check_fails_on_a_command_that_does_not_exist(tmp_path):
    problems = check_docs([_doc_with(tmp_path, "Try `image-telephone replay RUN`.")], _cli_parser())
    assert problems == [f"README.md:{_last_line(tmp_path)}: no command `image-telephone replay`"]


def test_the_check_attributes_prose_options_to_the_command_the_sentence_names(tmp_path):
    parser = _cli_parser()
    wrong = "`image-telephone ui` serves the tracker (`--fork` for a copy)."
    assert check_docs([_doc_with(tmp_path, wrong)], parser) == [
        f"README.md:{_last_line(tmp_path)}: `image-telephone ui` has no --fork"
    ]
    unnamed = "Nothing names a command here. `--fork` continues a copy; `--no-such-option` not."
    assert check_docs([_doc_with(tmp_path, unnamed)], parser) == [
        f"README.md:{_last_line(tmp_path)}: no command has --no-such-option"
    ]
    foreign = "Read it with `burr --backend s3` or `pip install image-telephone --upgrade`."
    assert check_docs([_doc_with(tmp_path, foreign)], parser) == []


def test_the_check_walks_nested_subcommands(tmp_path):
    parser = argparse.ArgumentParser(prog="image-telephone")
    commands = parser.add_subparsers(dest="command", required=True)
    tournament = commands.add_parser("tournament")
    tournament.add_argument("--out")
    actions = tournament.add_subparsers(dest="action", required=True)
    actions.add_parser("resume").add_argument("--force", action="store_true")
    doc = tmp_path / "nested.md"
    doc.write_text(
        "```bash\n"
        "image-telephone tournament --out x resume --force\n"
        "image-telephone tournament resume --no-such-option\n"
        "image-telephone tournament replay\n"
        "```\n"
    )
    assert check_docs([doc], parser) == [
        "nested.md:3: `image-telephone tournament resume` has no --no-such-option",
        "nested.md:4: no command `image-telephone tournament replay`",
    ]


def _last_line(tmp_path: Path) -> int:
    """The line number of the last line of the README copy."""
    return len((tmp_path / "README.md").read_text().splitlines())
