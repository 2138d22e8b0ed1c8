"""The reference parts of docs/cli.md, generated from the parser so that they cannot drift.

docs/cli.md keeps its prose (what a command does, its JSON) by hand; each command's usage and
options table sits between `<!-- generated: model-import NAME -->` and `<!-- end generated -->`
and is rewritten from `cli.main.build_parser()`. The options every command takes are one block,
`<!-- generated: options -->`. `python -m cli.docgen docs/cli.md` (or `make docs`) rewrites the
blocks; tests/cli/test_cli_docs.py fails when they differ from the parser.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from cli.main import PROG, build_parser, common_options
from cli.options import help_with_default

BLOCK = re.compile(r"(<!-- generated: (?P<key>[^>]*?) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)
COMMON = "options"


def subcommands(
    parser: argparse.ArgumentParser, prefix: str = PROG
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command, nested ones (`local up`) included, with its parser, in the order --help lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                sub = action.choices[choice.dest]
                name = f"{prefix} {choice.dest}"
                yield name, sub
                yield from subcommands(sub, name)


def _shared_dests() -> set[str]:
    return {a.dest for a in common_options()._actions}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _invocation(action: argparse.Action) -> str:
    if not action.option_strings:
        return str(action.metavar or action.dest).upper() if action.metavar is None else str(action.metavar)
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    metavar = action.metavar or (
        "{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper()
    )
    return ", ".join(f"{o} {metavar}" for o in action.option_strings)


def command_block(name: str, parser: argparse.ArgumentParser) -> str:
    shared = _shared_dests()
    own = [
        a
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        and not (a.option_strings and a.dest in shared)
    ]
    words = [name]
    for a in own:
        if not a.option_strings:
            word = _invocation(a)
            words.append(f"[{word}]" if a.nargs in ("?", "*") else word)
    if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
        words.append("SUBCOMMAND")
    words.append("[options]")
    lines = ["    " + " ".join(words), ""]
    if parser.description:
        lines += [_cell(parser.description), ""]
    if own:
        lines += ["| option | meaning |", "| --- | --- |"]
        lines += [f"| `{_invocation(a)}` | {_cell(help_with_default(a))} |" for a in own]
        lines.append("")
    lines.append("And the [options every command takes](#options-every-command-takes).")
    return "\n".join(lines) + "\n"


def common_block() -> str:
    lines = ["| option | meaning |", "| --- | --- |"]
    for a in common_options()._actions:
        lines.append(f"| `{_invocation(a)}` | {_cell(a.help or '')} |")
    return "\n".join(lines) + "\n"


def blocks() -> dict[str, str]:
    """What each generated block holds, by its key."""
    out = {COMMON: common_block()}
    for name, sub in subcommands(build_parser()):
        out[name] = command_block(name, sub)
    return out


def render(text: str) -> str:
    """`text` with every generated block rewritten; an unknown key is left for the test to name."""
    wanted = blocks()
    return BLOCK.sub(lambda m: m.group(1) + wanted.get(m.group("key"), m.group("body")) + m.group(4), text)


def keys_in(text: str) -> list[str]:
    return [m.group("key") for m in BLOCK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m cli.docgen docs/cli.md", file=sys.stderr)
        return 2
    path = Path(args[0])
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
